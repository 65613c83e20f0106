// A cluster that stops while a release waits (a canary paused until promoted) is reported as what it
// is — "the cluster at <url> is unreachable" — within seconds, not as a lost release lock once the
// lease has expired (30 s).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RELEASE_STATUS, serviceTarget } from '../../src/release/index.ts';
import {
  type ProgressiveEnv,
  recordingEvents,
  release,
  startProgressiveEnv,
  until,
} from '../progressive/support.ts';

describe('a cluster that stops during a release', () => {
  let env: ProgressiveEnv;
  before(async () => {
    env = await startProgressiveEnv();
  });
  after(async () => {
    await env?.close();
  });

  test('a paused canary fails at once with "cluster unreachable"', async () => {
    const first = await release(env, 'cart', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    const history = serviceTarget(env.client, {
      platform: env.platform,
      service: 'cart',
      environment: 'dev',
    }).history;
    const events = recordingEvents();
    const second = release(env, 'cart', 'v2', [], events).then(
      (r) => ({ record: r, error: undefined as unknown }),
      (e: unknown) => ({ record: undefined, error: e }),
    );
    await until(
      'the pause',
      async () => {
        const r = await history.latest('cart');
        return (
          r?.revision === 2 && r.steps.some((s) => s.name.includes('pause (until promoted)') && !s.endedAt)
        );
      },
      60_000,
    );
    const url = env.cluster.url;
    const stoppedAt = Date.now();
    await env.cluster.stop();
    const outcome = await second;
    const took = Date.now() - stoppedAt;
    const said = [
      ...events.lines,
      outcome.error instanceof Error ? outcome.error.message : '',
      outcome.record?.failure?.reason ?? '',
    ].join('\n');
    assert.ok(took < 10_000, `the release ended ${took} ms after the cluster stopped:\n${said}`);
    assert.match(
      said,
      new RegExp(`the cluster at ${url.replace(/[.]/g, '\\.')} is unreachable \\(connection refused`),
    );
    assert.doesNotMatch(said, /lock was lost|lost the lock/);
    if (outcome.error) assert.equal((outcome.error as { type?: string }).type, 'unreachable');
  });
});
