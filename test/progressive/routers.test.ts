// The other two traffic routers end to end through the local proxy: a Gateway API HTTPRoute and NGINX
// canary Ingress annotations carry the configured weight (counted per answering version) and the
// x-canary header route; an abort at the pause leaves stable serving everything.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RELEASE_STATUS, serviceTarget } from '../../src/release/index.ts';
import { GATE_ACTIONS, writeGate } from '../../src/release/strategies/canary-runtime.ts';
import {
  failuresWithin,
  loadLoop,
  NAMESPACE,
  type ProgressiveEnv,
  recordingEvents,
  release,
  serviceAddress,
  startProgressiveEnv,
  until,
} from './support.ts';

describe('canary traffic routers on the local cluster', () => {
  let env: ProgressiveEnv;
  before(async () => {
    env = await startProgressiveEnv();
  });
  after(async () => {
    await env?.close();
  });

  for (const [service, router] of [
    ['pay', 'Gateway API HTTPRoute'],
    ['search', 'NGINX canary Ingress'],
  ] as const) {
    test(`${router}: weight 40 observed, header route, abort`, async () => {
      const first = await release(env, service, 'v1');
      assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
      const url = (await serviceAddress(env, service))!;
      const events = recordingEvents();
      const running = release(env, service, 'v2', [], events);
      await until(
        'the pause',
        async () => events.lines.some((l) => l.includes(`slipway promote ${service}`)),
        60_000,
      );
      await new Promise((r) => setTimeout(r, 300));
      const load = loadLoop(url, { concurrency: 2 });
      await until('enough requests', async () => load.snapshot().ok >= 400, 30_000);
      const seen = await load.stop();
      const n = seen.ok;
      const share = (seen.byVersion.v2 ?? 0) / n;
      const sigma = Math.sqrt((0.4 * 0.6) / n);
      assert.ok(
        Math.abs(share - 0.4) < 4 * sigma,
        `canary share ${share.toFixed(3)} of ${n}: ${JSON.stringify(seen.byVersion)}`,
      );
      assert.equal(failuresWithin(seen, 0), undefined);
      const header = loadLoop(url, { concurrency: 1, headers: { 'x-canary': 'true' } });
      await until('header requests', async () => header.snapshot().ok >= 30, 30_000);
      assert.deepEqual(Object.keys((await header.stop()).byVersion), ['v2']);
      const pending = (await serviceTarget(env.client, {
        platform: env.platform,
        service,
        environment: 'dev',
      }).history.latest(service))!;
      await writeGate(env.client, NAMESPACE, service, {
        revision: pending.revision,
        action: GATE_ACTIONS.abort,
        user: 'tester',
        at: new Date().toISOString(),
      });
      const r = await running;
      assert.equal(r.status, RELEASE_STATUS.failed);
      const check = loadLoop(url, { concurrency: 1 });
      await new Promise((res) => setTimeout(res, 400));
      const c = await check.stop();
      assert.deepEqual(Object.keys(c.byVersion), ['v1']);
      assert.equal(await env.client.get('apps/v1', 'Deployment', `${service}-canary`, NAMESPACE), undefined);
    });
  }
});
