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
import { percentile, report } from './report.ts';
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

function load(targets: string[], durationMs: number): Promise<LoadResult> {
  const cfg: LoadConfig = {
    targets: targets.map((t) => `http://${t}${PATH}`),
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    durationMs,
    raw: true,
  };
  return runNodeClient<LoadResult>('support-loadgen.ts', cfg, WARMUP_MS + durationMs + 15_000);
}

/** Two runs of the same scenario merged: requests/s over both, percentiles over all latencies. */
function merge(a: LoadResult, b: LoadResult, durationMs: number): LoadResult {
  const all = [...(a.latencies ?? []), ...(b.latencies ?? [])].sort((x, y) => x - y);
  return {
    requests: a.requests + b.requests,
    failures: a.failures + b.failures,
    rps: (a.requests + b.requests) / (durationMs / 1000),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    firstError: a.firstError || b.firstError,
  };
}

/**
 * The machine's load drifts (other processes share it), so each scenario runs twice, half the duration
 * each, in mirrored order (A B C D D C B A): a drift favours no scenario.
 */
async function measureAll(
  scenarios: Array<{ name: string; targets: string[] }>,
): Promise<Map<string, LoadResult>> {
  const half = DURATION_MS / 2;
  const first = new Map<string, LoadResult>();
  const out = new Map<string, LoadResult>();
  for (const s of scenarios) first.set(s.name, await load(s.targets, half));
  for (const s of [...scenarios].reverse())
    out.set(s.name, merge(first.get(s.name)!, await load(s.targets, half), DURATION_MS));
  return out;
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
  if (findNginx()) {
    nginx = await startNginx(pods).catch((e: unknown) => {
      process.stdout.write(`  nginx failed to start (${String(e)}), comparison skipped\n`);
      return undefined;
    });
  } else process.stdout.write('  nginx not installed, comparison skipped\n');
  const runs = await measureAll([
    { name: 'direct1', targets: [pods[0]!] },
    { name: 'direct2', targets: pods },
    { name: 'proxy', targets: [service] },
    ...(nginx ? [{ name: 'nginx', targets: [nginx.url.replace('http://', '')] }] : []),
  ]);
  const direct = runs.get('direct1')!;
  const directBoth = runs.get('direct2')!;
  const proxied = runs.get('proxy')!;
  const viaNginx = runs.get('nginx');
  report({
    'connections (keep-alive, closed loop)': CONNECTIONS,
    'duration s per scenario (2 runs, each after 1 s warm-up)': DURATION_MS / 1000,
    'load average (1 min) at start': load1,
    ...figures('direct, one pod', direct),
    ...figures('direct, both pods', directBoth),
    ...figures('slipway proxy (2 pods)', proxied),
    ...(viaNginx ? figures('nginx (1 worker, 2 pods)', viaNginx) : { 'nginx comparison': 'skipped' }),
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
