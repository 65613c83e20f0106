// `slipway demo` end to end: the real command on a fresh workspace and cluster. It fails when any step
// misbehaves (the demo exits 1 naming the step), checks the summary lines, and that no process the
// demo started (cluster, pods, load) is left afterwards.
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
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  const seconds = (Date.now() - started) / 1000;
  const workspace = /demo workspace (\S+)/.exec(stderr)?.[1];
  process.stderr.write(`# slipway demo: exit ${code} after ${seconds.toFixed(1)} s\n`);
  const summary = stdout.slice(stdout.indexOf('\nsummary'));
  for (const l of summary.split('\n').filter((x) => /^ {2}\S/.test(x))) process.stderr.write(`#${l}\n`);
  assert.equal(
    code,
    0,
    `demo exited ${code}\n--- stdout\n${stdout}\n--- stderr (tail)\n${stderr.slice(-4000)}`,
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
