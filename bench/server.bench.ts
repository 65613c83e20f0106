// `slipway serve` under load, against the embedded local cluster in this process:
//  1. GET /environments/{env}/status of a generated platform of 500 services × 4 environments, with
//     history Secrets (2 revisions per service) and a 0-replica Deployment per service seeded directly
//     through the kube client; p99 answered from the status cache (target < 50 ms) against the same
//     request reading the cluster per request (the reference, measured here too).
//  2. SSE latency from emit to client with 500 subscribers to one run, over a real loopback HTTP
//     server, the clients in another process (target p99 < 100 ms); reference: one subscriber.
//  3. Orchestration overhead per step of 200 concurrent rolling releases of 1-replica services,
//     started through the API of one server; the pods are the local cluster's simulated containers
//     (unmapped images: no process). Target p99 < 250 ms per step; reference: one release alone.
//     Counts 25, 50, 100… up to 200 on fresh services; the largest count that all deployed is reported.
// The local cluster runs in a process of its own (as `slipway cluster up` runs it) and the SSE clients
// in another, so the server's event loop is its own, as it would be in front of a real cluster.
// Counts: BENCH_SERVICES (500), BENCH_SUBSCRIBERS (500), BENCH_RELEASES (200).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform } from '../src/config/load.ts';
import { namespaceFor } from '../src/config/model.ts';
import { connect, type KubeClient } from '../src/kube/client.ts';
import { encodeRelease, type ReleaseRecord } from '../src/release/history.ts';
import { createApp } from '../src/server/app.ts';
import type { Authenticator } from '../src/server/auth.ts';
import type { ServerDeps } from '../src/server/deps.ts';
import { ServerMetrics } from '../src/server/metrics.ts';
import { RunRegistry } from '../src/server/runs.ts';
import { StatusCache } from '../src/server/status-cache.ts';
import { openStore } from '../src/store/index.ts';
import { BENCH_ENVIRONMENTS, serviceName, writeSlipwayPlatform } from './generate.ts';
import { percentile, report } from './report.ts';
import { startClusterProcess } from './support-proc.ts';
import { p, releaseOverhead, sseLatency, timedClient } from './support-server.ts';

const SERVICES = Number(process.env.BENCH_SERVICES ?? 500);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 500);
const RELEASES = Number(process.env.BENCH_RELEASES ?? 200);
const TOKEN = 'bench-token';
const load = () => loadavg()[0]!.toFixed(2);

