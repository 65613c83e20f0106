// Secret references resolved for real, end to end through the CLI on the local cluster, on a copy of
// examples/reservations (reservations-worker: three `fromEnv` secrets). With a variable unset, deploy
// and rollback fail with exit 2 before anything is applied (no Secret, no Deployment, no record); with
// them set, the pod runs with the real values — while the CLI output, the release records (history
// Secrets), `history --output json` and the audit log keep only the references.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import { loadPlatform } from '../../src/config/load.ts';
import { namespaceFor } from '../../src/config/model.ts';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import { decodeRelease, isReleaseSecret } from '../../src/release/history-codec.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'reservations');
const SERVICE = 'reservations-worker';
const ENV = 'development';
const FAST = [
  '--set',
  'replicaCount=1,minReadySeconds=0,terminationGracePeriodSeconds=2,probes.startup.periodSeconds=1,' +
    'probes.readiness.initialDelaySeconds=0,probes.readiness.periodSeconds=1',
  '--timeout',
  '90s',
];
const SECRETS = {
  RESERVATIONS_DATABASE_URL: `postgresql://reservations:pw-${process.pid}-db@127.0.0.1/reservations`,
  RESERVATIONS_REDIS_PASSWORD: `redis-pw-${process.pid}-x`,
  RESERVATIONS_QUEUE_PASSWORD: `queue-pw-${process.pid}-y`,
};
const VALUES = Object.values(SECRETS);

interface CliResult {
  code: number;
  out: string;
}

/** The CLI as maria.wolf (operations); the secret variables only when `secrets` is given. */
function slipway(dir: string, args: string[], secrets?: Record<string, string>): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(SECRETS)) delete env[k];
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'slipway.js'), '-C', dir, ...args],
      {
        cwd: dir,
        env: {
          ...env,
          SLIPWAY_FROM_SOURCE: '1',
          NO_COLOR: '1',
          CI: '1',
          SLIPWAY_USER: 'maria.wolf',
          ...secrets,
        },
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, out: `${stdout}\n--- stderr\n${stderr}` });
      },
    );
  });
}

const shown = (r: CliResult) => `exit ${r.code}\n${r.out.slice(-4000)}`;

function assertNoValue(text: string, where: string): void {
  for (const v of VALUES) {
    assert.ok(!text.includes(v), `${where} contains a secret value`);
    assert.ok(!text.includes(Buffer.from(v).toString('base64')), `${where} contains a secret value (base64)`);
  }
}

/** Pids of processes whose working directory lies under `dir` (the pods run in the platform dir). */
function processesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (readlinkSync(`/proc/${p}/cwd`).startsWith(dir)) found.push(Number(p));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

const dir = mkdtempSync(join(tmpdir(), 'slipway-secrets-'));
cpSync(EXAMPLE, dir, {
  recursive: true,
  filter: (src) => !relative(EXAMPLE, src).split('/').includes('.slipway'),
});

