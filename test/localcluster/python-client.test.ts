// A second official client against the local cluster: the Kubernetes Python client (Debian's
// python3-kubernetes, run by /usr/bin/python3) drives CRUD, watch with resume, the three patch
// types, /scale, Leases, pod logs and errors through fixtures/python-client.py; the assertions are
// made here on the JSON it prints. Skipped only when the package is absent (CI installs it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ApiServer, startApiServer } from '../../src/localcluster/api/server.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'python-client.py');
const probe = spawnSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' });
const skip =
  probe.status === 0
    ? false
    : `${PYTHON} with python3-kubernetes is not installed (apt-get install python3-kubernetes)`;

let server: ApiServer | undefined;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'slipway-py-'));
  const lines = ['line one', 'line two', 'line three'];
  server = await startApiServer({
    store: createMemoryStore(),
    host: '127.0.0.1',
    port: 0,
    logs: (_ns, pod, container, o) => {
      const all = lines.map((l) => `${pod}/${container}: ${l}`);
      return `${(o.tailLines !== undefined ? all.slice(-o.tailLines) : all).join('\n')}\n`;
    },
  });
  writeFileSync(
    join(dir, 'kubeconfig'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server: server.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'local', user: { token: 'local' } }],
      contexts: [{ name: 'local', context: { cluster: 'local', user: 'local', namespace: 'default' } }],
      'current-context': 'local',
    }),
  );
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the script; the child is killed by pid if it outlives the timeout. */
function runScript(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, join(dir, 'kubeconfig')], {
      env: { PATH: '/usr/bin:/bin', HOME: dir, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the Kubernetes Python client against the local cluster', { skip }, () => {
  it('CRUD, watch with resume, patches, scale, Leases, logs and errors', async () => {
    const run = await runScript();
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;

    assert.equal(out.cm_generation, null, 'ConfigMaps carry no generation');
    assert.deepEqual(out.cm_data, { a: '1', b: '2' });
    const [staleCode, staleReason, staleMessage] = out.cm_stale as [number, string, string];
    assert.deepEqual([staleCode, staleReason], [409, 'Conflict']);
    assert.match(
      staleMessage,
      /Operation cannot be fulfilled on configmaps "py-cm": the object has been modified/,
    );
    assert.deepEqual((out.cm_exists as unknown[]).slice(0, 3), [
      409,
      'AlreadyExists',
      'configmaps "py-cm" already exists',
    ]);
    assert.deepEqual((out.cm_missing as unknown[]).slice(0, 3), [
      404,
      'NotFound',
      'configmaps "nope" not found',
    ]);
    assert.deepEqual(out.cm_listed, ['py-cm']);
    assert.equal(out.cm_deleted, 404);

    // watch=True is a watch (not a list): every change since the list, and a resume from the first.
    assert.deepEqual(out.watch, [
      ['ADDED', 'py-cm'],
      ['MODIFIED', 'py-cm'],
      ['DELETED', 'py-cm'],
    ]);
    assert.deepEqual(out.watch_resumed, [
      ['MODIFIED', 'py-cm'],
      ['DELETED', 'py-cm'],
    ]);

    assert.equal(out.dep_generation, 1);
    assert.deepEqual(out.dep_managers, [['OpenAPI-Generator', 'Update', 'apps/v1', true]]);
    assert.deepEqual(out.merge_labels, { app: 'py-web', merged: 'yes' });
    assert.deepEqual(out.smp_images, ['img:2', 'side:1'], 'containers merged by name');
    assert.equal(out.smp_generation, 2);
    assert.equal(out.json_patch_replicas, 2);
    assert.deepEqual(out.scale_read, ['Scale', 2]);
    assert.equal(out.scale_patched, 4);
    assert.equal(out.replicas_after_scale, 4);

    const [code, reason, message, fields] = out.dep_invalid as [number, string, string, string[]];
    assert.deepEqual([code, reason], [422, 'Invalid']);
    assert.deepEqual(fields, ['spec.strategy.rollingUpdate.maxSurge']);
    assert.match(
      message,
      /^Deployment\.apps "py-bad" is invalid: spec\.strategy\.rollingUpdate\.maxSurge: Invalid value: intstr\.IntOrString\{Type:1, IntVal:0, StrVal:"oops"\}: a valid percent string must be a numeric string followed by an ending '%'/,
    );
    const zero = out.dep_both_zero as [number, string, string, string[]];
    assert.equal(zero[0], 422);
    assert.deepEqual(zero[3], ['spec.strategy.rollingUpdate.maxUnavailable']);
    assert.match(zero[2], /may not be 0 when `maxSurge` is 0/);

    assert.deepEqual(out.lease, ['b', 1, true]);
    assert.deepEqual((out.lease_conflict as unknown[]).slice(0, 2), [409, 'Conflict']);

    assert.equal(out.logs, 'py-pod/app: line one\npy-pod/app: line two\npy-pod/app: line three\n');
    assert.equal(out.logs_tail, 'py-pod/app: line three\n');
  });
});
