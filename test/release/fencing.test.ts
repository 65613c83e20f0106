// Fencing through the real CLI on the local cluster: a deploy stopped (SIGSTOP) during its canary's
// pause loses its Lease to a `slipway resume`; continued (SIGCONT), it stops without a single write
// (canary Deployment, traffic weights and the release record stay as the new holder left them), and
// the release the new holder finishes is recorded truly. Then a deploy of another version while a
// release is interrupted refuses (exit 2, what is interrupted and what to do); `--replace` rolls the
// interrupted one back and deploys the new one. Leases last SLIPWAY_LOCK_SECONDS=3 s here.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { releaseSecretName } from '../../src/release/history.ts';
import { serviceTarget } from '../../src/release/index.ts';
import { readLock } from '../../src/release/lock.ts';
import { NAMESPACE, type ReleaseTestEnv, startFixtureEnv } from './support.ts';

const MAIN = resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'fenced');
const LOCK_SECONDS = 3;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Started {
  child: ChildProcess;
  done: Promise<Run>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fencing: a lost lock stops its holder; a new version does not swallow an interrupted one', () => {
  let env: ReleaseTestEnv;
  const children = new Set<ChildProcess>();

  const start = (args: string[]): Started => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '-C', env.dir, ...args], {
      env: { ...process.env, SLIPWAY_USER: 'ci', NO_COLOR: '1', SLIPWAY_LOCK_SECONDS: String(LOCK_SECONDS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const done = new Promise<Run>((r) =>
      child.on('exit', (code) => {
        children.delete(child);
        r({ code, stdout, stderr });
      }),
    );
    return { child, done };
  };
  const run = (args: string[]) => start(args).done;
  const history = () =>
    serviceTarget(env.client, {
      platform: env.platform,
      service: 'booking',
      environment: 'dev',
    }).history.list('booking');
  const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      assert.ok(Date.now() < end, `timed out waiting for ${what}`);
      await sleep(250);
    }
  };
  /** The newest revision waits in its pause (started after its last resume, not ended). */
  const pausedAt = async (tag: string, resumed = false) => {
    const r = (await history())[0];
    if (r?.status !== 'pending' || r.version.tag !== tag) return false;
    const last = r.steps.map((s) => s.name).lastIndexOf('resume');
    if (resumed && last < 0) return false;
    return r.steps.slice(last + 1).some((s) => s.name.includes('pause') && !s.endedAt);
  };
  const canaryWeight = async () => {
    const vs = await env.client.get('networking.istio.io/v1beta1', 'VirtualService', 'booking', NAMESPACE);
    const http = (vs?.spec as { http?: Array<{ name?: string; route: Array<{ weight?: number }> }> })?.http;
    return http?.find((h) => h.name === 'primary')?.route[1]?.weight;
  };
  /** What only a release's writes change: the canary's spec, the routing and the record. */
  const written = async () => {
    const canary = await env.client.get('apps/v1', 'Deployment', 'booking-canary', NAMESPACE);
    const vs = await env.client.get('networking.istio.io/v1beta1', 'VirtualService', 'booking', NAMESPACE);
    const latest = (await history())[0]!;
    const secret = await env.client.get('v1', 'Secret', releaseSecretName('booking', latest.revision));
    return {
      canary: canary ? { generation: canary.metadata.generation, spec: canary.spec } : undefined,
      routing: { resourceVersion: vs?.metadata.resourceVersion, spec: vs?.spec },
      record: { resourceVersion: secret?.metadata.resourceVersion, latest },
    };
  };

  before(async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    env = await startFixtureEnv(
      FIXTURE,
      'slipway-fencing-',
      `ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
    );
    const first = await run(['deploy', 'booking', '--env', 'dev', '--image-tag', 'v1']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
  });
  after(async () => {
    for (const c of children) {
      if (c.pid !== undefined) {
        process.kill(c.pid, 'SIGCONT');
        process.kill(c.pid, 'SIGKILL');
      }
    }
    await env?.close();
  });

  test('stopped past its lease, a deploy makes no write once continued; the new holder finishes truly', async () => {
    const a = start(['deploy', 'booking', '--env', 'dev', '--image-tag', 'v2', '--output', 'json']);
    await until('deploy v2 pausing at weight 30', () => pausedAt('v2'));
    assert.equal(await canaryWeight(), 30);
    const holderA = (await readLock(env.client, 'booking'))?.holder;
    process.kill(a.child.pid!, 'SIGSTOP');
    await until('the stopped holder’s lease expiring', async () => {
      const info = await readLock(env.client, 'booking');
      return info?.holder === holderA && info?.expired === true;
    });

    const b = start(['resume', 'booking', '--env', 'dev', '--output', 'json']);
    await until('resume pausing again', () => pausedAt('v2', true));
    const holderB = (await readLock(env.client, 'booking'))?.holder;
    assert.ok(holderB && holderB !== holderA, `lock held by ${holderB}`);
    const before = await written();
    assert.equal(await canaryWeight(), 30);

    process.kill(a.child.pid!, 'SIGCONT');
    const ra = await a.done;
    assert.equal(ra.code, 1, ra.stdout + ra.stderr);
    assert.match(
      ra.stderr + ra.stdout,
      new RegExp(
        `the release lock was taken by ${holderB!.replace(/[.]/g, '\\.')}; this process stopped without further changes`,
      ),
    );
    await sleep(1500); // anything A might still do would show by now
    assert.deepEqual(await written(), before, 'the stopped process wrote after losing its lock');
    assert.equal(await canaryWeight(), 30);
    assert.equal((await readLock(env.client, 'booking'))?.holder, holderB);

    const p = await run(['promote', 'booking', '--env', 'dev']);
    assert.equal(p.code, 0, p.stderr + p.stdout);
    const rb = await b.done;
    assert.equal(rb.code, 0, rb.stderr + rb.stdout);
    const [latest] = await history();
    assert.equal(latest?.version.tag, 'v2');
    assert.equal(latest?.status, 'deployed');
    assert.equal(latest?.failure, undefined);
    const steps = latest!.steps.map((s) => `${s.name}:${s.outcome ?? 'open'}`);
    const resumed = steps.indexOf('resume:ok');
    assert.ok(resumed > 0, steps.join(', '));
    // After the takeover every step is B's and ended well; the pause A was in stays as A left it.
    assert.deepEqual(
      steps.slice(resumed + 1).filter((s) => !s.endsWith(':ok')),
      [],
      steps.join(', '),
    );
    assert.ok(latest!.steps.some((s) => s.name === 'resume' && s.detail === `resumed by ${holderB}`));
    assert.equal(await env.client.get('apps/v1', 'Deployment', 'booking-canary', NAMESPACE), undefined);
    assert.equal(await canaryWeight(), 0);
  });

  test('a deploy of another version refuses while one is interrupted; --replace rolls it back and deploys', async () => {
    const killed = start(['deploy', 'booking', '--env', 'dev', '--image-tag', 'can3']);
    await until('deploy can3 pausing', () => pausedAt('can3'));
    killed.child.kill('SIGKILL');
    await killed.done;
    const interrupted = (await history())[0]!;

    const refused = await run(['deploy', 'booking', '--env', 'dev', '--image-tag', 'can4']);
    assert.equal(refused.code, 2, refused.stderr + refused.stdout);
    assert.match(
      refused.stderr,
      new RegExp(
        `revision ${interrupted.revision} of booking in dev \\(can3\\) was interrupted at "step 2/2: pause \\(until promoted\\)"; not deploying can4 over it`,
      ),
    );
    assert.match(refused.stderr, /slipway resume booking --env dev/);
    assert.match(refused.stderr, /slipway abort booking --env dev/);
    assert.match(refused.stderr, /--replace/);
    assert.equal((await history())[0]?.revision, interrupted.revision);
    assert.equal((await history())[0]?.status, 'pending');

    const replacing = start(['deploy', 'booking', '--env', 'dev', '--image-tag', 'can4', '--replace']);
    await until('deploy can4 pausing', () => pausedAt('can4'));
    const p = await run(['promote', 'booking', '--env', 'dev']);
    assert.equal(p.code, 0, p.stderr + p.stdout);
    const r = await replacing.done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr + r.stdout, /replacing interrupted revision \d+ \(can3\)/);
    const all = await history();
    assert.equal(all[0]?.version.tag, 'can4');
    assert.equal(all[0]?.status, 'deployed');
    const can3 = all.find((x) => x.revision === interrupted.revision);
    assert.equal(can3?.status, 'failed');
    assert.match(can3?.failure?.reason ?? '', /aborted by ci/);
    assert.equal(all.filter((x) => x.status === 'pending').length, 0);
  });
});