after(async () => {
  const record = join(dir, '.slipway', 'cluster', 'cluster.json');
  const pid = existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as { pid: number }).pid : 0;
  if (pid) await slipway(dir, ['cluster', 'down']);
  for (const p of [pid, ...processesUnder(dir)].filter((x) => x > 0)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function cluster(): Promise<{ client: KubeClient; namespace: string }> {
  const record = JSON.parse(readFileSync(join(dir, '.slipway', 'cluster', 'cluster.json'), 'utf8')) as {
    kubeconfigPath: string;
  };
  const namespace = namespaceFor(await loadPlatform(dir), ENV);
  return { client: await connect({ kubeconfigPath: record.kubeconfigPath, namespace }), namespace };
}

test('reservations-worker: secrets come from the environment at deploy, and are kept nowhere else', {
  timeout: 400_000,
}, async () => {
  // Unset: exit 2 before anything is applied, naming the service, the key and the variable.
  let r = await slipway(dir, ['deploy', SERVICE, '--env', ENV, ...FAST]);
  assert.equal(r.code, 2, shown(r));
  assert.match(
    r.out,
    /reservations-worker: secrets\.DATABASE_URL: environment variable RESERVATIONS_DATABASE_URL is not set/,
  );
  const { client, namespace } = await cluster();
  const ours = (o: { metadata: { name?: string } }) => (o.metadata.name ?? '').startsWith(SERVICE);
  assert.deepEqual((await client.list('v1', 'Secret', { namespace })).filter(ours), []);
  assert.deepEqual((await client.list('apps/v1', 'Deployment', { namespace })).filter(ours), []);

  // --dry-run checks the sources without printing a value.
  r = await slipway(dir, ['deploy', SERVICE, '--env', ENV, '--dry-run', ...FAST], SECRETS);
  assert.equal(r.code, 0, shown(r));
  assert.match(
    r.out,
    /3 secret values found: DATABASE_URL \(environment variable RESERVATIONS_DATABASE_URL\)/,
  );
  assertNoValue(r.out, 'deploy --dry-run output');

  // Set: deployed; the Secret holds the values and the pod runs with them.
  const outputs: string[] = [];
  r = await slipway(dir, ['deploy', SERVICE, '--env', ENV, ...FAST], SECRETS);
  outputs.push(r.out);
  assert.equal(r.code, 0, shown(r));
  const secrets = await client.list('v1', 'Secret', { namespace });
  const secret = secrets.find((s) => (s.metadata.name ?? '').startsWith(`${SERVICE}-secrets-`));
  assert.ok(secret, 'the service Secret exists');
  const data = secret.data as Record<string, string>;
  assert.equal(Buffer.from(data.DATABASE_URL ?? '', 'base64').toString(), SECRETS.RESERVATIONS_DATABASE_URL);
  const environs = processesUnder(dir).map((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
    } catch {
      return [];
    }
  });
  assert.ok(
    environs.some((e) => e.includes(`DATABASE_URL=${SECRETS.RESERVATIONS_DATABASE_URL}`)),
    "a pod's environment has the real DATABASE_URL",
  );

  // A second revision, then a rollback to the first: unset it fails before anything; set it re-resolves.
  r = await slipway(dir, ['deploy', SERVICE, '--env', ENV, '--image-tag', 'git-0000001', ...FAST], SECRETS);
  outputs.push(r.out);
  assert.equal(r.code, 0, shown(r));
  r = await slipway(dir, ['rollback', SERVICE, '--env', ENV]);
  assert.equal(r.code, 2, shown(r));
  assert.match(r.out, /secrets\.DATABASE_URL: environment variable RESERVATIONS_DATABASE_URL is not set/);
  r = await slipway(dir, ['rollback', SERVICE, '--env', ENV], SECRETS);
  outputs.push(r.out);
  assert.equal(r.code, 0, shown(r));
  assert.match(r.out, /deployed/);

  // Nowhere else: CLI output, release records, history JSON, the audit log.
  for (const [i, o] of outputs.entries()) assertNoValue(o, `CLI output ${i + 1}`);
  const records = (await client.list('v1', 'Secret', { namespace })).filter(isReleaseSecret);
  assert.equal(records.length, 3, 'three revisions recorded (none for the refused rollback)');
  for (const s of records) {
    assertNoValue(JSON.stringify(s), `history Secret ${s.metadata.name}`);
    const rec = decodeRelease(s);
    assertNoValue(JSON.stringify(rec), `release record ${rec.revision}`);
    const kept = rec.manifests.find((m) => m.kind === 'Secret');
    assert.equal(
      (kept?.stringData as Record<string, string>).DATABASE_URL,
      '<from env RESERVATIONS_DATABASE_URL>',
    );
  }
  r = await slipway(dir, ['history', SERVICE, '--env', ENV, '--output', 'json']);
  assert.equal(r.code, 0, shown(r));
  assertNoValue(r.out, 'history --output json');
  r = await slipway(dir, ['audit', '--output', 'json']);
  assert.equal(r.code, 0, shown(r));
  assert.match(r.out, /rollback/);
  assertNoValue(r.out, 'audit --output json');
});