const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-server-'));
writeSlipwayPlatform(dir, SERVICES);
const platform = await loadPlatform(dir);
const cluster = await startClusterProcess(join(dir, '.slipway', 'cluster'));
const store = await openStore(undefined, dir);
const cache = new StatusCache(async (_p, env) => clients.get(env));
const figures: Record<string, number | string | boolean> = { 'load average (1 min) at start': load() };
const clients = new Map<string, KubeClient>();
try {
  for (const env of BENCH_ENVIRONMENTS) {
    const c = await connect({
      kubeconfigPath: cluster.kubeconfigPath,
      namespace: namespaceFor(platform, env),
    });
    await c.ensureNamespace(namespaceFor(platform, env));
    clients.set(env, c);
  }
  const table: Authenticator = {
    authenticate: async (t) =>
      t === TOKEN ? { name: 'bench', authenticated: true, source: 'test', credential: 'bench…' } : undefined,
  };
  const deps = (statusCache: StatusCache | undefined): ServerDeps => ({
    platform: () => platform,
    store,
    connect: async (_p, env) => clients.get(env),
    authenticators: [table],
    runs: new RunRegistry(),
    metrics: new ServerMetrics(),
    version: 'bench',
    statusCache,
  });

  // --- 1. status: seed, then cached vs. reading the cluster ---------------------------------------
  const t0 = performance.now();
  const jobs: Array<() => Promise<unknown>> = [];
  for (const env of BENCH_ENVIRONMENTS) {
    const c = clients.get(env)!;
    const ns = namespaceFor(platform, env);
    for (let i = 0; i < SERVICES; i++) {
      const service = serviceName(i);
      const workload = seedDeployment(`${service}-seed`, `ghcr.io/bench/${service}:v1.${i % 7}.0`);
      jobs.push(() => c.create(workload));
      for (const revision of [1, 2])
        jobs.push(() => c.create(encodeRelease(seedRecord(env, service, revision, workload), ns)));
    }
  }
  await pool(jobs, 16);
  figures['seeded objects (Secrets + Deployments)'] = jobs.length;
  figures['seed time (s)'] = (performance.now() - t0) / 1000;

  const cachedApp = createApp(deps(cache));
  const plainApp = createApp(deps(undefined));
  const get = async (app: ReturnType<typeof createApp>, env: string) => {
    const s = performance.now();
    const res = await app.request(`/api/v1/environments/${env}/status`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`status ${env}: ${res.status} ${body.slice(0, 300)}`);
    return { ms: performance.now() - s, body };
  };
  process.stderr.write('server.bench: status…\n');
  const s0 = performance.now();
  await Promise.all(BENCH_ENVIRONMENTS.map((env) => cache.warm(platform, env)));
  figures['status cache: first sync of 4 environments (ms)'] = performance.now() - s0;
  const cached: number[] = [];
  for (let i = 0; i < 200; i++) cached.push((await get(cachedApp, BENCH_ENVIRONMENTS[i % 4]!)).ms);
  const plain: number[] = [];
  for (let i = 0; i < 8; i++) plain.push((await get(plainApp, BENCH_ENVIRONMENTS[i % 4]!)).ms);
  cached.sort((a, b) => a - b);
  plain.sort((a, b) => a - b);
  const same = (await get(cachedApp, 'production')).body === (await get(plainApp, 'production')).body;
  figures['status: services × environments'] = `${SERVICES} × ${BENCH_ENVIRONMENTS.length}`;
  figures['status cached p50 (ms)'] = percentile(cached, 50);
  figures['status cached p99 (ms, 200 requests)'] = percentile(cached, 99);
  figures['status reference (no cache) p50 (ms)'] = percentile(plain, 50);
  figures['status reference (no cache) p99 (ms, 8 requests)'] = percentile(plain, 99);
  figures['status p99 ratio reference / cached'] = percentile(plain, 99) / percentile(cached, 99);
  figures['status cached answer equals reference'] = same;
  figures['status p99 under 50 ms'] = percentile(cached, 99) < 50;
  figures['load average after status'] = load();

  process.stderr.write('server.bench: SSE…\n');
  // --- 2. SSE fan-out -------------------------------------------------------------------------------
  const one = await sseLatency(deps(undefined), TOKEN, 1, 40);
  const many = await sseLatency(deps(undefined), TOKEN, SUBSCRIBERS, 40);
  figures['SSE subscribers'] = SUBSCRIBERS;
  figures['SSE deliveries measured'] = many.sorted.length;
  figures['SSE deliveries missed (2 s)'] = many.missed;
  figures['SSE emit→client p50 (ms)'] = p(many.sorted, 50);
  figures['SSE emit→client p99 (ms)'] = p(many.sorted, 99);
  figures['SSE reference: 1 subscriber p99 (ms)'] = p(one.sorted, 99);
  figures['SSE p99 ratio N subscribers / 1'] = p(many.sorted, 99) / p(one.sorted, 99);
  figures['SSE p99 under 100 ms'] = p(many.sorted, 99) < 100;
  figures['load average after SSE'] = load();

  // --- 3. concurrent releases on simulated pods ----------------------------------------------------
  // Rolling services only (generate.ts makes every 10th a canary and the next a blue-green).
  const rolling = Array.from({ length: SERVICES }, (_, i) => i)
    .filter((i) => i % 10 >= 2)
    .map(serviceName);
  const env = 'development';
  const relDeps: ServerDeps = {
    ...deps(undefined),
    connect: async (_p, e) => {
      const c = clients.get(e);
      return c && timedClient(c);
    },
  };
  const relApp = createApp(relDeps);
  const common = {
    app: relApp,
    deps: relDeps,
    client: clients.get(env)!,
    platform,
    environment: env,
    namespace: namespaceFor(platform, env),
    token: TOKEN,
  };
  const alone = await releaseOverhead({ ...common, services: [rolling[0]!], tag: 'v9.0.0' });
  figures['reference: one release alone, per step p99 (ms)'] = p(alone.perStep, 99);
  figures['reference: one release alone, own time per step p99 (ms)'] = p(alone.ownPerStep, 99);
  // Ascending counts on fresh services, up to RELEASES; the largest count whose releases all
  // deployed is reported (an overloaded process loses its locks: the machine's limit, not a bug).
  let from = 1;
  let carried: Awaited<ReturnType<typeof releaseOverhead>> | undefined;
  for (let count = Math.min(25, RELEASES); ; count = Math.min(count * 2, RELEASES)) {
    if (from + count > rolling.length) break;
    process.stderr.write(`server.bench: ${count} concurrent releases…\n`);
    const crowd = await releaseOverhead({
      ...common,
      services: rolling.slice(from, from + count),
      tag: 'v9.0.0',
    });
    from += count;
    figures[`${count} concurrent: deployed / failed / wall s`] =
      `${crowd.ok} / ${crowd.failed.length} / ${(crowd.wallMs / 1000).toFixed(1)}`;
    figures[`${count} concurrent: per step p99 (ms)`] = p(crowd.perStep, 99);
    figures[`${count} concurrent: own time per step p99 (ms)`] = p(crowd.ownPerStep, 99);
    if (crowd.failed.length) {
      figures[`${count} concurrent: first failure`] = crowd.failed[0]!.slice(0, 160);
      break;
    }
    carried = crowd;
    if (count >= RELEASES) break;
  }
  const n = carried?.ok ?? 0;
  figures['largest count carried (all deployed)'] = n;
  figures['target count'] = RELEASES;
  if (carried) {
    figures[`per step incl. API-server waits p50 at ${n} (ms)`] = p(carried.perStep, 50);
    figures[`per step incl. API-server waits p99 at ${n} (ms)`] = p(carried.perStep, 99);
    for (const [name, v] of carried.byStep) figures[`  step ${name} p99 (ms)`] = p(v, 99);
    figures[`orchestration overhead (own time) per step p50 at ${n} (ms)`] = p(carried.ownPerStep, 50);
    figures[`orchestration overhead (own time) per step p99 at ${n} (ms)`] = p(carried.ownPerStep, 99);
    figures['own time p99 ratio concurrent / alone'] = p(carried.ownPerStep, 99) / p(alone.ownPerStep, 99);
    figures['orchestration overhead per step p99 under 250 ms'] = p(carried.ownPerStep, 99) < 250;
  }
  figures['load average at end'] = load();
  report(figures);
} finally {
  cache.stop();
  await store.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}

function seedDeployment(name: string, image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

function seedRecord(
  env: string,
  service: string,
  revision: number,
  workload: ReturnType<typeof seedDeployment>,
) {
  return {
    platform: platform.platform.name,
    service,
    environment: env,
    revision,
    status: revision === 2 ? 'deployed' : 'superseded',
    strategy: 'rolling',
    version: { tag: `v1.${revision}.0` },
    values: { replicaCount: 0 },
    manifests: [workload],
    startedBy: 'bench',
    startedAt: new Date(Date.now() - (3 - revision) * 3600_000).toISOString(),
    endedAt: new Date(Date.now() - (3 - revision) * 3600_000 + 60_000).toISOString(),
    steps: [],
  } as ReleaseRecord;
}

async function pool(jobs: Array<() => Promise<unknown>>, width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
}
