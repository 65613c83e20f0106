// Smoke tests: `services.<svc>.smokeTests` against one Service (the active one, or blue-green's
// preview before the switch): http checks from slipway, then Job checks run in the cluster with the
// Service's address in SLIPWAY_TARGET_URL (a Job fails the test by exiting non-zero).
// On the local cluster a Service's ClusterIP is a loopback address with ports below 1024 moved up
// (the `slipway.dev/local-ports` annotation says where); on a real cluster the ClusterIP is only
// reachable from inside it, so these checks assume slipway runs there (or through a VPN).
import type { ServiceConfig } from '../config/schema.ts';
import type { KubeClient } from '../kube/client.ts';
import { parseDuration } from '../shared/duration.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { ReleaseFailure } from './failure.ts';
import { DEFAULT_HOOK_TIMEOUT_MS, hookJob, jobName, runJob } from './hooks.ts';
import type { StrategyContext } from './types.ts';

const LOCAL_PORTS_ANNOTATION = 'slipway.dev/local-ports';
const RETRY_DELAY_MS = 500;

type HttpSmokeTest = {
  name: string;
  http: {
    path: string;
    port?: string | number;
    expectStatus?: number;
    expectBody?: string;
    retries?: number;
  };
};

type JobSmokeTest = Extract<NonNullable<ServiceConfig['smokeTests']>[number], { job: unknown }>;

export function httpSmokeTests(config: ServiceConfig): HttpSmokeTest[] {
  return (config.smokeTests ?? []).filter((t): t is HttpSmokeTest => 'http' in t);
}

export function jobSmokeTests(config: ServiceConfig): JobSmokeTest[] {
  return (config.smokeTests ?? []).filter((t): t is JobSmokeTest => 'job' in t);
}

/** The base URL of a Service port (by number or name; default its first port). */
export function serviceUrl(svc: KubeObject, port?: string | number): string | undefined {
  const spec = (svc.spec ?? {}) as { clusterIP?: string; ports?: Array<{ name?: string; port: number }> };
  const ports = spec.ports ?? [];
  const p =
    port === undefined
      ? ports[0]
      : (ports.find((x) => x.name === port || x.port === Number(port)) ??
        (typeof port === 'number' ? { port } : undefined));
  if (!spec.clusterIP || spec.clusterIP === 'None' || !p) return undefined;
  let local = p.port;
  const mapping = svc.metadata.annotations?.[LOCAL_PORTS_ANNOTATION];
  if (mapping) {
    try {
      const m = JSON.parse(mapping) as Record<string, number>;
      local = m[String(p.port)] ?? local;
    } catch {
      // not ours to judge; use the port as declared
    }
  }
  const host = spec.clusterIP.includes(':') ? `[${spec.clusterIP}]` : spec.clusterIP;
  return `http://${host}:${local}`;
}

/** Waits (briefly) until the local cluster's proxy has given the Service its loopback address. */
async function addressedService(client: KubeClient, name: string, namespace: string): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const svc = await client.get('v1', 'Service', name, namespace);
    if (svc?.metadata.annotations?.[LOCAL_PORTS_ANNOTATION] || attempt >= 10) break;
    if (svc && !(svc.spec as { clusterIP?: string }).clusterIP?.startsWith('127.')) break; // a real cluster
    await new Promise((r) => setTimeout(r, 200));
  }
  const svc = await client.get('v1', 'Service', name, namespace);
  if (!svc) throw new ReleaseFailure(`smoke tests: Service ${name} does not exist`);
  return svc;
}

async function httpCheck(svc: KubeObject, t: HttpSmokeTest): Promise<string> {
  const base = serviceUrl(svc, t.http.port);
  if (!base)
    throw new ReleaseFailure(`smoke test "${t.name}": Service ${svc.metadata.name} has no reachable address`);
  const url = `${base}${t.http.path.startsWith('/') ? '' : '/'}${t.http.path}`;
  const expect = t.http.expectStatus ?? 200;
  let last = '';
  const tries = (t.http.retries ?? 2) + 1;
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      if (res.status !== expect)
        last = `GET ${url} answered ${res.status}, expected ${expect}: ${body.slice(0, 200)}`;
      else if (t.http.expectBody !== undefined && !body.includes(t.http.expectBody))
        last = `GET ${url} answered without "${t.http.expectBody}": ${body.slice(0, 200)}`;
      else return url;
    } catch (e) {
      last = `GET ${url} failed: ${(e as Error).message}`;
    }
    if (i + 1 < tries) await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
  }
  // The last answer goes into the reason too: it is what a person reading the history needs first.
  throw new ReleaseFailure(`smoke test "${t.name}" failed against ${svc.metadata.name}: ${last}`, last);
}

/**
 * Runs every smoke test of the service against the Service `target` (http ones first, then Jobs);
 * throws a ReleaseFailure naming the first that fails. `label` tells apart the Jobs of two runs of
 * one release (blue-green's preview and active). Safe to run again: Jobs are reused by name.
 */
export async function runSmokeTests(
  ctx: StrategyContext,
  o: { target: string; label?: string },
): Promise<string | undefined> {
  const http = httpSmokeTests(ctx.serviceConfig);
  const jobs = jobSmokeTests(ctx.serviceConfig);
  if (http.length + jobs.length === 0) return undefined;
  const svc = await addressedService(ctx.client, o.target, ctx.namespace);
  const passed: string[] = [];
  for (const t of http) {
    const url = await httpCheck(svc, t);
    ctx.events.log(`smoke test "${t.name}" passed (GET ${url})`);
    passed.push(t.name);
  }
  const targetUrl = serviceUrl(svc) ?? '';
  for (const t of jobs) {
    const r = ctx.release;
    const name = jobName(`${r.service}-smoke-${t.name}${o.label ? `-${o.label}` : ''}`, `r${r.revision}`);
    const job = hookJob(
      ctx,
      { ...t.job, name: t.name },
      {
        name,
        kind: 'smoke-test',
        env: { SLIPWAY_TARGET_SERVICE: o.target, SLIPWAY_TARGET_URL: targetUrl },
      },
    );
    await runJob(ctx, job, {
      what: `smoke test "${t.name}" against ${o.target}`,
      timeoutMs: t.job.timeout ? parseDuration(t.job.timeout) : DEFAULT_HOOK_TIMEOUT_MS,
    });
    passed.push(t.name);
  }
  return `${passed.length} passed against ${o.target}: ${passed.join(', ')}`;
}
