// Blue-green end to end on the local cluster with real traffic (document 004): the new version goes to
// the idle colour and is checked through the preview Service, the active Service switches with no
// failed request, post-promotion analysis passes, a rollback within scaleDownDelay is a switch back
// (no rollout), and the old colour is scaled to 0 after the delay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RELEASE_STATUS, rollback, serviceTarget } from '../../src/release/index.ts';
import { settleScaleDowns } from '../../src/release/strategies/blue-green.ts';
import { writeGate } from '../../src/release/strategies/canary-runtime.ts';
import {
  loadLoop,
  NAMESPACE,
  type ProgressiveEnv,
  recordingEvents,
  release,
  serviceAddress,
  startProgressiveEnv,
  until,
} from './support.ts';

describe('blue-green releases on the local cluster', () => {
  let env: ProgressiveEnv;
  before(async () => {
    env = await startProgressiveEnv();
  });
  after(async () => {
    await settleScaleDowns();
    await env?.close();
  });

  const selector = async () =>
    (
      (await env.client.get('v1', 'Service', 'front', NAMESPACE))!.spec as {
        selector: Record<string, string>;
      }
    ).selector['slipway.dev/track'];
  const replicas = async (color: string) =>
    (
      (await env.client.get('apps/v1', 'Deployment', `front-${color}`, NAMESPACE))!.spec as {
        replicas: number;
      }
    ).replicas;

  test('deploy to the idle colour, preview checks, switch, post-analysis, instant rollback, scale-down', async () => {
    const first = await release(env, 'front', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    assert.equal(await selector(), 'blue');
    const url = (await serviceAddress(env, 'front'))!;
    const load = loadLoop(url, { concurrency: 2 });
    try {
      const events = recordingEvents();
      const r = await release(env, 'front', 'v2', [], events);
      assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
      assert.deepEqual(
        r.steps.slice(4).map((s) => `${s.name}:${s.outcome}`),
        [
          'deploy idle colour:ok',
          'pre-promotion analysis:ok',
          'switch active Service:ok',
          'post-promotion analysis:ok',
          'scale down old colour:ok',
        ],
      );
      assert.equal(await selector(), 'green');
      const preview = (await serviceAddress(env, 'front-preview'))!;
      const info = (await (await fetch(`${preview}/api/info`)).json()) as { version: string };
      assert.equal(info.version, 'v2');
      assert.equal(await replicas('blue'), 2, 'blue is kept for the scale-down delay');
      // A rollback within the delay is a switch back: blue still runs v1.
      const t0 = Date.now();
      const back = await rollback(
        env.client,
        { platform: env.platform, service: 'front', environment: 'dev', user: 'tester' },
        recordingEvents(),
      );
      const took = Date.now() - t0;
      assert.equal(back.status, RELEASE_STATUS.deployed, JSON.stringify(back.failure));
      assert.equal(await selector(), 'blue');
      process.stderr.write(`# blue-green rollback within scaleDownDelay took ${took} ms\n`);
      assert.ok(took < 5000, `rollback took ${took} ms`);
    } finally {
      const seen = await load.stop();
      assert.equal(seen.failed, 0, `${seen.failed} failed requests`);
      assert.ok(seen.byVersion.v1 && seen.byVersion.v2, JSON.stringify(seen.byVersion));
    }
    // After scaleDownDelay (3 s) green, now idle, is scaled to 0.
    await until('green scaled to 0', async () => (await replicas('green')) === 0, 15_000);
    assert.equal(await replicas('blue'), 2);
  });

  test('a version failing its preview check never becomes active; its colour is scaled to 0', async () => {
    const url = (await serviceAddress(env, 'front'))!;
    const load = loadLoop(url, { concurrency: 1 });
    const r = await release(env, 'front', 'v3', ['env.ERROR_RATE=1']);
    const seen = await load.stop();
    assert.equal(r.status, RELEASE_STATUS.failed);
    assert.match(r.failure!.reason, /pre-promotion analysis (error|failed)/);
    assert.equal(await selector(), 'blue');
    assert.equal(await replicas('green'), 0);
    assert.equal(seen.failed, 0);
    assert.deepEqual(Object.keys(seen.byVersion), ['v1']);
  });

  test('autoPromotion false waits for promote; a failing post-promotion check switches back; abort while waiting', async () => {
    const sel = async () =>
      (
        (await env.client.get('v1', 'Service', 'gate', NAMESPACE))!.spec as {
          selector: Record<string, string>;
        }
      ).selector['slipway.dev/track'];
    const waiting = (events: ReturnType<typeof recordingEvents>) => async () =>
      events.lines.some((l) => l.includes('slipway promote gate'));
    const promoteOrAbort = async (action: 'promote' | 'abort') => {
      const latest = (await serviceTarget(env.client, {
        platform: env.platform,
        service: 'gate',
        environment: 'dev',
      }).history.latest('gate'))!;
      await writeGate(env.client, NAMESPACE, 'gate', {
        revision: latest.revision,
        action,
        user: 'tester',
        at: new Date().toISOString(),
      });
    };
    const first = await release(env, 'gate', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    // v2 answers 500 on /api/info: nothing checks the preview, so it is switched to on promote, and
    // the post-promotion check switches back.
    const e2 = recordingEvents();
    const r2 = release(env, 'gate', 'v2', ['env.ERROR_RATE=1'], e2);
    await until('awaiting promotion', waiting(e2), 30_000);
    assert.equal(await sel(), 'blue', 'nothing switches before promote');
    await promoteOrAbort('promote');
    const done2 = await r2;
    assert.equal(done2.status, RELEASE_STATUS.failed);
    assert.match(done2.failure!.reason, /post-promotion analysis/);
    assert.equal(await sel(), 'blue');
    assert.ok(e2.lines.some((l) => l.includes('switched gate back to blue')));
    // Abort while awaiting promotion: the active colour never changes, the new one is scaled to 0.
    const e3 = recordingEvents();
    const r3 = release(env, 'gate', 'v3', [], e3);
    await until('awaiting promotion', waiting(e3), 30_000);
    await promoteOrAbort('abort');
    const done3 = await r3;
    assert.equal(done3.status, RELEASE_STATUS.failed);
    assert.match(done3.failure!.reason, /aborted by tester during await promotion/);
    assert.equal(await sel(), 'blue');
    const green = await env.client.get('apps/v1', 'Deployment', 'gate-green', NAMESPACE);
    assert.equal((green!.spec as { replicas: number }).replicas, 0);
  });
});
