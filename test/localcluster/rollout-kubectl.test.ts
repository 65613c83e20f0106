// End to end through the real kubectl: apply a Deployment of the demo service and its Service,
// rollout status, a request through the Service's loopback address, rollout undo, scale, logs, a
// never-ready version hitting its progress deadline, and no process left after stop().
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { resolveKinds } from '../../src/localcluster/controllers/util.ts';
import { LOCAL_PORTS_ANNOTATION } from '../../src/localcluster/proxy/proxy.ts';

type Obj = Record<string, unknown>;
const DEMO = join(import.meta.dirname, '../../demo-service/server.mjs');

function manifest(
  version: string,
  o: { neverReady?: boolean; deadline?: number; replicas?: number } = {},
): string {
  const env = [`{ name: VERSION, value: "${version}" }`, '{ name: SHUTDOWN_GRACE_MS, value: "200" }'];
  if (o.neverReady) env.push('{ name: NEVER_READY, value: "1" }');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  namespace: default
  labels: { app: demo }
spec:
  replicas: ${o.replicas ?? 2}
  progressDeadlineSeconds: ${o.deadline ?? 60}
  selector: { matchLabels: { app: demo } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
  template:
    metadata:
      labels: { app: demo, app.kubernetes.io/version: "${version}" }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: app
          image: ghcr.io/slipway/demo:${version}
          ports: [{ name: http, containerPort: 8080 }]
          env: [${env.join(', ')}]
          readinessProbe: { httpGet: { path: /health/ready, port: http }, periodSeconds: 1 }
          livenessProbe: { httpGet: { path: /health/live, port: http }, periodSeconds: 2 }
---
apiVersion: v1
kind: Service
metadata:
  name: demo
  namespace: default
spec:
  selector: { app: demo }
  ports: [{ name: http, port: 80, targetPort: http }]
`;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('local cluster through kubectl', () => {
  let dir: string;
  let cluster: LocalCluster;
  const pids = new Set<number>();

  const kubectl = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        'kubectl',
        ['--kubeconfig', cluster.kubeconfigPath, '--cache-dir', join(dir, 'kcache'), ...args],
        { timeout: 90_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const apply = async (text: string) => {
    const f = join(dir, 'm.yaml');
    writeFileSync(f, text);
    const r = await kubectl('apply', '-f', f);
    assert.equal(r.code, 0, r.stderr);
  };
  const trackPids = () => {
    try {
      for (const e of JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')) as Array<{ pid: number }>)
        pids.add(e.pid);
    } catch {}
  };
  const serviceUrl = () => {
    const svc = cluster.store.get(resolveKinds(cluster.store).service, 'default', 'demo')!;
    const ports = JSON.parse(svc.metadata.annotations![LOCAL_PORTS_ANNOTATION]!) as Record<string, number>;
    return `http://${(svc.spec as Obj).clusterIP}:${ports['80']}`;
  };
  const info = async () => (await (await fetch(`${serviceUrl()}/api/info`)).json()) as Obj;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-e2e-'));
    cluster = await startLocalCluster({
      dir,
      imageMappings: [{ image: 'ghcr.io/slipway/*', command: ['node', DEMO] }],
      backoffBaseMs: 200,
      log: () => {},
    });
  });

  after(async () => {
    trackPids();
    await cluster.stop();
    for (const pid of pids) assert.equal(alive(pid), false, `pod process ${pid} survived stop()`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies, rolls out and serves through the Service address', async () => {
    await apply(manifest('v1'));
    const r = await kubectl('rollout', 'status', 'deployment/demo', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /successfully rolled out/);
    trackPids();
    const body = await info();
    assert.equal(body.version, 'v1');
  });

  it('rolls to a new version and back with rollout undo', async () => {
    await apply(manifest('v2'));
    let r = await kubectl('rollout', 'status', 'deployment/demo', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    trackPids();
    assert.equal((await info()).version, 'v2');
    r = await kubectl('rollout', 'undo', 'deployment/demo');
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl('rollout', 'status', 'deployment/demo', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    trackPids();
    assert.equal((await info()).version, 'v1');
    const rs = await kubectl('get', 'rs', '-o', 'json');
    const items = (JSON.parse(rs.stdout) as { items: KubeObjectLike[] }).items;
    assert.equal(items.length, 2, 'the rollback reused the first ReplicaSet');
    const revs = items.map((i) => i.metadata.annotations['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revs, ['2', '3']);
  });

  it('scales and serves logs', async () => {
    let r = await kubectl('scale', 'deployment/demo', '--replicas=3');
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl('rollout', 'status', 'deployment/demo', '--timeout=60s');
    assert.equal(r.code, 0, r.stderr);
    trackPids();
    r = await kubectl('get', 'pods', '-l', 'app=demo', '-o', 'jsonpath={.items[*].metadata.name}');
    const names = r.stdout.trim().split(/\s+/);
    assert.equal(names.length, 3);
    r = await kubectl('logs', names[0]!);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"msg":"started"/);
  });

  it('fails rollout status with the progress deadline message for a never-ready version', async () => {
    await apply(manifest('v3', { neverReady: true, deadline: 3, replicas: 3 }));
    const started = Date.now();
    const r = await kubectl('rollout', 'status', 'deployment/demo', '--timeout=60s');
    trackPids();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: deployment "demo" exceeded its progress deadline/);
    assert.ok(Date.now() - started < 30_000);
    assert.equal((await info()).version, 'v1', 'the old pods keep serving');
  });

  it('deletes the Deployment with its pods and processes', async () => {
    const r = await kubectl('delete', 'deployment', 'demo', '--timeout=30s');
    assert.equal(r.code, 0, r.stderr);
    trackPids();
    const end = Date.now() + 15_000;
    while (Date.now() < end && cluster.status().pods.length > 0)
      await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(cluster.status().pods, []);
  });
});

interface KubeObjectLike {
  metadata: { annotations: Record<string, string> };
}
