// The local cluster's API server under load (DESIGN.md, "Quality bars"): an API server over a memory
// store in this process; a separate client process (bench/support-lc-client.ts) creates 10,000 objects
// (ConfigMaps and Deployments in 80 namespaces) through HTTP, then measures over keep-alive connections
// the latency of GET one object, LIST one namespace (100 ConfigMaps) and strategic-merge PATCH of a
// Deployment, and 100 watch streams while 200 writes happen (every watcher must see every event).
// Then the real kubectl applies 1,000 objects, server-side and client-side, each into a fresh namespace.
// Bars: get/patch p99 < 10 ms, every watcher complete, apply < 10 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startApiServer } from '../src/localcluster/api/server.ts';
import { kubeconfigYaml } from '../src/localcluster/cluster.ts';
import { createMemoryStore } from '../src/localcluster/store/memory-store.ts';
import { report } from './report.ts';
import type { LcClientConfig, LcClientResult } from './support-lc-client.ts';
import { runCommand, runNodeClient } from './support-proc.ts';

const APPLY_OBJECTS = 1000;
const APPLY_TIMEOUT_MS = 25_000;

const config: Omit<LcClientConfig, 'url'> = {
  namespaces: 80,
  configMapsPerNs: 100,
  deploymentsPerNs: 25,
  gets: 4000,
  lists: 300,
  patches: 2000,
  watchers: 100,
  writes: 200,
  watchTimeoutMs: 10_000,
};

function applyManifest(): string {
  const docs: unknown[] = [];
  for (let i = 0; i < APPLY_OBJECTS; i++) {
    if (i % 5 === 4) {
      const name = `app-${i}`;
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels: { app: name } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [{ name: 'app', image: 'ghcr.io/bench/app:v1', ports: [{ containerPort: 8080 }] }],
            },
          },
        },
      });
    } else {
      docs.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `config-${i}`, labels: { app: 'bench' } },
        data: { index: String(i), 'settings.yaml': `replicas: 2\nname: config-${i}\n` },
      });
    }
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

const load1 = loadavg()[0]!;
const store = createMemoryStore();
const api = await startApiServer({ store, host: '127.0.0.1', port: 0 });
const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-lc-'));
try {
  const c = await runNodeClient<LcClientResult>('support-lc-client.ts', { ...config, url: api.url }, 50_000);

  // kubectl apply of 1,000 objects, server-side then client-side, each into its own new namespace.
  const kubeconfig = join(tmp, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(api.url));
  const manifest = join(tmp, 'apply.yaml');
  writeFileSync(manifest, applyManifest());
  const nsType = store.resourceTypeFor('v1', 'Namespace')!;
  const cmType = store.resourceTypeFor('v1', 'ConfigMap')!;
  const deployType = store.resourceTypeFor('apps/v1', 'Deployment')!;
  const applied: Record<string, { seconds: number; objects: number; ok: boolean; error: string }> = {};
  for (const mode of ['server-side', 'client-side'] as const) {
    const ns = `apply-${mode}`;
    store.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const args = [
      'apply',
      '-f',
      manifest,
      '-n',
      ns,
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      join(tmp, `cache-${mode}`),
      ...(mode === 'server-side' ? ['--server-side'] : []),
    ];
    const r = await runCommand('kubectl', args, {
      timeoutMs: APPLY_TIMEOUT_MS,
      env: { ...process.env, KUBECONFIG: kubeconfig, HOME: tmp },
    });
    const objects =
      store.list(cmType, { namespace: ns }).items.length +
      store.list(deployType, { namespace: ns }).items.length;
    const error = r.timedOut
      ? `timed out after ${APPLY_TIMEOUT_MS / 1000} s`
      : r.code !== 0
        ? r.stderr.trim().split('\n').slice(0, 3).join(' | ')
        : '';
    applied[mode] = { seconds: r.ms / 1000, objects, ok: r.code === 0 && objects === APPLY_OBJECTS, error };
  }

  const ss = applied['server-side']!;
  const cs = applied['client-side']!;
  report({
    'load average (1 min) at start': load1,
    'objects seeded through HTTP': c.seeded,
    'seed failures': c.seedFailures,
    'seed seconds (64 in flight)': c.seedSeconds,
    'ConfigMaps+Deployments in the store at the end':
      store.list(cmType).items.length + store.list(deployType).items.length,
    'GET one object p50 ms': c.get.p50,
    'GET one object p99 ms': c.get.p99,
    'LIST one namespace items': c.list.items,
    'LIST one namespace p50 ms': c.list.p50,
    'LIST one namespace p99 ms': c.list.p99,
    'strategic-merge PATCH p50 ms': c.patch.p50,
    'strategic-merge PATCH p99 ms': c.patch.p99,
    'request failures (get/list/patch)': c.get.failures + c.list.failures + c.patch.failures,
    watchers: config.watchers,
    'watch writes': config.writes,
    'watch events received': c.watch.received,
    'watch events expected': c.watch.expected,
    'watchers complete': c.watch.complete,
    'watch delivery p50 ms': c.watch.p50,
    'watch delivery p99 ms': c.watch.p99,
    'watch delivery max ms': c.watch.max,
    'kubectl apply 1000 server-side s': ss.seconds,
    'kubectl apply 1000 server-side objects': ss.objects,
    'kubectl apply 1000 client-side s': cs.seconds,
    'kubectl apply 1000 client-side objects': cs.objects,
    ...(ss.error ? { 'kubectl apply server-side error': ss.error } : {}),
    ...(cs.error ? { 'kubectl apply client-side error': cs.error } : {}),
    'target get p99 < 10 ms': c.get.p99 < 10 && c.get.failures === 0,
    'target patch p99 < 10 ms': c.patch.p99 < 10 && c.patch.failures === 0,
    'target all watchers complete':
      c.watch.complete === config.watchers && c.watch.received === c.watch.expected,
    'target apply < 10 s (server-side)': ss.ok && ss.seconds < 10,
    'target apply < 10 s (client-side)': cs.ok && cs.seconds < 10,
  });
} finally {
  await api.close();
  rmSync(tmp, { recursive: true, force: true });
}
