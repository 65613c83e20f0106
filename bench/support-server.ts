// Parts of bench/server.bench.ts: SSE fan-out latency over a real loopback HTTP server, and the
// orchestration overhead per step of many concurrent releases driven through the API of one server.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoadedPlatform } from '../src/config/load.ts';
import type { KubeClient } from '../src/kube/client.ts';
import { serviceTarget } from '../src/release/target.ts';
import type { createApp } from '../src/server/app.ts';
import type { ServerDeps } from '../src/server/deps.ts';
import { startServer } from '../src/server/serve.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';
import { percentile } from './report.ts';
import { runNodeClient } from './support-proc.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `subscribers` clients in another process (support-sse-client.ts) follow one run's events over SSE
 * (loopback HTTP); once all are connected, `events` events are emitted 100 ms apart, each carrying
 * its emit time. Answers the emit→client latencies in ms and how many deliveries were missed.
 */
export async function sseLatency(
  deps: ServerDeps,
  token: string,
  subscribers: number,
  events: number,
): Promise<{ sorted: number[]; missed: number }> {
  const server = await startServer(deps);
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const run = await deps.runs.start(
    { kind: 'bench', environment: 'development', startedBy: 'bench' },
    async (r) => {
      r.emit('log', 'start');
      await finished;
    },
  );
  try {
    const client = runNodeClient<{ latencies: number[]; missed: number; connected: number }>(
      'support-sse-client.ts',
      {
        url: `${server.url}/api/v1/runs/${run.view.id}/events`,
        token,
        subscribers,
        events,
        deadlineMs: 60_000 + events * 200,
      },
      120_000 + events * 200,
    );
    for (let waited = 0; run.subscribers < subscribers && waited < 60_000; waited += 20) await sleep(20);
    await sleep(200);
    for (let i = 0; i < events; i++) {
      run.emit('log', { t: Date.now(), i });
      await sleep(100);
    }
    const r = await client;
    return { sorted: r.latencies.sort((a, b) => a - b), missed: r.missed };
  } finally {
    finish();
    await server.close();
  }
}

/** The API-server requests of one release: [start, end] in epoch ms, collected per release. */
const kubeWaits = new AsyncLocalStorage<Array<[number, number]>>();

/**
 * The client a benchmarked server uses: every call that answers a promise is timed into the calling
 * release's list (the release's async context started in its deploy request), so the time slipway
 * spends waiting on the API server can be told apart from its own.
 */
export function timedClient(client: KubeClient): KubeClient {
  return new Proxy(client, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function' || key === 'watch') return v;
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        const list = kubeWaits.getStore();
        if (!list || !(out instanceof Promise)) return out;
        const t = Date.now();
        return out.finally(() => list.push([t, Date.now()]));
      };
    },
  });
}

/** Milliseconds of [from, to] covered by the union of `intervals`. */
function covered(intervals: ReadonlyArray<[number, number]>, from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = from;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/**
 * Deploys `services` concurrently through the API (one request each, as a client would), on the
 * local cluster's simulated pods, waits for every run to end, and answers each release's overhead
 * per step: every step's time (with the gap before it) except the rollout wait, where only the time
 * from the Deployment being rolled out (seen by an independent watch) to the step ending counts.
 * `ownPerStep` is the same less the time the release waited on API-server requests (timedClient):
 * slipway's own orchestration time, apart from what the (here simulated) API server takes.
 */
export async function releaseOverhead(o: {
  app: ReturnType<typeof createApp>;
  deps: ServerDeps;
  client: KubeClient;
  platform: LoadedPlatform;
  environment: string;
  namespace: string;
  services: string[];
  token: string;
  tag: string;
}): Promise<{
  perStep: number[];
  ownPerStep: number[];
  byStep: Map<string, number[]>;
  ok: number;
  failed: string[];
  wallMs: number;
}> {
  const rolledOut = new Map<string, number>();
  const isDone = (d: KubeObject) => {
    const s = (d.status ?? {}) as Record<string, number>;
    const want = (d.spec as { replicas?: number }).replicas ?? 1;
    return (
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      s.updatedReplicas === want &&
      s.availableReplicas === want &&
      s.replicas === want
    );
  };
  const watch = await o.client.watch('apps/v1', 'Deployment', { namespace: o.namespace }, (e) => {
    const name = e.object.metadata.name ?? '';
    if (e.type === 'DELETED') return;
    const image = JSON.stringify(e.object.spec);
    if (image.includes(`:${o.tag}"`) && isDone(e.object) && !rolledOut.has(name))
      rolledOut.set(name, Date.now());
  });
  const t0 = Date.now();
  const failed: string[] = [];
  const waitsOf = new Map<string, Array<[number, number]>>();
  try {
    const ids = await Promise.all(
      o.services.map(async (service) => {
        const waits: Array<[number, number]> = [];
        waitsOf.set(service, waits);
        const res = await kubeWaits.run(waits, () =>
          o.app.request(`/api/v1/environments/${o.environment}/services/${service}/deploy`, {
            method: 'POST',
            headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              set: ['replicaCount=1'],
              imageTag: o.tag,
              reason: 'bench',
              timeout: '120s',
            }),
          }),
        );
        if (res.status !== 202) {
          failed.push(`${service}: ${res.status} ${(await res.text()).slice(0, 200)}`);
          return undefined;
        }
        return ((await res.json()) as { id: string }).id;
      }),
    );
    for (const id of ids) {
      if (!id) continue;
      const run = o.deps.runs.get(id)!;
      while (!run.done) await sleep(50);
      if (run.view.status !== 'succeeded')
        failed.push(`${run.view.service}: ${run.view.error?.detail ?? run.view.status}`);
    }
  } finally {
    watch.stop();
  }
  const wallMs = Date.now() - t0;
  const perStep: number[] = [];
  const ownPerStep: number[] = [];
  const byStep = new Map<string, number[]>();
  let ok = 0;
  for (const service of o.services) {
    const t = serviceTarget(o.client, { platform: o.platform, service, environment: o.environment });
    const r = await t.history.latest(service);
    if (r?.status !== 'deployed' || r.version.tag !== o.tag) continue;
    ok++;
    let prevEnd = Date.parse(r.startedAt);
    for (const s of r.steps) {
      if (!s.endedAt) continue;
      const end = Date.parse(s.endedAt);
      // The rolling service's Deployment is named after it; the rollout itself is not overhead.
      const seen = rolledOut.get(service);
      const from = s.name === 'track rollout' && seen !== undefined ? Math.max(seen, prevEnd) : prevEnd;
      const ms = Math.max(0, end - from);
      perStep.push(ms);
      ownPerStep.push(Math.max(0, ms - covered(waitsOf.get(service) ?? [], end - ms, end)));
      byStep.set(s.name, [...(byStep.get(s.name) ?? []), ms]);
      prevEnd = end;
    }
  }
  perStep.sort((a, b) => a - b);
  ownPerStep.sort((a, b) => a - b);
  for (const v of byStep.values()) v.sort((a, b) => a - b);
  return { perStep, ownPerStep, byStep, ok, failed, wallMs };
}

export const p = (sorted: readonly number[], q: number) => percentile(sorted, q);
