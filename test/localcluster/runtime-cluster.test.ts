// The assembled cluster: persistence across a restart (objects reloaded, pod processes started again),
// no process left after stop(), and `slipway cluster up|status|down` as a background process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type LocalCluster, readClusterRecord, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { resolveKinds } from '../../src/localcluster/controllers/util.ts';
import { LOCAL_PORTS_ANNOTATION } from '../../src/localcluster/proxy/proxy.ts';

type Obj = Record<string, unknown>;
const ROOT = join(import.meta.dirname, '../..');
const DEMO = join(ROOT, 'demo-service/server.mjs');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function podPids(dir: string): number[] {
  try {
    return (JSON.parse(readFileSync(join(dir, 'pids.json'), 'utf8')) as Array<{ pid: number }>).map(
      (e) => e.pid,
    );
  } catch {
    return [];
  }
}

describe('assembled local cluster', () => {
  const dirs: string[] = [];
  const clusters: LocalCluster[] = [];
  after(async () => {
    for (const c of clusters) await c.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('persists objects and runs the stored pods again after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-cluster-'));
    dirs.push(dir);
    const options = {
      dir,
      imageMappings: [{ image: 'ghcr.io/demo/*', command: ['node', DEMO] }],
      log: () => {},
    };
    let cluster = await startLocalCluster(options);
    clusters.push(cluster);
    const kinds = resolveKinds(cluster.store);
    assert.match(
      readFileSync(cluster.kubeconfigPath, 'utf8'),
      /insecure-skip-tls-verify: true[\s\S]*current-context: slipway-local/,
    );
    assert.equal(readClusterRecord(dir)?.pid, process.pid);
    cluster.store.create(kinds.deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: {
            containers: [
              {
                name: 'api',
                image: 'ghcr.io/demo/api:1',
                ports: [{ name: 'http', containerPort: 8080 }],
                env: [{ name: 'VERSION', value: 'v7' }],
                readinessProbe: { httpGet: { path: '/health/ready', port: 'http' }, periodSeconds: 0.2 },
              },
            ],
          },
        },
      },
    });
    cluster.store.create(kinds.service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'default' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const serviceInfo = async (c: LocalCluster) => {
      const svc = c.store.get(kinds.service, 'default', 'api');
      const mapping = svc?.metadata.annotations?.[LOCAL_PORTS_ANNOTATION];
      if (!mapping) return undefined;
      try {
        const r = await fetch(
          `http://${(svc!.spec as Obj).clusterIP}:${(JSON.parse(mapping) as Record<string, number>)['80']}/api/info`,
        );
        return r.ok ? ((await r.json()) as Obj) : undefined;
      } catch {
        return undefined;
      }
    };
    const first = await waitFor('service answers', () => serviceInfo(cluster));
    assert.equal(first.version, 'v7');
    const status = cluster.status();
    assert.equal(status.pods.length, 1);
    assert.equal(status.pods[0]!.ready, '1/1');
    assert.equal(status.services.find((s) => s.service === 'default/api')?.ports[0]?.listen, 30080);
    const podName = status.pods[0]!.name;
    const pids = podPids(dir);
    assert.equal(pids.length, 1);
    await cluster.stop();
    clusters.pop();
    for (const pid of pids) assert.equal(alive(pid), false, 'stop() ended the pod process');
    assert.ok(existsSync(join(dir, 'state.json')));
    assert.equal(existsSync(join(dir, 'cluster.json')), false);

    cluster = await startLocalCluster(options);
    clusters.push(cluster);
    const again = await waitFor('service answers after restart', () => serviceInfo(cluster));
    assert.equal(again.version, 'v7');
    assert.deepEqual(
      cluster.status().pods.map((p) => p.name),
      [podName],
      'the same pod runs again',
    );
    const newPids = podPids(dir);
    assert.equal(newPids.length, 1);
    await cluster.stop();
    clusters.pop();
    for (const pid of newPids) assert.equal(alive(pid), false);
  });

  it('slipway cluster up / status / down runs it in the background', async () => {
    const platform = mkdtempSync(join(tmpdir(), 'slipway-platform-'));
    dirs.push(platform);
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(ROOT, 'bin/slipway.js'), '-C', platform, ...args],
          { env: { ...process.env, SLIPWAY_FROM_SOURCE: '1' }, timeout: 60_000 },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    let r = await cli('cluster', 'up');
    assert.equal(r.code, 0, r.stderr);
    const dir = join(platform, '.slipway', 'cluster');
    const rec = readClusterRecord(dir)!;
    assert.match(r.stdout, new RegExp(`kubeconfig: ${join(dir, 'kubeconfig').replace(/[.]/g, '\\.')}`));
    try {
      assert.ok(alive(rec.pid));
      r = await cli('cluster', 'up');
      assert.match(r.stdout, /already running/);
      r = await cli('cluster', 'status', '--output', 'json');
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as { url: string; objects: Record<string, number> };
      assert.equal(s.url, rec.url);
      assert.equal(s.objects.namespaces, 4);
      r = await cli('cluster', 'status');
      assert.match(r.stdout, /local cluster/);
    } finally {
      r = await cli('cluster', 'down');
    }
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /local cluster stopped/);
    assert.equal(alive(rec.pid), false);
    r = await cli('cluster', 'status');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no local cluster is running/);
  });
});
