// Every example platform works as a copy anywhere: copied to a temporary directory outside this
// repository, it deploys one of its services to its own embedded local cluster through the CLI, as a
// user runs it, and the pods run the bundled demo service found by its bin name (no path of this
// machine in the platform). `slipway init` writes a platform that names no absolute path and deploys
// the same way. On the appointments copy: --image-tag without --digest drops the pinned digest, the
// release records exactly what the pod template runs, and `slipway status` shows that image; on the
// reservations copy: a strict environment refuses the unpinned tag and changes nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { resolveCommand } from '../src/localcluster/pods/process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'slipway.js');
/** Short probes and one replica: the test is about where things run, not about rollout timing. */
const FAST = [
  '--set',
  'replicaCount=1,minReadySeconds=0,probes.startup.periodSeconds=1,' +
    'probes.readiness.initialDelaySeconds=0,probes.readiness.periodSeconds=1',
  '--timeout',
  '90s',
];

/** Stand-ins for the secret references the examples' services name: deploy reads them (exit 2 without). */
const SECRET_ENV = {
  RESERVATIONS_DATABASE_URL: 'postgresql://reservations:dev@127.0.0.1/reservations',
  RESERVATIONS_REDIS_PASSWORD: 'dev',
  RESERVATIONS_QUEUE_PASSWORD: 'dev',
  TELEMED_INTTEST_AMQP_URL: 'amqp://guest:guest@127.0.0.1',
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function slipway(dir: string, args: string[], user?: string): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, '-C', dir, ...args],
      {
        cwd: dir,
        env: {
          ...process.env,
          ...SECRET_ENV,
          SLIPWAY_FROM_SOURCE: '1',
          NO_COLOR: '1',
          CI: '1',
          ...(user ? { SLIPWAY_USER: user } : {}),
        },
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const shown = (r: CliResult) =>
  `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

/** Pids of processes whose working directory lies under `dir` (the pods run in the platform dir). */
function processesUnder(dir: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (!readlinkSync(`/proc/${p}/cwd`).startsWith(dir)) continue;
      found.push({ pid: Number(p), cmd: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Every platform copy made here; each is stopped (cluster down, then by pid) and removed at the end.
const copies: string[] = [];

async function stopAndRemove(dir: string): Promise<void> {
  const record = join(dir, '.slipway', 'cluster', 'cluster.json');
  const pid = existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as { pid: number }).pid : 0;
  if (pid) await slipway(dir, ['cluster', 'down']);
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  for (const p of processesUnder(dir)) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

after(async () => {
  for (const dir of copies) await stopAndRemove(dir);
});

function copyExample(example: string): string {
  const dir = mkdtempSync(join(tmpdir(), `slipway-portable-${example}-`));
  copies.push(dir);
  cpSync(join(ROOT, 'examples', example), dir, {
    recursive: true,
    filter: (src) =>
      !relative(join(ROOT, 'examples', example), src)
        .split('/')
        .includes('.slipway'),
  });
  return dir;
}

/** Every file of a platform directory (without .slipway) with its text. */
function platformFiles(dir: string, sub = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
    const rel = join(sub, e.name);
    if (e.name === '.slipway') continue;
    if (e.isDirectory()) out.push(...platformFiles(dir, rel));
    else out.push([rel, readFileSync(join(dir, rel), 'utf8')]);
  }
  return out;
}

interface Row {
  service: string;
  version?: string;
  images?: string[];
  imagesDiffer?: boolean;
  health: { status: string };
}

async function statusRow(dir: string, env: string, service: string, user?: string): Promise<Row> {
  const r = await slipway(dir, ['status', '--env', env, '-o', 'json', '--no-resume'], user);
  assert.equal(r.code, 0, shown(r));
  const row = (JSON.parse(r.stdout) as Row[]).find((x) => x.service === service);
  assert.ok(row, `status lists ${service}`);
  return row;
}

/** The image a service runs per its slipway.yaml and the desired state of `env`. */
function desiredImage(dir: string, service: string, env: string): string {
  const platform = parse(readFileSync(join(dir, 'slipway.yaml'), 'utf8'));
  const desired = parse(readFileSync(join(dir, 'environments', `${env}.yaml`), 'utf8'));
  return `${platform.services[service].image}:${desired.services[service].version}`;
}

/** Deploys `service` to `env` of the copy, then checks that its pod is the bundled demo service. */
async function deployAndCheck(dir: string, service: string, env: string, user?: string): Promise<void> {
  const r = await slipway(dir, ['deploy', service, '--env', env, ...FAST], user);
  assert.equal(r.code, 0, shown(r));
  const pods = processesUnder(dir).filter((p) => p.cmd.includes('server.mjs'));
  assert.ok(pods.length > 0, 'a pod runs as a local process in the copy');
  for (const p of pods) {
    assert.ok(p.cmd.includes(join(ROOT, 'demo-service', 'server.mjs')), `${p.cmd}: the bundled demo service`);
  }
  const row = await statusRow(dir, env, service, user);
  assert.equal(row.health.status, 'Healthy');
  assert.deepEqual(row.images, [desiredImage(dir, service, env)]);
  assert.ok(row.images?.[0]?.endsWith(`:${row.version}`), 'status: the recorded version is what runs');
  assert.equal(row.imagesDiffer, undefined);
}

test('the bundled bins resolve to this package when not on PATH, and are left to PATH when there', () => {
  assert.deepEqual(resolveCommand(['slipway-demo-service', '--x'], '/nonexistent'), [
    process.execPath,
    join(ROOT, 'demo-service', 'server.mjs'),
    '--x',
  ]);
  assert.deepEqual(resolveCommand(['slipway-demo-job'], ''), [
    process.execPath,
    join(ROOT, 'demo-service', 'job.mjs'),
  ]);
  assert.deepEqual(resolveCommand(['node', 'a.mjs']), [process.execPath, 'a.mjs']);
  assert.deepEqual(resolveCommand(['./run.sh']), ['./run.sh']);
  const bin = mkdtempSync(join(tmpdir(), 'slipway-bin-'));
  try {
    cpSync(join(ROOT, 'demo-service', 'server.mjs'), join(bin, 'slipway-demo-service'));
    assert.deepEqual(resolveCommand(['slipway-demo-service'], bin), ['slipway-demo-service']);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

describe('every example, copied outside the repository, deploys on the local cluster', () => {
  const cases: Array<{ example: string; service: string; env: string; user?: string }> = [
    { example: 'appointments', service: 'search', env: 'development' },
    { example: 'reservations', service: 'reservations-worker', env: 'development', user: 'maria.wolf' },
    { example: 'ehealth', service: 'measurement-ingest', env: 'inttest', user: 'anna.jensen' },
    { example: 'orders', service: 'payment-service', env: 'staging' },
    { example: 'budget', service: 'frontend', env: 'staging' },
  ];
  const dirs = new Map<string, string>();

  for (const c of cases) {
    test(`${c.example}: ${c.service} to ${c.env}`, { timeout: 240_000 }, async () => {
      const dir = copyExample(c.example);
      // The platform's own files (READMEs may well tell a reader where the demo service lives).
      for (const [file, text] of platformFiles(dir).filter(([f]) => f.endsWith('.yaml'))) {
        assert.ok(!text.includes(ROOT), `${file} names this checkout`);
        assert.doesNotMatch(
          text,
          /demo-service\/(server|job)\.mjs/,
          `${file} names the demo service by path`,
        );
      }
      await deployAndCheck(dir, c.service, c.env, c.user);
      dirs.set(c.example, dir);
    });
  }

  test('appointments: --image-tag drops the pinned digest; the record and status show what runs', {
    timeout: 240_000,
  }, async (t) => {
    const dir = dirs.get('appointments');
    if (!dir) return t.skip('the appointments copy did not deploy');
    let r = await slipway(dir, ['render', 'search', '--env', 'staging']);
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /image: ghcr\.io\/appointments\/search@sha256:[a-f0-9]{64}\n/);
    r = await slipway(dir, ['render', 'search', '--env', 'staging', '--image-tag', 'v9']);
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /image: ghcr\.io\/appointments\/search:v9\n/);
    assert.doesNotMatch(r.stdout, /sha256:/);

    r = await slipway(dir, ['deploy', 'search', '--env', 'staging', '--image-tag', 'v9', ...FAST]);
    assert.equal(r.code, 0, shown(r));
    r = await slipway(dir, ['history', 'search', '--env', 'staging', '-o', 'json']);
    assert.equal(r.code, 0, shown(r));
    const [record] = JSON.parse(r.stdout) as Array<{ version: { tag?: string; digest?: string } }>;
    assert.deepEqual(record?.version, { tag: 'v9' });
    const row = await statusRow(dir, 'staging', 'search');
    assert.equal(row.version, 'v9');
    assert.deepEqual(row.images, ['ghcr.io/appointments/search:v9']);
    r = await slipway(dir, ['status', '--env', 'staging', '--no-resume']);
    assert.match(r.stdout, /IMAGE/);
    assert.match(r.stdout, /search\s+staging\s+1\s+v9\s+ghcr\.io\/appointments\/search:v9\s/);
  });

  test('reservations: a strict environment refuses a tag without its digest and changes nothing', {
    timeout: 120_000,
  }, async (t) => {
    const dir = dirs.get('reservations');
    if (!dir) return t.skip('the reservations copy did not deploy');
    const user = 'maria.wolf';
    const r = await slipway(
      dir,
      ['deploy', 'reservations-worker', '--env', 'staging', '--image-tag', 'v9'],
      user,
    );
    // A policy refusal: exit 1 (the operation found errors), naming the check and the flag.
    assert.equal(r.code, 1, shown(r));
    assert.match(
      r.stderr,
      /SLW-IMG-002 image-digest .*reservations-worker:v9 is not pinned by digest \(--image-tag v9\)/,
    );
    assert.match(r.stderr, /hint: /);
    const row = await statusRow(dir, 'staging', 'reservations-worker', user);
    assert.equal(row.version, undefined);
    assert.equal(row.health.status, 'Missing');
  });
});

test('slipway init writes no absolute path, and its platform deploys from anywhere', {
  timeout: 240_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-portable-init-'));
  const dir = join(root, 'shop');
  copies.push(dir, root); // the platform's cluster is stopped before its parent is removed
  const r = await slipway(root, ['init', 'shop']);
  assert.equal(r.code, 0, shown(r));
  const files = platformFiles(dir);
  assert.ok(files.some(([f]) => f === 'slipway.yaml'));
  for (const [file, text] of files) {
    for (const top of readdirSync('/')) {
      assert.doesNotMatch(text, new RegExp(`(^|[^.\\w])/${top}/`, 'm'), `${file}: a path under /${top}`);
    }
    assert.ok(!text.includes(root) && !text.includes(ROOT), `${file} names a directory of this machine`);
  }
  assert.match(files.find(([f]) => f === 'slipway.yaml')![1], /command: \[slipway-demo-service\]/);
  await deployAndCheck(dir, 'web', 'development');
});
