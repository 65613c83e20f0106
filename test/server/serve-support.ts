// Real `slipway serve` processes for the restart and HA tests: each replica is a child process of the
// CLI (`node --import tsx src/cli/main.ts serve`), found by its PID and stopped by it (SIGKILL in the
// tests, and again in their `after`, whatever happened). Callers authenticate with an API token made by
// `slipway token create`, as CI does; nothing here bypasses authentication.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { ReleaseRecord } from '../../src/release/history.ts';
import { serviceTarget } from '../../src/release/index.ts';
import type { ReleaseTestEnv } from '../release/support.ts';

export const MAIN = resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
export const TIMED_FIXTURE = resolve(import.meta.dirname, 'fixtures', 'timed');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Cli {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  output(): { stdout: string; stderr: string };
}

/** Starts and keeps track of CLI children; `killAll()` SIGKILLs every one still running, by PID. */
export function cliRunner(env: () => ReleaseTestEnv, extraEnv: Record<string, string>) {
  const children = new Set<ChildProcess>();
  const start = (args: string[]): Cli => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '-C', env().dir, ...args], {
      env: { ...process.env, SLIPWAY_USER: 'ops', NO_COLOR: '1', ...extraEnv },
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
      if (process.env.SERVE_TEST_VERBOSE === '1') process.stderr.write(`[${child.pid}] ${d}`);
    });
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
      child.on('exit', (code) => {
        children.delete(child);
        r({ code, stdout, stderr });
      }),
    );
    return { child, done, output: () => ({ stdout, stderr }) };
  };
  return {
    start,
    run: async (args: string[]) => await start(args).done,
    killAll() {
      for (const c of children) if (c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
    },
  };
}

export interface Replica {
  cli: Cli;
  pid: number;
  url: string;
}

/** A `slipway serve` replica on a free loopback port; answers once it printed its URL. */
export async function startReplica(
  runner: ReturnType<typeof cliRunner>,
  args: string[] = [],
): Promise<Replica> {
  const cli = runner.start(['serve', '--port', '0', ...args]);
  const end = Date.now() + 60_000;
  for (;;) {
    const m = /slipway serve: (http:\/\/\S+)/.exec(cli.output().stdout);
    if (m) return { cli, pid: cli.child.pid!, url: m[1]! };
    assert.ok(cli.child.exitCode === null, `serve exited: ${cli.output().stderr}`);
    assert.ok(Date.now() < end, `serve did not start: ${cli.output().stderr}`);
    await sleep(100);
  }
}

/** An API token for environment dev made with `slipway token create` (printed once, as JSON). */
export async function createToken(runner: ReturnType<typeof cliRunner>): Promise<string> {
  const r = await runner.run([
    'token',
    'create',
    '--env',
    'dev',
    '--role',
    'deployer',
    '--expires',
    '1h',
    '--name',
    'ci',
    '--output',
    'json',
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return (JSON.parse(r.stdout) as { token: string }).token;
}

export async function deployThrough(replica: Replica, token: string, tag: string): Promise<void> {
  const res = await fetch(`${replica.url}/api/v1/environments/dev/services/booking/deploy`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ imageTag: tag }),
  });
  assert.equal(res.status, 202, await res.text());
}

export const history = (env: ReleaseTestEnv): Promise<ReleaseRecord[]> =>
  serviceTarget(env.client, { platform: env.platform, service: 'booking', environment: 'dev' }).history.list(
    'booking',
  );

export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The newest revision of `tag`, pending, in its open (started, not ended) 20 s pause. */
export async function inLongPause(env: ReleaseTestEnv, tag: string): Promise<ReleaseRecord | undefined> {
  const r = (await history(env))[0];
  if (r?.status !== 'pending' || r.version.tag !== tag) return undefined;
  return r.steps.some((s) => s.name.includes('pause 20s') && !s.endedAt) ? r : undefined;
}

/**
 * What the record says about a resumed release: no step ended ok twice, and the long pause ended at
 * its first recorded start + 20 s (answers how far off, in ms).
 */
export function checkResumedRecord(r: ReleaseRecord): { pauseOffMs: number; names: string[] } {
  const ok = r.steps.filter((s) => s.outcome === 'ok').map((s) => s.name);
  const repeated = ok.filter((n, i) => ok.indexOf(n) !== i);
  assert.deepEqual(repeated, [], `steps repeated: ${repeated.join(', ')}`);
  const pauses = r.steps.filter((s) => s.name.includes('pause 20s'));
  assert.ok(pauses.length >= 2, 'the pause was interrupted and run again');
  const first = Date.parse(pauses[0]!.startedAt);
  const done = pauses.find((s) => s.outcome === 'ok');
  assert.ok(done?.endedAt, 'the pause ended ok');
  return { pauseOffMs: Date.parse(done.endedAt) - (first + 20_000), names: r.steps.map((s) => s.name) };
}
