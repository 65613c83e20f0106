// Canary releases end to end on the local cluster with real traffic through the service proxy:
// the weights the proxy observes match the configured ones, the x-canary header always reaches the
// canary, an indefinite pause waits for `promote`, analysis promotes a good version, an error-injected
// version is rolled back automatically with failures bounded by the canary's share, and an abort at a
// step leaves stable serving 100 %.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RELEASE_STATUS, serviceTarget } from '../../src/release/index.ts';
import { GATE_ACTIONS, writeGate } from '../../src/release/strategies/canary-runtime.ts';
import {
  failuresWithin,
  loadLoop,
  NAMESPACE,
  type ProgressiveEnv,
  proxyCounts,
  recordingEvents,
  release,
  serviceAddress,
  startProgressiveEnv,
  until,
} from './support.ts';

describe('canary releases on the local cluster', () => {
  let env: ProgressiveEnv;
  before(async () => {
    env = await startProgressiveEnv();
  });
  after(async () => {
    await env?.close();
  });

  const gate = (
    service: string,
    revision: number,
    action: (typeof GATE_ACTIONS)[keyof typeof GATE_ACTIONS],
  ) =>
    writeGate(env.client, NAMESPACE, service, {
      revision,
      action,
      user: 'tester',
      at: new Date().toISOString(),
    });

  const vsWeights = async (service: string) => {
    const vs = await env.client.get('networking.istio.io/v1beta1', 'VirtualService', service, NAMESPACE);
    const http =
      (vs?.spec as { http?: Array<{ name?: string; route: Array<{ weight?: number }> }> })?.http ?? [];
    const primary = http.find((h) => h.name === 'primary');
    return { canary: primary?.route[1]?.weight, header: http.some((h) => h.name === 'canary-header') };
  };

  test('istio: weights observed at the proxy, header route, pause until promote, analysis, promotion', async () => {
    const first = await release(env, 'cart', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    const url = (await serviceAddress(env, 'cart'))!;
    const load = loadLoop(url, { concurrency: 2 });
    try {
      const events = recordingEvents();
      const running = release(env, 'cart', 'v2', [], events);
      // The indefinite pause at weight 30 with the header route.
      await until('the pause at weight 30', async () => {
        const w = await vsWeights('cart');
        return w.canary === 30 && w.header && events.lines.some((l) => l.includes('slipway promote cart'));
      });
      const since = Date.now();
      const before = load.snapshot();
      await new Promise((r) => setTimeout(r, 2500));
      const counts = await proxyCounts(env, 'cart', since);
      const canary = counts.filter((d) => d.workload === 'cart-canary').reduce((s, d) => s + d.requests, 0);
      const stable = counts.filter((d) => d.workload === 'cart').reduce((s, d) => s + d.requests, 0);
      const n = canary + stable;
      const share = canary / n;
      const sigma = Math.sqrt((0.3 * 0.7) / n);
      assert.ok(
        n > 100,
        `only ${n} requests in 2.5 s: ${JSON.stringify(counts)} ${JSON.stringify(load.snapshot())} ${url}`,
      );
      assert.ok(
        Math.abs(share - 0.3) < 4 * sigma,
        `canary share ${share.toFixed(3)} of ${n}, want 0.30 ± ${(4 * sigma).toFixed(3)}`,
      );
      assert.ok(counts.filter((d) => d.workload === 'cart-canary').every((d) => d.version === 'v2'));
      const mid = load.snapshot();
      assert.equal(mid.failed - before.failed, 0);
      // x-canary: true always reaches the canary.
      const headerLoad = loadLoop(url, { headers: { 'x-canary': 'true' }, concurrency: 1 });
      await new Promise((r) => setTimeout(r, 700));
      const h = await headerLoad.stop();
      assert.ok(h.ok > 10);
      assert.deepEqual(Object.keys(h.byVersion), ['v2'], JSON.stringify(h.byVersion));
      // Promote: the analysis runs at weight 30 on real traffic, then 60 %, then stable takes it all.
      const target = serviceTarget(env.client, {
        platform: env.platform,
        service: 'cart',
        environment: 'dev',
      });
      const pending = (await target.history.latest('cart'))!;
      assert.equal(pending.status, RELEASE_STATUS.pending);
      assert.ok(
        pending.steps.some((s) => s.name.includes('pause (until promoted)') && !s.endedAt),
        'the pause is in the record',
      );
      await gate('cart', pending.revision, GATE_ACTIONS.promote);
      const r = await running;
      assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
      assert.ok(r.steps.some((s) => /analysis fast-success/.test(s.name) && s.outcome === 'ok'));
      assert.equal(await env.client.get('apps/v1', 'Deployment', 'cart-canary', NAMESPACE), undefined);
      assert.deepEqual(await vsWeights('cart'), { canary: 0, header: false });
    } finally {
      const seen = await load.stop();
      assert.equal(failuresWithin(seen), undefined);
    }
    const after = loadLoop(url, { concurrency: 1 });
    await new Promise((r) => setTimeout(r, 400));
    const s = await after.stop();
    assert.deepEqual(Object.keys(s.byVersion), ['v2']);
  });

  test('basic canary: an error-injected version is rolled back by analysis, failures bounded by its share', async () => {
    const first = await release(env, 'api', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    const url = (await serviceAddress(env, 'api'))!;
    const load = loadLoop(url, { concurrency: 2 });
    let canaryGoneAt = 0;
    const watcher = (async () => {
      await until(
        'the canary',
        async () => (await env.client.get('apps/v1', 'Deployment', 'api-canary', NAMESPACE)) !== undefined,
        60_000,
      );
      await until(
        'the canary deleted',
        async () => (await env.client.get('apps/v1', 'Deployment', 'api-canary', NAMESPACE)) === undefined,
        60_000,
      );
      canaryGoneAt = Date.now();
    })();
    const r = await release(env, 'api', 'v2', ['env.ERROR_RATE=0.5']);
    await watcher;
    await new Promise((res) => setTimeout(res, 500));
    const seen = await load.stop();
    assert.equal(r.status, RELEASE_STATUS.failed);
    assert.match(
      r.failure!.reason,
      /(analysis fast-success|background analysis) failed: success-rate failed/,
    );
    assert.ok(r.steps.some((s) => /rollback to revision/.test(s.name) && s.outcome === 'ok'));
    // Every failure came from the canary, and they stay below the canary's share (50 %) of traffic.
    // (At most a couple of answers without a version: a request racing the deletion of a canary pod
    // that the proxy's endpoints had not dropped yet.)
    const other = Object.entries(seen.failedByVersion).filter(([v]) => v !== 'v2');
    assert.ok(
      other.every(([v, n]) => v === '?' && n <= 2),
      JSON.stringify(seen.failedByVersion),
    );
    const total = seen.ok + seen.failed;
    assert.ok(seen.failed > 0, 'the injected errors were seen');
    assert.ok(seen.failed / total < 0.5, `${seen.failed} of ${total} failed`);
    const detect = canaryGoneAt - seen.failedAt[0]!;
    process.stderr.write(
      `# basic canary: ${seen.failed}/${total} requests failed; first failure → canary deleted ${detect} ms\n`,
    );
    // Stable serves everything again, with the old version, at full size.
    const stable = await env.client.get('apps/v1', 'Deployment', 'api', NAMESPACE);
    assert.equal((stable!.spec as { replicas: number }).replicas, 4);
    const check = loadLoop(url, { concurrency: 1 });
    await new Promise((res) => setTimeout(res, 400));
    const c = await check.stop();
    assert.deepEqual(Object.keys(c.byVersion), ['v1']);
    assert.equal(c.failed, 0);
  });

  test('abort at a step: weight 0 at once, canary deleted, stable serving 100 %; abort is idempotent', async () => {
    const url = (await serviceAddress(env, 'cart'))!;
    const load = loadLoop(url, { concurrency: 1 });
    try {
      const events = recordingEvents();
      const running = release(env, 'cart', 'v3', [], events);
      await until('the pause', async () => events.lines.some((l) => l.includes('slipway promote cart')));
      const target = serviceTarget(env.client, {
        platform: env.platform,
        service: 'cart',
        environment: 'dev',
      });
      const pending = (await target.history.latest('cart'))!;
      await gate('cart', pending.revision, GATE_ACTIONS.abort);
      await gate('cart', pending.revision, GATE_ACTIONS.abort);
      const r = await running;
      assert.equal(r.status, RELEASE_STATUS.failed);
      assert.match(r.failure!.reason, /aborted by tester during step 3\/6: pause \(until promoted\)/);
      assert.deepEqual(await vsWeights('cart'), { canary: 0, header: false });
      assert.equal(await env.client.get('apps/v1', 'Deployment', 'cart-canary', NAMESPACE), undefined);
    } finally {
      await load.stop();
    }
    const check = loadLoop(url, { concurrency: 1 });
    await new Promise((res) => setTimeout(res, 400));
    const c = await check.stop();
    assert.deepEqual(Object.keys(c.byVersion), ['v2']);
    assert.equal(c.failed, 0);
  });
});
