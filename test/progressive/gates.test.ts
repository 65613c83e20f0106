// The gates through the real CLI: `slipway deploy` pauses a canary, `slipway promote <svc> --env E`
// lets it go on, `slipway abort` ends one (exit 1 for the deploy, stable 100 %), and a deploy killed
// with SIGKILL mid-canary leaves the service serving and is finished by the next command.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RELEASE_STATUS, serviceTarget } from '../../src/release/index.ts';
import { requestGate } from '../../src/release/strategies/canary-gates.ts';
import { GATE_ACTIONS } from '../../src/release/strategies/canary-runtime.ts';
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

const MAIN = resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

describe('release gates through the CLI', () => {
  let env: ProgressiveEnv;
  const children: ChildProcess[] = [];
  before(async () => {
    env = await startProgressiveEnv();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await env?.close();
  });

  const cli = (args: string[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '-C', env.dir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SLIPWAY_USER: 'cli-user', NO_COLOR: '1' },
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    const done = new Promise<{ code: number | null; out: string }>((res) =>
      child.on('exit', (code) => res({ code, out })),
    );
    return { child, done, output: () => out };
  };
  const history = () =>
    serviceTarget(env.client, { platform: env.platform, service: 'cart', environment: 'dev' }).history;
  const paused = async () => {
    const r = await history().latest('cart');
    return (
      r?.status === RELEASE_STATUS.pending &&
      r.steps.some((s) => s.name.includes('pause (until promoted)') && !s.endedAt)
    );
  };

  test('promote and abort a paused canary with the CLI', async () => {
    const first = await release(env, 'cart', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    // Traffic for the analysis that follows the promotion (no traffic: inconclusive, it would wait).
    const load = loadLoop((await serviceAddress(env, 'cart'))!, { concurrency: 1 });
    after(() => load.stop());
    const d = cli(['deploy', 'cart', '--env', 'dev', '--image-tag', 'v2', '-o', 'json']);
    await until('the pause', paused, 60_000);
    const p = cli(['promote', 'cart', '--env', 'dev']);
    const pr = await p.done;
    assert.equal(pr.code, 0, pr.out);
    assert.match(pr.out, /promoted/);
    const dr = await d.done;
    assert.equal(dr.code, 0, dr.out);
    assert.equal((await history().latest('cart'))!.status, RELEASE_STATUS.deployed);

    const d2 = cli(['deploy', 'cart', '--env', 'dev', '--image-tag', 'v3']);
    await until('the pause', paused, 60_000);
    const a = cli(['abort', 'cart', '--env', 'dev']);
    const ar = await a.done;
    assert.equal(ar.code, 0, ar.out);
    assert.match(ar.out, /failed: aborted by cli-user/);
    const d2r = await d2.done;
    assert.equal(d2r.code, 1, d2r.out);
    assert.equal(await env.client.get('apps/v1', 'Deployment', 'cart-canary', NAMESPACE), undefined);
    // Abort again: nothing running, nothing left over, exit 0.
    const again = await cli(['abort', 'cart', '--env', 'dev']).done;
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /nothing to abort/);
  });

  test('kill -9 mid-canary: the service keeps serving; promote resumes and finishes the release', async () => {
    const url = (await serviceAddress(env, 'cart'))!;
    const load = loadLoop(url, { concurrency: 1 });
    try {
      const d = cli(['deploy', 'cart', '--env', 'dev', '--image-tag', 'v4']);
      await until('the pause', paused, 60_000);
      d.child.kill('SIGKILL');
      await d.done;
      await new Promise((r) => setTimeout(r, 500));
      const mid = load.snapshot();
      assert.equal(mid.failed, 0);
      assert.ok(mid.byVersion.v2 && mid.byVersion.v4, JSON.stringify(mid.byVersion));
      const events = recordingEvents();
      const out = await requestGate(
        env.client,
        {
          platform: env.platform,
          service: 'cart',
          environment: 'dev',
          user: 'tester',
          action: GATE_ACTIONS.promote,
        },
        events,
      );
      assert.equal(out.record?.status, RELEASE_STATUS.deployed, JSON.stringify(out.record?.failure));
      assert.ok(out.record!.steps.some((s) => s.name === 'resume'));
    } finally {
      const seen = await load.stop();
      assert.equal(failuresWithin(seen), undefined);
    }
    assert.equal(await env.client.get('apps/v1', 'Deployment', 'cart-canary', NAMESPACE), undefined);
    const check = loadLoop(url, { concurrency: 1 });
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(Object.keys((await check.stop()).byVersion), ['v4']);
  });
});
