// The builtin provider and the built-in templates against the local cluster's real metrics server
// (MeshMetrics + startMetricsServer from the service proxy) on loopback.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtinProvider } from '../../src/analysis/providers/builtin.ts';
import { runAnalysis } from '../../src/analysis/run.ts';
import { BUILTIN_TEMPLATES, resolveTemplates } from '../../src/analysis/templates.ts';
import { metricSchema } from '../../src/config/schema.ts';
import { MeshMetrics, startMetricsServer } from '../../src/localcluster/proxy/metrics.ts';
import { isSlipwayError } from '../../src/shared/errors.ts';

describe('builtin provider against the proxy metrics server', () => {
  const mesh = new MeshMetrics();
  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let metricsUrl = '';

  /** n requests of one workload, `errors` of them 503, latencies spread evenly up to maxMs. */
  function traffic(ns: string, workload: string, n: number, errors: number, maxMs: number) {
    for (let i = 0; i < n; i++) {
      mesh.record(
        {
          source: 'test',
          namespace: ns,
          service: 'booking',
          workload,
          version: workload.endsWith('canary') ? 'v2' : 'v1',
        },
        i < errors ? 503 : 200,
        ((i + 1) * maxMs) / n,
      );
    }
  }

  before(async () => {
    server = await startMetricsServer(mesh, '127.0.0.1', 0);
    metricsUrl = server.url;
    traffic('good', 'booking', 200, 0, 100);
    traffic('good', 'booking-canary', 100, 0, 400);
    traffic('bad', 'booking', 200, 0, 100);
    traffic('bad', 'booking-canary', 100, 5, 900);
    traffic('quiet', 'booking', 50, 0, 100);
  });
  after(async () => {
    await server?.close();
  });

  const measure = (
    metric: string,
    ns: string,
    compareWithStable = false,
    extra: Record<string, string> = {},
  ) =>
    builtinProvider().measure(
      metricSchema.parse({
        name: metric,
        provider: { builtin: { metric, compareWithStable } },
        interval: '30s',
      }),
      { metricsUrl, service: 'booking', namespace: ns, ...extra },
      AbortSignal.timeout(5000),
    );

  test('success-rate, error-rate and request-rate of the canary', async () => {
    assert.equal((await measure('success-rate', 'bad')).value, 0.95);
    assert.equal((await measure('error-rate', 'bad')).value, 0.05);
    assert.equal((await measure('success-rate', 'good')).value, 1);
    assert.equal((await measure('request-rate', 'bad')).value, 100 / 30);
    assert.equal((await measure('success-rate', 'bad')).vars?.requests, 100);
  });

  test('latency percentiles of the canary', async () => {
    assert.equal((await measure('latency-p99', 'good')).value, 396);
    assert.equal((await measure('latency-p50', 'good')).value, 200);
    assert.equal((await measure('latency-p95', 'bad')).value, 855);
  });

  test('compareWithStable gives canary − stable, with both tracks as names', async () => {
    const r = await measure('success-rate', 'bad', true);
    assert.ok(Math.abs((r.value as number) - -0.05) < 1e-12);
    assert.deepEqual(r.vars, { canary: 0.95, stable: 1, requests: 100 });
    const p = await measure('latency-p99', 'good', true);
    assert.equal(p.value, 396 - 99);
  });

  test('no canary traffic is no data; request-rate is 0', async () => {
    assert.equal((await measure('success-rate', 'quiet')).value, undefined);
    assert.equal((await measure('latency-p99', 'quiet', true)).value, undefined);
    assert.equal((await measure('request-rate', 'quiet')).value, 0);
    assert.equal((await measure('success-rate', 'nowhere')).value, undefined);
  });

  test('other workload names through args', async () => {
    assert.equal((await measure('success-rate', 'good', false, { canary: 'booking' })).value, 1);
  });

  test('missing args and an unreachable server are clear errors', async () => {
    await assert.rejects(
      builtinProvider().measure(
        metricSchema.parse({ name: 'sr', provider: { builtin: { metric: 'success-rate' } } }),
        { service: 'booking' },
        AbortSignal.timeout(1000),
      ),
      (e: unknown) => isSlipwayError(e) && /needs the args metricsUrl and service/.test(e.message),
    );
    await assert.rejects(
      measure('success-rate', 'good', false, { metricsUrl: 'http://127.0.0.1:1' }),
      /builtin metrics: cannot reach http:\/\/127.0.0.1:1\/query/,
    );
  });

  test('built-in templates by name: a good canary passes, a bad one fails at its first measurement', async () => {
    const templates = resolveTemplates({}, ['success-rate', 'latency-p99']);
    const run = (namespace: string) =>
      runAnalysis(
        templates,
        { metricsUrl, service: 'booking', namespace },
        { builtin: builtinProvider() },
        {
          sleep: async () => {},
        },
      );
    const good = await run('good');
    assert.equal(good.phase, 'Successful', good.message);
    assert.equal(good.measurements.length, 8);
    const bad = await run('bad');
    assert.equal(bad.phase, 'Failed');
    assert.match(
      bad.message,
      /^success-rate failed: .*\(last: 0.95: successCondition `result >= 0.99` is false\)/,
    );
    const quiet = await run('quiet');
    assert.equal(
      quiet.phase,
      'Inconclusive',
      'no canary traffic pauses instead of promoting or rolling back',
    );
    assert.match(quiet.message, /no data \(noData: inconclusive\)/);
  });

  test('latency-p99 template: ≤ 500 ms, or ≤ 1.5 × stable', async () => {
    const t = BUILTIN_TEMPLATES['latency-p99']!;
    const mesh2 = new MeshMetrics();
    const s2 = await startMetricsServer(mesh2, '127.0.0.1', 0);
    try {
      const rec = (workload: string, ms: number) => {
        for (let i = 0; i < 100; i++)
          mesh2.record({ source: 't', namespace: 'n', service: 'svc', workload, version: 'v' }, 200, ms);
      };
      rec('svc', 500);
      rec('svc-canary', 700);
      const run = () =>
        runAnalysis(
          [{ name: 'latency-p99', template: t }],
          { metricsUrl: s2.url, service: 'svc', namespace: 'n' },
          {
            builtin: builtinProvider(),
          },
          { sleep: async () => {} },
        );
      assert.equal((await run()).phase, 'Successful', '700 ms ≤ 1.5 × 500 ms');
      rec('svc-canary', 2000);
      rec('svc-canary', 2000);
      const slow = await run();
      assert.equal(slow.phase, 'Failed');
      assert.equal(slow.measurements.length, 2, 'failureLimit 1: the second slow interval fails');
    } finally {
      await s2.close();
    }
  });
});

