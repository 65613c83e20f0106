// A canary judged by a real Prometheus, end to end on the local cluster: Prometheus scrapes the local
// cluster's mesh metrics (Istio's istio_requests_total), the platform names its address once under
// `analysisProviders.prometheus`, and the release path hands it to the Prometheus provider (the
// template names no address). A good version is promoted, an error-injected one is rolled back by a
// Failed analysis, and with Prometheus stopped the analysis ends in Error (five unreachable
// measurements, the message naming the address) and the release is rolled back as for a failure.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { loadPlatform } from '../../src/config/load.ts';
import { RELEASE_STATUS } from '../../src/release/index.ts';
import { registerCanary } from '../../src/release/strategies/canary.ts';
import {
  loadLoop,
  NAMESPACE,
  type ProgressiveEnv,
  recordingEvents,
  release,
  serviceAddress,
  startProgressiveEnv,
} from '../progressive/support.ts';
import {
  type RunningPrometheus,
  skipWithoutPrometheus as skip,
  startPrometheus,
} from './prometheus-support.ts';

const rate = (filter: string) =>
  `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{args.namespace}}",destination_workload="{{args.service}}-canary"${filter}}[3s]))`;

/** The fixture platform plus a service released by a canary that Prometheus judges. */
function withPrometheusCanary(yaml: string, address: string): string {
  const p = parse(yaml) as Record<string, Record<string, unknown>>;
  p.services!.orders = { image: 'example.test/shop/orders', strategy: 'prom-canary' };
  p.strategies!['prom-canary'] = {
    type: 'canary',
    trafficRouting: { istio: {} },
    steps: [{ setWeight: 50 }, { analysis: { templates: ['prom-success'] } }],
    stepTimeout: '60s',
    timeout: '120s',
  };
  p.analysis!['prom-success'] = {
    args: ['service', 'namespace'],
    metrics: [
      {
        name: 'success-rate',
        // No address: the platform's analysisProviders.prometheus is used.
        provider: { prometheus: { query: `${rate(',response_code!~"5.."')} / ${rate('')}` } },
        initialDelay: '2s',
        interval: '1s',
        count: 3,
        successCondition: 'result >= 0.95',
        noData: 'inconclusive',
        inconclusiveLimit: 2,
      },
    ],
  };
  p.analysisProviders = { prometheus: { address } };
  return stringify(p);
}

describe('a Prometheus canary on the local cluster', { skip }, () => {
  let env: ProgressiveEnv | undefined;
  let prom: RunningPrometheus | undefined;
  let url = '';

  before(async () => {
    env = await startProgressiveEnv();
    prom = await startPrometheus([new URL(env.cluster.metricsUrl).host]);
    const file = join(env.dir, 'slipway.yaml');
    writeFileSync(file, withPrometheusCanary(readFileSync(file, 'utf8'), prom.address));
    env.platform = await loadPlatform(env.dir);
    registerCanary({ templates: env.platform.platform.analysis ?? {} });
    const first = await release(env, 'orders', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    url = (await serviceAddress(env, 'orders'))!;
  });
  after(async () => {
    await prom?.stop();
    await env?.close();
  });

  /** Releases `tag` with traffic flowing, and what the stable Service serves afterwards. */
  async function releaseUnderLoad(tag: string, set: string[] = []) {
    const load = loadLoop(url, { concurrency: 2 });
    const events = recordingEvents();
    const started = Date.now();
    try {
      const r = await release(env!, 'orders', tag, set, events);
      const took = Date.now() - started;
      await new Promise((res) => setTimeout(res, 300));
      const check = loadLoop(url, { concurrency: 1 });
      await new Promise((res) => setTimeout(res, 400));
      const serving = Object.keys((await check.stop()).byVersion);
      const canary = await env!.client.get('apps/v1', 'Deployment', 'orders-canary', NAMESPACE);
      const analysis = events.lines.filter((l) => l.startsWith('analysis prom-success/'));
      process.stderr.write(
        `# prometheus canary ${tag}: ${r.status} in ${took} ms; ${analysis.join(' | ')}\n`,
      );
      return { r, serving, canaryLeft: canary !== undefined, analysis };
    } finally {
      await load.stop();
    }
  }

  test('a good version is promoted on Prometheus measurements', async () => {
    const { r, serving, canaryLeft, analysis } = await releaseUnderLoad('v2');
    assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
    assert.ok(
      analysis.filter((l) => l.includes(': Successful successCondition')).length >= 1,
      analysis.join('\n'),
    );
    assert.deepEqual(serving, ['v2']);
    assert.equal(canaryLeft, false);
  });

  test('an error-injected version is rolled back by a Failed analysis', async () => {
    const { r, serving, canaryLeft, analysis } = await releaseUnderLoad('v3', ['env.ERROR_RATE=0.5']);
    assert.equal(r.status, RELEASE_STATUS.failed);
    assert.match(
      r.failure!.reason,
      /analysis prom-success failed: success-rate failed: 1 failed measurement/,
    );
    assert.ok(
      analysis.some((l) => /Failed successCondition `result >= 0.95` is false/.test(l)),
      analysis.join('\n'),
    );
    assert.ok(r.steps.some((s) => /rollback to revision/.test(s.name) && s.outcome === 'ok'));
    assert.deepEqual(serving, ['v2']);
    assert.equal(canaryLeft, false);
  });

  test('with Prometheus stopped the analysis ends in Error, naming the address, and the release is rolled back', async () => {
    const address = prom!.address;
    await prom!.stop();
    const { r, serving, canaryLeft, analysis } = await releaseUnderLoad('v4');
    assert.equal(r.status, RELEASE_STATUS.failed);
    const escaped = address.replace(/[.:/]/g, (c) => `\\${c}`);
    assert.match(
      r.failure!.reason,
      new RegExp(
        `analysis prom-success failed: success-rate error: 5 consecutive errors, more than consecutiveErrorLimit 4 \\(last: no data: prometheus: cannot reach ${escaped}/api/v1/query`,
      ),
    );
    assert.equal(analysis.length, 5, analysis.join('\n'));
    assert.ok(analysis.every((l) => l.includes(': Error prometheus: cannot reach')));
    assert.ok(r.steps.some((s) => /rollback to revision/.test(s.name) && s.outcome === 'ok'));
    assert.deepEqual(serving, ['v2']);
    assert.equal(canaryLeft, false);
  });
});
