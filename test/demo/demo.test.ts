// `slipway demo` end to end: the real command on a fresh workspace and cluster. It fails when any step
// misbehaves (the demo exits 1 naming the step), checks the summary lines, and that no process the
// demo started (cluster, pods, load, its dashboard) is left afterwards. While it runs, the dashboard
// URL and one-time login link it prints are used as a browser would: the link logs in once, the
// pages show the platform, and the session sees the bad canary's rollback in booking's history.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = resolve(ROOT, 'bin', 'slipway.js');

/** Pids of processes whose working directory or command line lies under `dir`. */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmd = spawnSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' }).stdout.replace(/\0/g, ' ');
      if (cwd.startsWith(dir) || cmd.includes(dir)) found.push(`${pid} ${cmd}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/**
 * Uses the dashboard while the demo runs: once the link is printed, the checks of the first part;
 * once the good canary is done (the blue-green step still runs), booking's history as the session.
 */
async function watchDashboard(
  stderr: () => string,
  exited: Promise<unknown>,
): Promise<{ url?: string; checks: string[] }> {
  let over = false;
  void exited.then(() => {
    over = true;
  });
  const until = async (re: RegExp) => {
    while (!over && !re.test(stderr())) await new Promise((r) => setTimeout(r, 200));
    return re.exec(stderr());
  };
  const printed = await until(
    /^dashboard (http:\/\/127\.0\.0\.1:\d+)\/ .*\n {2}(\1\/auth\/one-time\/[\w-]+)$/m,
  );
  if (!printed) return { checks: [] };
  const [, url, link] = printed as unknown as [string, string, string];
  const checks: string[] = [];
  const get = (u: string, cookie?: string) =>
    fetch(u, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
  if ((await get(`${url}/`)).status === 401) checks.push('no session: 401');
  const first = await get(link);
  const cookie = first.headers.get('set-cookie')?.split(';')[0];
  if (first.status === 302 && first.headers.get('location') === '/' && cookie?.startsWith('slipway_session='))
    checks.push('link: 302 to / with a session');
  const overview = await get(`${url}/`, cookie);
  if (overview.status === 200 && (await overview.text()).includes('booking'))
    checks.push('overview: 200, lists booking');
  const again = await get(link);
  if (again.status === 403 && /slipway demo<\/code> again/.test(await again.text()))
    checks.push('link again: 403, run the demo again');
  if (await until(/✔ 5 canary v3 \(good\)/)) {
    const h = await get(`${url}/api/v1/environments/production/services/booking/history`, cookie);
    const records =
      h.status === 200 ? ((await h.json()) as Array<{ status: string; version: { tag?: string } }>) : [];
    const of = (tag: string) => records.find((r) => r.version.tag === tag)?.status;
    if (['failed', 'rolled-back'].includes(of('v2') ?? '') && of('v3') === 'deployed')
      checks.push('booking history: v2 failed (rolled back), v3 deployed');
    else
      checks.push(
        `booking history: ${h.status} ${JSON.stringify(records.map((r) => [r.version.tag, r.status]))}`,
      );
  }
  return { url, checks };
}

test('slipway demo runs every step on a fresh local cluster and leaves nothing running', {
  timeout: 420_000,
}, async () => {
  const child = spawn(process.execPath, [BIN, 'demo'], {
    cwd: ROOT,
    env: { ...process.env, SLIPWAY_FROM_SOURCE: '1', CI: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const started = Date.now();
  const exited = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  const dashboard = watchDashboard(() => stderr, exited);
  const code = await exited;
  const seen = await dashboard;
  const seconds = (Date.now() - started) / 1000;
  const workspace = /demo workspace (\S+)/.exec(stderr)?.[1];
  process.stderr.write(`# slipway demo: exit ${code} after ${seconds.toFixed(1)} s\n`);
  const summary = stdout.slice(stdout.indexOf('\nsummary'));
  for (const l of summary.split('\n').filter((x) => /^ {2}\S/.test(x))) process.stderr.write(`#${l}\n`);
  assert.equal(
    code,
    0,
    `demo exited ${code}\n--- dashboard checks ${JSON.stringify(seen)}\n--- stdout\n${stdout}\n--- stderr (tail)\n${stderr.slice(-4000)}`,
  );
  assert.ok(seconds < 300, `the demo took ${seconds} s (must stay under 5 minutes)`);
  for (const line of [
    /^ {2}bad canary v2: rolled back by analysis in [\d.]+ s; \d+\/\d+ requests failed/m,
    /^ {2}good canary v3: promoted in [\d.]+ s; v3 share .*after 100\.0 %; \d+ failed$/m,
    /^ {2}blue-green backend: switch v1 → v2, instant rollback in [\d.]+ s back to v1; 0\/\d+ requests failed$/m,
    /^ {2}booking load: \d+ requests at 80\/s, \d+ failed/m,
    /^ {2}wall time [\d.]+ s$/m,
    /^demo passed: every step behaved as expected$/m,
  ])
    assert.match(stdout, line);
  for (const step of [
    '1 cluster',
    '2 deploy v1',
    '3 load',
    '4 canary v2 (bad)',
    '5 canary v3 (good)',
    '6 blue-green',
  ])
    assert.ok(stdout.includes(`✔ ${step}`), `timeline entry ${step}`);
  assert.ok(seen.url, `the demo prints its dashboard URL\n${stderr.slice(0, 3000)}`);
  assert.match(stdout, new RegExp(`✔ 1 cluster +local cluster in this process; dashboard ${seen.url}/`));
  assert.deepEqual(seen.checks, [
    'no session: 401',
    'link: 302 to / with a session',
    'overview: 200, lists booking',
    'link again: 403, run the demo again',
    'booking history: v2 failed (rolled back), v3 deployed',
  ]);
  // The dashboard ended with the demo.
  await assert.rejects(fetch(`${seen.url}/healthz`));
  // Nothing the demo started remains: no process in its workspace, and the workspace is gone.
  assert.ok(workspace, 'the demo names its workspace');
  assert.deepEqual(processesUnder(workspace), []);
  assert.equal(existsSync(workspace), false, `${workspace} was removed`);
});

test('slipway demo refuses an unknown output format with exit 2', () => {
  const r = spawnSync(process.execPath, [BIN, 'demo', '--output', 'yaml'], {
    cwd: ROOT,
    env: { ...process.env, SLIPWAY_FROM_SOURCE: '1' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2, r.stderr);
});
