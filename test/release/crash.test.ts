// Crash safety and the release commands through the real CLI: `slipway deploy` is killed with
// SIGKILL after the pending record, mid-apply and mid-track; the service keeps serving and resume,
// status or the next deploy completes the release (one deployed revision, no pending one, no lock).
// Then history, diff, rollback and status as a user runs them.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serviceTarget } from '../../src/release/index.ts';
import { readLock } from '../../src/release/lock.ts';
import { serviceUrl } from '../../src/release/smoke.ts';
import { NAMESPACE, type ReleaseTestEnv, startReleaseEnv, trafficTo } from './support.ts';

const MAIN = resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('crash safety and release commands through the CLI', () => {
  let env: ReleaseTestEnv;
  let url: string | undefined;
  const children = new Set<ChildProcess>();

  const start = (args: string[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '-C', env.dir, ...args], {
      env: { ...process.env, SLIPWAY_USER: 'ci', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };
  const run = (args: string[]) =>
    new Promise<Run>((done) => {
      const child = start(args);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
      });
      child.stderr!.on('data', (d) => {
        stderr += d;
      });
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });
  const history = () =>
    serviceTarget(env.client, { platform: env.platform, service: 'web', environment: 'dev' }).history.list(
      'web',
    );
  const version = async () =>
    ((await (await fetch(`${url}/api/info`)).json()) as { version: string }).version;

  before(async () => {
    env = await startReleaseEnv();
    const first = await run(['deploy', 'web', '--env', 'dev', '--image-tag', 'v1']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const svc = await env.client.get('v1', 'Service', 'web', NAMESPACE);
    url = svc ? serviceUrl(svc) : undefined;
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await env?.close();
  });

  /** Starts a deploy and SIGKILLs it when a JSON line matches `when`. */
  const killedDeploy = (tag: string, when: (e: Record<string, unknown>) => boolean) =>
    new Promise<void>((done, fail) => {
      const child = start(['deploy', 'web', '--env', 'dev', '--image-tag', tag, '--output', 'json']);
      let buf = '';
      let killed = false;
      child.stdout!.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!killed && when(JSON.parse(line) as Record<string, unknown>)) {
            killed = true;
            child.kill('SIGKILL');
          }
        }
      });
      child.on('exit', () =>
        killed ? done() : fail(new Error(`deploy ${tag} ended before the kill point`)),
      );
    });

  const afterPending = (e: Record<string, unknown>) =>
    e.event === 'log' && /recorded as pending/.test(String(e.line));
  const midApply = (e: Record<string, unknown>) => e.event === 'step' && e.name === 'apply' && !e.endedAt;
  const midTrack = (e: Record<string, unknown>) => e.event === 'progress';
  const finishers = {
    resume: async () => {
      const r = await run(['resume', 'web', '--env', 'dev', '--output', 'json']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(
        (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { status: string }).status,
        'deployed',
      );
    },
    status: async () => {
      const r = await run(['status', '--env', 'dev', '--output', 'json']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /finishing interrupted revision/);
    },
    deploy: async () => {
      // Another version refuses while one is interrupted; --replace carries the interrupted one to
      // its end first (rolling has no abort gate: it finishes), then deploys.
      const refused = await run(['deploy', 'web', '--env', 'dev', '--image-tag', 'v7']);
      assert.equal(refused.code, 2, refused.stderr + refused.stdout);
      assert.match(refused.stderr, /\(v6\) was interrupted at .*--replace/s);
      const r = await run(['deploy', 'web', '--env', 'dev', '--image-tag', 'v7', '--replace']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /replacing interrupted revision \d+ \(v6\)/);
    },
  };

  for (const [point, tag, when, finisher, expected] of [
    ['after the pending record', 'v2', afterPending, 'resume', 'v2'],
    ['mid-track', 'v4', midTrack, 'resume', 'v4'],
    ['mid-track', 'v5', midTrack, 'status', 'v5'],
    ['mid-apply', 'v6', midApply, 'deploy', 'v7'],
  ] as const) {
    test(`killed ${point}: the service keeps serving and ${finisher} completes the release`, async () => {
      const traffic = trafficTo(() => url);
      await killedDeploy(tag, when);
      assert.equal((await history())[0]?.status, 'pending');
      await finishers[finisher]();
      const seen = await traffic.stop();
      const all = await history();
      assert.equal(all.filter((r) => r.status === 'deployed').length, 1);
      assert.equal(all.filter((r) => r.status === 'pending').length, 0);
      assert.equal((await readLock(env.client, 'web'))?.holder, undefined);
      assert.equal(await version(), expected);
      // The local cluster's proxy can lose one request to a keep-alive connection that a terminating
      // old pod closes at the same moment (reported to the cluster's owner); anything else is ours.
      const resets = seen.errors.filter((e) => /upstream connect error/.test(e)).length;
      assert.ok(seen.failed <= 1 && seen.failed === resets, seen.errors.join('; '));
      assert.ok(seen.ok > 20, `only ${seen.ok} requests`);
    });
  }

  test('history, diff, rollback and status', async () => {
    const h = await run(['history', 'web', '--env', 'dev', '--output', 'json']);
    assert.equal(h.code, 0, h.stderr);
    const revisions = JSON.parse(h.stdout) as Array<{ revision: number; status: string; startedBy: string }>;
    assert.equal(revisions.length, 5); // historyLimit
    assert.deepEqual(
      revisions.map((r) => r.status),
      ['deployed', 'superseded', 'superseded', 'superseded', 'superseded'],
    );
    const v4 = revisions.find((r) => (r as { version?: { tag?: string } }).version?.tag === 'v4')!.revision;
    assert.equal(revisions[0]?.startedBy, 'ci');
    const text = await run(['history', 'web', '--env', 'dev']);
    assert.match(text.stdout, /REVISION\s+STATUS\s+VERSION/);

    const same = await run(['diff', 'web', '--env', 'dev', '--image-tag', 'v7']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    const other = await run(['diff', 'web', '--env', 'dev', '--image-tag', 'v9']);
    assert.equal(other.code, 1, other.stderr);
    assert.match(other.stdout, /^-\s+image: example\.test\/shop\/web:v7$/m);
    assert.match(other.stdout, /^\+\s+image: example\.test\/shop\/web:v9$/m);

    const back = await run(['rollback', 'web', '--env', 'dev']);
    assert.equal(back.code, 0, back.stderr + back.stdout);
    assert.equal(await version(), 'v6');
    const to = await run(['rollback', 'web', '--env', 'dev', '--to', String(v4)]);
    assert.equal(to.code, 0, to.stderr + to.stdout);
    assert.equal(await version(), 'v4');
    const latest = (await history())[0]!;
    assert.equal(latest.rollbackOf, v4);
    assert.equal(latest.status, 'deployed');

    const s = await run(['status', '--env', 'dev', '--output', 'json']);
    assert.equal(s.code, 0, s.stderr);
    const rows = JSON.parse(s.stdout) as Array<{
      service: string;
      revision?: number;
      version?: string;
      health: { status: string };
    }>;
    const web = rows.find((r) => r.service === 'web');
    assert.equal(web?.version, 'v4');
    assert.equal(web?.health.status, 'Healthy');
    assert.equal(rows.find((r) => r.service === 'api')?.health.status, 'Missing');
  });
});
