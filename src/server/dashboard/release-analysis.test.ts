// The release view's analysis and traffic parts: measurements grouped per analysis step and judged by
// the runner's rules (count, limits, stopped runs), background measurements apart, conditions and
// verdicts rendered and escaped; the traffic share in % and "no traffic" instead of 0 %; and the
// traffic measured through the built-in provider (a fake proxy query API) and Prometheus (a fake server).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MeasurementRecord } from '../../analysis/run.ts';
import type { LoadedPlatform } from '../../config/load.ts';
import { analysisTemplateSchema } from '../../config/schema.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { ReleaseRecord } from '../../release/history.ts';
import { sharePath, weightChart } from './release.ts';
import { analysisRuns, analysisSection, trafficSection } from './release-analysis.ts';
import { measureTraffic, shares, sliceCuts, sliceShares } from './traffic.ts';

const T0 = Date.parse('2026-12-05T12:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const now = new Date(T0 + 60_000);

const templates = {
  'dash-success': analysisTemplateSchema.parse({
    metrics: [
      {
        name: 'success-rate',
        provider: { builtin: { metric: 'success-rate' } },
        interval: '1s',
        count: 3,
        successCondition: 'result >= 0.95',
        failureLimit: 0,
        inconclusiveLimit: 2,
        noData: 'inconclusive',
      },
    ],
  }),
  bg: analysisTemplateSchema.parse({
    metrics: [
      { name: 'p99', provider: { builtin: { metric: 'latency-p99' } }, failureCondition: 'result > 500' },
    ],
  }),
};
const lookup = (n: string) => templates[n as keyof typeof templates];

const m = (
  s: number,
  value: number | undefined,
  phase: MeasurementRecord['phase'],
  template = 'dash-success',
) =>
  ({
    template,
    metric: template === 'bg' ? 'p99' : 'success-rate',
    value,
    phase,
    at: T0 + s * 1000,
    message: `judged ${phase}`,
  }) satisfies MeasurementRecord;

const record = (over: Partial<ReleaseRecord> = {}) =>
  ({
    startedAt: iso(0),
    status: 'pending',
    strategy: 'canary',
    steps: [
      { name: 'step 1/2: setWeight 50', startedAt: iso(1), endedAt: iso(2), outcome: 'ok' },
      { name: 'step 2/2: analysis dash-success', startedAt: iso(10) },
    ],
    ...over,
  }) as ReleaseRecord;

describe('release view: analysis runs', () => {
  test('a running step shows its template’s metrics before the first measurement', () => {
    const [run] = analysisRuns(record(), [], lookup, now);
    assert.equal(run!.step, 'step 2/2: analysis dash-success');
    assert.equal(run!.phase, 'Running');
    assert.deepEqual(
      run!.metrics.map((x) => [x.metric, x.successCondition, x.measurements.length]),
      [['success-rate', 'result >= 0.95', 0]],
    );
    assert.match(run!.metrics[0]!.rules, /every 1s · 3 measurements · failureLimit 0/);
  });

  test('measurements are judged by the runner’s rules: count reached is Successful, one failure over the limit Failed', () => {
    const ok = analysisRuns(
      record(),
      [m(10, 0.99, 'Successful'), m(11, 1, 'Successful'), m(12, 0.97, 'Successful')],
      lookup,
      now,
    );
    assert.equal(ok[0]!.metrics[0]!.phase, 'Successful');
    assert.equal(ok[0]!.phase, 'Successful');
    const bad = analysisRuns(record(), [m(10, 0.99, 'Successful'), m(11, 0.5, 'Failed')], lookup, now);
    assert.equal(bad[0]!.phase, 'Failed');
    assert.match(bad[0]!.metrics[0]!.message, /1 failed measurement\(s\), more than failureLimit 0/);
  });

  test('a step that ended before a decision is judged as stopped; its detail is the run’s message', () => {
    const r = record({
      status: 'aborted',
      steps: [
        {
          name: 'step 2/2: analysis dash-success',
          startedAt: iso(10),
          endedAt: iso(12),
          outcome: 'failed',
          detail: 'aborted by dana',
        },
      ],
    });
    const [run] = analysisRuns(r, [m(10, undefined, 'Inconclusive')], lookup, now);
    assert.equal(run!.phase, 'Inconclusive');
    assert.equal(run!.message, 'aborted by dana');
  });

  test('background measurements are kept apart from the step’s, even while the step runs', () => {
    const runs = analysisRuns(
      record(),
      [m(10, 0.99, 'Successful'), m(11, 120, 'Successful', 'bg')],
      lookup,
      now,
    );
    assert.deepEqual(
      runs.map((r) => [r.step, r.metrics.map((x) => x.measurements.length)]),
      [
        ['step 2/2: analysis dash-success', [1]],
        ['background analysis', [1]],
      ],
    );
    assert.equal(runs[1]!.metrics[0]!.failureCondition, 'result > 500');
  });

  test('the section shows values, verdicts and the condition, escaped', async () => {
    const r = record();
    const runs = analysisRuns(
      r,
      [m(10, 0.9876543, 'Successful'), m(11, undefined, 'Inconclusive')],
      lookup,
      now,
    );
    runs[0]!.metrics[0]!.message = '<b>x</b>';
    const html = (await analysisSection(r, runs)).toString();
    assert.match(html, /<code>result &gt;= 0.95<\/code>/);
    assert.match(html, /0\.9877/);
    assert.match(html, /no data/);
    assert.match(html, />passed</);
    assert.match(html, />inconclusive</);
    assert.match(html, />Running</);
    assert.ok(!html.includes('<b>x</b>'), 'escaped');
    assert.match((await analysisSection(r, [])).toString(), /No analysis has run/);
  });
});

describe('release view: traffic share', () => {
  const share = (canary: number, stable: number) => ({
    windowMs: 30_000,
    source: 'proxy' as const,
    tracks: [
      { track: 'canary' as const, workload: 'can-canary', requests: canary },
      { track: 'stable' as const, workload: 'can', requests: stable },
    ],
  });

  test('percentages of what was answered; no traffic is said, not 0 %', async () => {
    assert.deepEqual(
      shares(share(1, 3))?.map((s) => s.percent),
      [25, 75],
    );
    assert.equal(shares(share(0, 0)), undefined);
    const none = (await trafficSection(share(0, 0), 20)).toString();
    assert.match(none, /no traffic in the last 30 s/);
    assert.ok(!none.includes('0 %</'), 'no 0 % share');
    const some = (await trafficSection(share(1, 3), 20)).toString();
    assert.match(some, /canary<\/strong> 25 %/);
    assert.match(some, /stable<\/strong> 75 %/);
    assert.match(some, /configured canary weight 20 %/);
    assert.match((await trafficSection(undefined, 0)).toString(), /no proxy or Prometheus/);
    assert.match(
      (await trafficSection({ ...share(0, 0), tracks: [], error: 'cannot reach x' }, 0)).toString(),
      /unknown \(cannot reach x\)/,
    );
  });

  test('the share over the release: cut in slices, each slice what was counted between its cuts', () => {
    assert.deepEqual(sliceCuts({ from: 0, to: 3_000 }, 3_000), [], 'too short to slice');
    assert.deepEqual(sliceCuts({ from: 0, to: 10_000 }, 99_000), [0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    assert.equal(sliceCuts({ from: 0, to: 120_000 }, 120_000).length, 13);
    assert.deepEqual(sliceCuts({ from: 0, to: 10_000 }, 40 * 60_000), [], 'too old for the proxy');
    // Counted since each cut until now: 40/50 since 0, 10/30 since 2 s, 10/30 since 4 s (nothing between).
    const series = sliceShares(
      [0, 2_000, 4_000],
      [
        [40, 50],
        [10, 30],
        [10, 30],
      ],
    );
    assert.deepEqual(
      series.map((p) => p.canaryPercent),
      [60, undefined],
    );
    const d = sharePath(
      [...series, { from: 4_000, to: 6_000, canaryPercent: 50 }],
      (t) => t / 100,
      (w) => 100 - w,
    );
    assert.equal(d, 'M0.0,40.0 L20.0,40.0 M40.0,50.0 L60.0,50.0', 'a gap where no request was seen');
  });

  test('the weight chart draws the share as a second, dashed series when there is one', async () => {
    const r = record({
      steps: [{ name: 'step 1/2: setWeight 50', startedAt: iso(1), endedAt: iso(2), outcome: 'ok' }],
    });
    const series = [{ from: T0, to: T0 + 30_000, canaryPercent: 40 }];
    assert.match((await weightChart(r, now, series)).toString(), /data-testid="share-series"/);
    assert.doesNotMatch((await weightChart(r, now)).toString(), /share-series/);
  });

  test('elsewhere through the Prometheus provider: istio_requests_total of each workload over 30 s', async () => {
    const queries: string[] = [];
    const fakeFetch = (async (url: URL, init: { body: string }) => {
      const query = new URLSearchParams(init.body).get('query') ?? '';
      queries.push(`${url.href} ${query}`);
      const value = query.includes('"can-canary"') ? '12' : '36';
      return new Response(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ value: [0, value] }] },
        }),
      );
    }) as unknown as typeof fetch;
    const platform = {
      platform: {
        environments: [],
        services: {},
        analysisProviders: { prometheus: { address: 'http://prometheus.test:9090' } },
      },
      environments: [],
    } as unknown as LoadedPlatform;
    // No local cluster: no metrics URL from the environment either.
    const saved = process.env.SLIPWAY_METRICS_URL;
    delete process.env.SLIPWAY_METRICS_URL;
    const t = await measureTraffic(platform, { target: {} } as KubeClient, {
      environment: 'prod',
      service: 'can',
      namespace: 'gated-prod',
      fetch: fakeFetch,
    });
    if (saved !== undefined) process.env.SLIPWAY_METRICS_URL = saved;
    assert.equal(t?.source, 'prometheus');
    assert.deepEqual(
      t?.tracks.map((x) => x.requests),
      [12, 36],
    );
    assert.equal(t?.series, undefined, 'no series from Prometheus');
    assert.match(queries[0]!, /^http:\/\/prometheus\.test:9090\/api\/v1\/query /);
    assert.ok(
      queries.some((q) =>
        q.includes(
          'sum(increase(istio_requests_total{reporter="destination",destination_workload="can-canary",destination_workload_namespace="gated-prod"}[30s]))',
        ),
      ),
      queries.join('\n'),
    );
  });

  test('measured through the built-in provider: the proxy’s request rate per workload over 30 s', async () => {
    const asked: string[] = [];
    // One canary and three stable requests a second, for as long as asked.
    const fakeFetch = (async (url: URL) => {
      asked.push(url.href);
      const s = Number(url.searchParams.get('since')) / 1000;
      const body = {
        destinations: [
          { workload: 'can-canary', version: 'v2', requests: s, errors: 0, p50: 1, p95: 2, p99: 3 },
          { workload: 'can', version: 'v1', requests: 3 * s, errors: 0, p50: 1, p95: 2, p99: 3 },
        ],
      };
      return new Response(JSON.stringify(body));
    }) as unknown as typeof fetch;
    const platform = {
      platform: { environments: [], services: {} },
      environments: [],
    } as unknown as LoadedPlatform;
    const t = await measureTraffic(platform, {} as KubeClient, {
      environment: 'dev',
      service: 'can',
      namespace: 'gated-dev',
      metricsUrl: 'http://127.0.0.1:1',
      fetch: fakeFetch,
      span: { from: T0, to: T0 + 20_000 },
      now: T0 + 20_000,
    });
    assert.deepEqual(
      t?.tracks.map((x) => [x.track, x.workload, x.requests]),
      [
        ['canary', 'can-canary', 30],
        ['stable', 'can', 90],
      ],
    );
    assert.match(asked[0]!, /\/query\?service=can&namespace=gated-dev&since=30000/);
    assert.equal(t?.series?.length, 10, 'ten 2 s slices of the 20 s release');
    for (const p of t?.series ?? []) assert.equal(p.canaryPercent, 25);
  });
});
