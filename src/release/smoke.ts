// Post-deploy smoke tests: `services.<svc>.smokeTests` http checks against the service's Service.
// On the local cluster a Service's ClusterIP is a loopback address with ports below 1024 moved up
// (the `slipway.dev/local-ports` annotation says where); on a real cluster the ClusterIP is only
// reachable from inside it, so these checks assume slipway runs there (or through a VPN).
import type { ServiceConfig } from '../config/schema.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { ReleaseFailure } from './failure.ts';

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

export function httpSmokeTests(config: ServiceConfig): HttpSmokeTest[] {
  return (config.smokeTests ?? []).filter((t): t is HttpSmokeTest => 'http' in t);
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

/** Runs every http smoke test; throws a ReleaseFailure naming the first that fails. */
export async function runSmokeTests(
  client: KubeClient,
  o: { service: string; namespace: string; config: ServiceConfig; log: (line: string) => void },
): Promise<string | undefined> {
  const tests = httpSmokeTests(o.config);
  if (tests.length === 0) return undefined;
  for (let attempt = 0; ; attempt++) {
    const svc = await client.get('v1', 'Service', o.service, o.namespace);
    if (svc?.metadata.annotations?.[LOCAL_PORTS_ANNOTATION] || attempt >= 10) break;
    if (svc && !(svc.spec as { clusterIP?: string }).clusterIP?.startsWith('127.')) break; // a real cluster
    await new Promise((r) => setTimeout(r, 200)); // the local proxy has not given it an address yet
  }
  const svc = await client.get('v1', 'Service', o.service, o.namespace);
  if (!svc) throw new ReleaseFailure(`smoke tests: Service ${o.service} does not exist`);
  const passed: string[] = [];
  for (const t of tests) {
    const base = serviceUrl(svc, t.http.port);
    if (!base)
      throw new ReleaseFailure(`smoke test "${t.name}": Service ${o.service} has no reachable address`);
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
        else {
          last = '';
          break;
        }
      } catch (e) {
        last = `GET ${url} failed: ${(e as Error).message}`;
      }
      if (i + 1 < tries) await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    }
    if (last) throw new ReleaseFailure(`smoke test "${t.name}" failed`, last);
    o.log(`smoke test "${t.name}" passed (GET ${url})`);
    passed.push(t.name);
  }
  return `${passed.length} passed: ${passed.join(', ')}`;
}
