// The local cluster's service proxy against a direct connection and against nginx (DESIGN.md,
// "Quality bars": throughput at least half of nginx's). A local cluster in this process runs a
// Deployment of the bundled demo service (2 pods, real processes) behind a Service; a load generator in
// its own process (bench/support-loadgen.ts: keep-alive connections, closed loop, fixed duration)
// measures requests/s and p99 latency (a) straight to one pod and to both pods, (b) through the
// Service's loopback ClusterIP listener, (c) through nginx (one worker, upstream keep-alive) in front of
// the same two pods, when nginx is installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalCluster, startLocalCluster } from '../src/localcluster/cluster.ts';
import { LOCAL_PORTS_ANNOTATION } from '../src/localcluster/proxy/proxy.ts';
import { report } from './report.ts';
import type { LoadConfig, LoadResult } from './support-loadgen.ts';
import { findNginx, type NginxProxy, startNginx } from './support-nginx.ts';
import { REPO_ROOT, runNodeClient, waitFor } from './support-proc.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
const WARMUP_MS = 1000;
const PATH = '/api/info';

type Json = Record<string, unknown>;

async function api(c: LocalCluster, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await fetch(`${c.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const j = (await r.json()) as Json;
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${String(j.message ?? '')}`);
  return j;
}

async function deployDemo(c: LocalCluster): Promise<{ pods: string[]; service: string }> {
  const labels = { app: 'demo' };
  await api(c, 'POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'demo', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'demo',
              image: 'ghcr.io/bench/demo:v1',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/health/ready', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  });
  await api(c, 'POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'demo' },
    spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  let pods: string[] = [];
  let service = '';
  const ready = await waitFor(async () => {
    const ep = await api(c, 'GET', '/api/v1/namespaces/default/endpoints/demo').catch(() => undefined);
    const subsets =
      (ep?.subsets as Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number }> }>) ?? [];
    pods = subsets.flatMap((s) => (s.addresses ?? []).map((a) => `${a.ip}:${s.ports?.[0]?.port ?? 8080}`));
    const svc = await api(c, 'GET', '/api/v1/namespaces/default/services/demo');
    const ports = (svc.metadata as { annotations?: Record<string, string> }).annotations?.[
      LOCAL_PORTS_ANNOTATION
    ];
    if (ports)
      service = `${(svc.spec as { clusterIP: string }).clusterIP}:${(JSON.parse(ports) as Json)['80']}`;
    if (pods.length !== 2 || !service) return false;
    return (await fetch(`http://${service}${PATH}`).catch(() => undefined))?.ok === true;
  }, 30_000);
  if (!ready) throw new Error(`the demo service did not become ready (pods ${pods.join(', ') || 'none'})`);
  return { pods, service };
}

function load(targets: string[]): Promise<LoadResult> {
  const cfg: LoadConfig = {
    targets: targets.map((t) => `http://${t}${PATH}`),
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
  };
  return runNodeClient<LoadResult>('support-loadgen.ts', cfg, WARMUP_MS + DURATION_MS + 15_000);
}

const figures = (name: string, r: LoadResult) => ({
  [`${name} requests/s`]: r.rps,
  [`${name} p50 ms`]: r.p50,
  [`${name} p99 ms`]: r.p99,
  [`${name} failures`]: r.failures,
  ...(r.firstError ? { [`${name} first error`]: r.firstError } : {}),
});

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-proxy-'));
const load1 = loadavg()[0]!;
let cluster: LocalCluster | undefined;
let nginx: NginxProxy | undefined;
try {
  cluster = await startLocalCluster({
    dir,
    imageMappings: [
      { image: 'ghcr.io/bench/*', command: ['node', join(REPO_ROOT, 'demo-service', 'server.mjs')] },
    ],
  });
  const { pods, service } = await deployDemo(cluster);
  const direct = await load([pods[0]!]);
  const directBoth = await load(pods);
  const proxied = await load([service]);
  let viaNginx: LoadResult | undefined;
  if (findNginx()) {
    nginx = await startNginx(pods);
    if (nginx) viaNginx = await load([nginx.url.replace('http://', '')]);
  } else {
    process.stdout.write('  nginx not installed, comparison skipped\n');
  }
  report({
    'connections (keep-alive, closed loop)': CONNECTIONS,
    'duration s (after 1 s warm-up)': DURATION_MS / 1000,
    'load average (1 min) at start': load1,
    ...figures('direct, one pod', direct),
    ...figures('direct, both pods', directBoth),
    ...figures('slipway proxy (2 pods)', proxied),
    ...(viaNginx
      ? figures('nginx (1 worker, 2 pods)', viaNginx)
      : { 'nginx comparison': 'skipped (not installed)' }),
    'ratio proxy/direct (one pod)': proxied.rps / direct.rps,
    'ratio proxy/direct (both pods)': proxied.rps / directBoth.rps,
    ...(viaNginx
      ? {
          'ratio proxy/nginx': proxied.rps / viaNginx.rps,
          'target proxy/nginx >= 0.5': proxied.rps / viaNginx.rps >= 0.5 && proxied.failures === 0,
        }
      : {}),
  });
} finally {
  await nginx?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