describe('resolveTemplates', () => {
  const own = metricSchema.parse({ name: 'x', provider: { web: { url: 'http://127.0.0.1/' } } });
  test("the platform's own templates win over built-in ones of the same name", () => {
    const r = resolveTemplates(
      { analysis: { 'success-rate': { metrics: [own] }, smoke: { metrics: [own] } } },
      ['success-rate', 'smoke', 'latency-p99'],
    );
    assert.deepEqual(
      r.map((t) => [t.name, t.template.metrics[0]!.name]),
      [
        ['success-rate', 'x'],
        ['smoke', 'x'],
        ['latency-p99', 'latency-p99'],
      ],
    );
  });

  test('unknown names: did you mean, every problem listed', () => {
    assert.throws(
      () =>
        resolveTemplates({ analysis: { 'prometheus-canary-health': { metrics: [own] } } }, [
          'sucess-rate',
          'prometheus-canary-heath',
          'zzz',
        ]),
      (e: unknown) =>
        isSlipwayError(e) &&
        e.type === 'config' &&
        e.message === 'unknown analysis template "sucess-rate" (did you mean "success-rate"?)' &&
        e.details[0] ===
          'unknown analysis template "prometheus-canary-heath" (did you mean "prometheus-canary-health"?)' &&
        e.details[1] === 'unknown analysis template "zzz"' &&
        /known: prometheus-canary-health, success-rate, latency-p99/.test(e.hint ?? ''),
    );
  });
});
