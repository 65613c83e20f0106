// High availability of `slipway serve` (issue 11 item 5), with real parts: two CLI serve replicas sharing
// one PostgreSQL store (started from its binaries on loopback, stopped by PID) and one local cluster.
// Exactly one holds the `slipway-leader` Lease; a canary is started through the leader's API; the
// leader is SIGKILLed in the canary's pause; the follower takes the Lease when it expires, finds the
// release pending with its holder gone, resumes it as slipway-server and finishes it — within the
// lease duration + one worker interval (+ one election retry). The takeover time is printed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LEADER_LEASE } from '../../src/server/leader.ts';
import { type ReleaseTestEnv, startFixtureEnv } from '../release/support.ts';
import { startPostgres, type TestPostgres } from '../store/postgres.ts';
import {
  checkResumedRecord,
  cliRunner,
  createToken,
  deployThrough,
  history,
  inLongPause,
  type Replica,
  startReplica,
  TIMED_FIXTURE,
  until,
} from './serve-support.ts';

const LEASE_S = 3;
/** The worker interval the serve command derives from the lease (lease / 3, at least 1 s). */
const INTERVAL_MS = 1000;
/** The election retry (lease / 5, at least 200 ms): how late a follower may notice the expiry. */
const RETRY_MS = 600;

describe('slipway serve: two replicas on PostgreSQL, one leader', async () => {
  const pg = await startPostgres();
  let env: ReleaseTestEnv;
  let store = '';
  const extra: Record<string, string> = { SLIPWAY_LOCK_SECONDS: '3' };
  const runner = cliRunner(() => env, extra);

  before(async () => {
    if ('skip' in pg) return;
    store = await (pg as TestPostgres).createDatabase('slipway_ha');
    extra.SLIPWAY_STORE = store;
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    env = await startFixtureEnv(
      TIMED_FIXTURE,
      'slipway-ha-',
      `ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
    );
    const first = await runner.run(['deploy', 'booking', '--env', 'dev', '--image-tag', 'v1']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
  });
  after(async () => {
    runner.killAll();
    await env?.close();
    if (!('skip' in pg)) pg.stop();
  });

  const holder = async () => {
    const lease = await env.client.get('coordination.k8s.io/v1', 'Lease', LEADER_LEASE, 'shop-dev');
    return (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity || undefined;
  };
  const pidOf = (identity: string) => Number(identity.split(':')[1]);

  test('SIGKILL of the leader mid-canary: the follower takes over and finishes it', {
    skip: 'skip' in pg ? pg.skip : false,
  }, async () => {
    const token = await createToken(runner);
    const replicas: Replica[] = [
      await startReplica(runner, ['--leader-lease', `${LEASE_S}s`]),
      await startReplica(runner, ['--leader-lease', `${LEASE_S}s`]),
    ];
    const leaderId = await until('a leader', holder);
    const leader = replicas.find((r) => r.pid === pidOf(leaderId));
    const follower = replicas.find((r) => r !== leader)!;
    assert.ok(leader, `the lease names a replica: ${leaderId}`);
    // Both serve the API; the release runs on the replica it was started through (here the leader).
    const ready = await fetch(`${follower.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { leader?: boolean }).leader, false, 'the follower says so');
    const leads = (await (await fetch(`${leader.url}/readyz`)).json()) as { leader?: boolean };
    assert.equal(leads.leader, true, 'the leader says so');
    await deployThrough(leader, token, 'v2');
    const paused = await until('the canary in its 20 s pause', () => inLongPause(env, 'v2'));
    await new Promise((r) => setTimeout(r, 2000));
    process.kill(leader.pid, 'SIGKILL');
    const killedAt = Date.now();
    await leader.cli.done;

    const newLeader = await until('the follower to lead', async () => {
      const h = await holder();
      return h && pidOf(h) === follower.pid ? h : undefined;
    });
    const resumedAt = await until('the release to be resumed', async () => {
      const r = (await history(env)).find((x) => x.revision === paused.revision);
      const s = r?.steps.find((x) => x.name === 'resume');
      return s ? Date.parse(s.startedAt) : undefined;
    });
    const takeoverMs = resumedAt - killedAt;
    const bound = LEASE_S * 1000 + INTERVAL_MS + RETRY_MS;
    process.stdout.write(
      `ha: leader ${leaderId} killed; ${newLeader} resumed revision ${paused.revision} ${(takeoverMs / 1000).toFixed(2)} s later (bound ${(bound / 1000).toFixed(1)} s = lease ${LEASE_S} s + interval ${INTERVAL_MS / 1000} s + retry ${RETRY_MS / 1000} s)\n`,
    );
    assert.ok(takeoverMs <= bound, `takeover took ${takeoverMs} ms, more than ${bound} ms`);

    const done = await until('the release to end', async () => {
      const r = (await history(env)).find((x) => x.revision === paused.revision);
      return r && r.status !== 'pending' ? r : undefined;
    });
    assert.equal(done.status, 'deployed', JSON.stringify(done.failure ?? done.steps.at(-1)));
    const { pauseOffMs } = checkResumedRecord(done);
    assert.ok(Math.abs(pauseOffMs) <= 1000, `the pause ended ${pauseOffMs} ms off its recorded time`);
    assert.match(done.steps.find((s) => s.name === 'resume')?.detail ?? '', /slipway-server@/);
    process.kill(follower.pid, 'SIGKILL');
    await follower.cli.done;
  });
});
