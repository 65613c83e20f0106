// A release continues across a restart of `slipway serve` (issue 11 item 4), with real parts: the local
// cluster, the CLI's serve as a child process, an API token from `slipway token create`. A canary
// started through the API runs its 20 s pause with no client connected; the server is SIGKILLed in the
// pause and started again; the new server leads (its Lease), finds the release pending with its holder
// gone and resumes it as slipway-server: the release finishes, the pause ends at its first recorded
// start + 20 s (± 1 s), and no step ended ok twice. Leases are short here (release locks 3 s, leader 3 s).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ReleaseTestEnv, startFixtureEnv } from '../release/support.ts';
import {
  checkResumedRecord,
  cliRunner,
  createToken,
  deployThrough,
  history,
  inLongPause,
  startReplica,
  TIMED_FIXTURE,
  until,
} from './serve-support.ts';

describe('slipway serve: a release continues across a restart', () => {
  let env: ReleaseTestEnv;
  const runner = cliRunner(() => env, { SLIPWAY_LOCK_SECONDS: '3' });

  before(async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    env = await startFixtureEnv(
      TIMED_FIXTURE,
      'slipway-restart-',
      `ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
    );
    const first = await runner.run(['deploy', 'booking', '--env', 'dev', '--image-tag', 'v1']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
  });
  after(async () => {
    runner.killAll();
    await env?.close();
  });

  test('SIGKILL mid-pause, restart: finished from its record, the pause ends at its recorded time', async () => {
    const token = await createToken(runner);
    const a = await startReplica(runner, ['--leader-lease', '3s']);
    await deployThrough(a, token, 'v2');
    const paused = await until('the canary in its 20 s pause', () => inLongPause(env, 'v2'));
    await new Promise((r) => setTimeout(r, 3000));
    process.kill(a.pid, 'SIGKILL');
    const killedAt = Date.now();
    await a.cli.done;

    const b = await startReplica(runner, ['--leader-lease', '3s']);
    const done = await until('the release to end', async () => {
      const r = (await history(env)).find((x) => x.revision === paused.revision);
      return r && r.status !== 'pending' ? r : undefined;
    });
    assert.equal(done.status, 'deployed', JSON.stringify(done.failure ?? done.steps.at(-1)));
    const resumed = done.steps.find((s) => s.name === 'resume');
    assert.match(resumed?.detail ?? '', /slipway-server@/);
    const { pauseOffMs, names } = checkResumedRecord(done);
    process.stdout.write(
      `restart: killed ${new Date(killedAt).toISOString()}, resumed ${resumed?.startedAt} (${((Date.parse(resumed!.startedAt) - killedAt) / 1000).toFixed(1)} s later); the pause ended ${(pauseOffMs / 1000).toFixed(2)} s off its recorded time\nsteps: ${names.join(' | ')}\n`,
    );
    assert.ok(Math.abs(pauseOffMs) <= 1000, `the pause ended ${pauseOffMs} ms off its recorded time`);
    // The resume was audited as the server's own operation.
    const audit = await runner.run(['audit', '--output', 'json']);
    assert.match(audit.stdout, /slipway-server/);
    process.kill(b.pid, 'SIGKILL');
    await b.cli.done;
  });
});
