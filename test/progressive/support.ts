// One local cluster per test file running the progressive fixture platform (copied to a temporary
// directory), a client, a load loop through the service proxy, and reads of the proxy's per-version
// counters. Every process started here is stopped by close().
import { resolve } from 'node:path';
import type { LoadedPlatform } from '../../src/config/load.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { deploy } from '../../src/release/index.ts';
import { serviceUrl } from '../../src/release/smoke.ts';
import type { ReleaseEvents } from '../../src/release/types.ts';
import { NAMESPACE, recordingEvents, startFixtureEnv } from '../release/support.ts';

export const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'shop');
export { NAMESPACE, recordingEvents };

export interface ProgressiveEnv {
  dir: string;
  platform: LoadedPlatform;
  cluster: LocalCluster;
  client: KubeClient;
  close(): Promise<void>;
}

export async function startProgressiveEnv(): Promise<ProgressiveEnv> {
  // Concurrent local clusters on one machine hand out the same pod addresses (127.1.0.x); a container
  // port of our own keeps our pods from colliding with other test runs' pods on :8080.
  return startFixtureEnv(
    FIXTURE,
    'slipway-progressive-',
    `ports:\n  http: ${20_000 + (process.pid % 20_000)}\n`,
  );
}

export function release(
  env: ProgressiveEnv,
  service: string,
  tag: string,
  set: string[] = [],
  events: ReleaseEvents = recordingEvents(),
) {
  return deploy(
    env.client,
    {
      platform: env.platform,
      service,
      environment: 'dev',
      overrides: { imageTag: tag, set },
      user: 'tester',
    },
    events,
  );
}

export async function serviceAddress(env: ProgressiveEnv, name: string): Promise<string | undefined> {
  const svc = await env.client.get('v1', 'Service', name, NAMESPACE);
  return svc ? serviceUrl(svc) : undefined;
}

export interface TrafficSummary {
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
  /** Epoch ms of each failed request. */
  failedAt: number[];
  failedByVersion: Record<string, number>;
}

/** Calls `<url>/api/info` over and over (`concurrency` loops) until stopped. */
export function loadLoop(
  url: string,
  o: { headers?: Record<string, string>; concurrency?: number; pauseMs?: number } = {},
): { stop(): Promise<TrafficSummary>; snapshot(): TrafficSummary } {
  let running = true;
  const s: TrafficSummary = { ok: 0, failed: 0, byVersion: {}, failedAt: [], failedByVersion: {} };
  const one = async () => {
    while (running) {
      try {
        const res = await fetch(`${url}/api/info`, {
          signal: AbortSignal.timeout(3000),
          ...(o.headers ? { headers: o.headers } : {}),
        });
        await res.text();
        const v = res.headers.get('x-version') ?? '?';
        if (res.status === 200) {
          s.ok++;
          s.byVersion[v] = (s.byVersion[v] ?? 0) + 1;
        } else {
          s.failed++;
          s.failedAt.push(Date.now());
          s.failedByVersion[v] = (s.failedByVersion[v] ?? 0) + 1;
        }
      } catch {
        s.failed++;
        s.failedAt.push(Date.now());
        s.failedByVersion['?'] = (s.failedByVersion['?'] ?? 0) + 1;
      }
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  const loops = Array.from({ length: o.concurrency ?? 2 }, one);
  return {
    snapshot: () => ({
      ...s,
      byVersion: { ...s.byVersion },
      failedAt: [...s.failedAt],
      failedByVersion: { ...s.failedByVersion },
    }),
    async stop() {
      running = false;
      await Promise.all(loops);
      return s;
    },
  };
}

export interface Destination {
  workload: string;
  version: string;
  requests: number;
  errors: number;
}

/** The proxy's counters per destination workload/version of a Service since `since` (epoch ms). */
export async function proxyCounts(
  env: ProgressiveEnv,
  service: string,
  since: number,
): Promise<Destination[]> {
  const url = new URL('/query', env.cluster.metricsUrl);
  url.search = new URLSearchParams({ service, namespace: NAMESPACE, since: String(since) }).toString();
  const body = (await (await fetch(url)).json()) as { destinations?: Destination[] };
  return body.destinations ?? [];
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * No request failed, except at most `transport` without an answer from a pod (the local proxy can
 * still pick a pod whose termination its endpoints have not caught up with; see the report).
 */
export function failuresWithin(s: TrafficSummary, transport = 1): string | undefined {
  const other = Object.entries(s.failedByVersion).filter(([v]) => v !== '?');
  const noAnswer = s.failedByVersion['?'] ?? 0;
  return other.length > 0 || noAnswer > transport
    ? `${s.failed} failed requests ${JSON.stringify(s.failedByVersion)} at ${s.failedAt.map((t) => new Date(t).toISOString()).join(', ')}`
    : undefined;
}
