// Route tables for the service proxy, rebuilt whenever a Service, Endpoints, Pod, VirtualService,
// DestinationRule, HTTPRoute or Ingress changes (never per request). A table lists, per Service, the
// HTTP routes in order (first match wins), each with weighted backends; a backend is a Service,
// optionally narrowed to a DestinationRule subset, whose ready endpoints are kept per port.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { Obj } from '../controllers/util.ts';

export interface Endpoint {
  ip: string;
  port: number;
  pod: string;
  labels: Record<string, string>;
  workload: string;
  version: string;
}

export interface HeaderMatch {
  name: string;
  kind: 'exact' | 'prefix' | 'regex' | 'present';
  value: string;
  re?: RegExp;
}

export interface Match {
  headers: HeaderMatch[];
  path?: { kind: 'exact' | 'prefix' | 'regex'; value: string; re?: RegExp };
  method?: string;
}

export interface Backend {
  /** `namespace/name` of the Service. */
  service: string;
  /** Target service port number; undefined keeps the port the request came in on. */
  port?: number;
  subset?: Record<string, string>;
  weight: number;
  /** Round-robin position among the backend's endpoints. */
  rr: number;
}

export interface Route {
  /** Any one of these must match; an empty list matches everything. */
  matches: Match[];
  backends: Backend[];
  totalWeight: number;
  /** Where the route came from, for `cluster status`. */
  source: string;
}

export interface ServiceInfo {
  key: string;
  namespace: string;
  name: string;
  ports: Array<{ name?: string; port: number; protocol: string; appProtocol?: string }>;
  /** Ready endpoints by service port number. */
  endpoints: Map<number, Endpoint[]>;
}

export interface RouteTables {
  services: Map<string, ServiceInfo>;
  routes: Map<string, Route[]>;
}

export interface RoutingInput {
  services: KubeObject[];
  endpoints: KubeObject[];
  pods: KubeObject[];
  virtualServices: KubeObject[];
  destinationRules: KubeObject[];
  httpRoutes: KubeObject[];
  ingresses: KubeObject[];
}

const spec = (o: KubeObject) => (o.spec as Obj | undefined) ?? {};

/** The workload a pod belongs to: its Deployment (ReplicaSet name minus the hash) or its owner. */
export function workloadOf(pod: KubeObject): string {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!ref) return pod.metadata.name ?? 'unknown';
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`))
    return ref.name.slice(0, -hash.length - 1);
  return ref.name;
}

export function versionOf(labels: Record<string, string> | undefined): string {
  return labels?.['app.kubernetes.io/version'] ?? labels?.version ?? 'unknown';
}

/** Resolves a host name (short, `name.ns`, `name.ns.svc[.cluster.local]`) to `ns/name`. */
export function hostToService(host: string, defaultNs: string): string {
  const parts = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  return parts.length >= 2 ? `${parts[1]}/${parts[0]}` : `${defaultNs}/${parts[0]}`;
}

function compileHeaderMatches(headers: Obj | undefined): HeaderMatch[] {
  const out: HeaderMatch[] = [];
  for (const [name, m] of Object.entries(headers ?? {})) {
    const mm = (m ?? {}) as Obj;
    const lname = name.toLowerCase();
    if (typeof mm.exact === 'string') out.push({ name: lname, kind: 'exact', value: mm.exact });
    else if (typeof mm.prefix === 'string') out.push({ name: lname, kind: 'prefix', value: mm.prefix });
    else if (typeof mm.regex === 'string')
      out.push({ name: lname, kind: 'regex', value: mm.regex, re: new RegExp(`^(?:${mm.regex})$`) });
    else out.push({ name: lname, kind: 'present', value: '' });
  }
  return out;
}

function compilePath(kind: string, value: string): NonNullable<Match['path']> {
  if (kind === 'regex') return { kind, value, re: new RegExp(`^(?:${value})`) };
  return { kind: kind as 'exact' | 'prefix', value };
}

export function matches(
  route: Route,
  headers: Record<string, string | string[] | undefined>,
  url: string,
  method: string,
): boolean {
  if (route.matches.length === 0) return true;
  const path = url.split('?')[0] ?? '/';
  outer: for (const m of route.matches) {
    if (m.method && m.method !== method) continue;
    if (m.path) {
      const p = m.path;
      const ok =
        p.kind === 'exact'
          ? path === p.value
          : p.kind === 'prefix'
            ? path.startsWith(p.value)
            : p.re!.test(path);
      if (!ok) continue;
    }
    for (const h of m.headers) {
      const raw = headers[h.name];
      const v = Array.isArray(raw) ? raw[0] : raw;
      if (v === undefined) continue outer;
      if (h.kind === 'exact' && v !== h.value) continue outer;
      if (h.kind === 'prefix' && !v.startsWith(h.value)) continue outer;
      if (h.kind === 'regex' && !h.re!.test(v)) continue outer;
    }
    return true;
  }
  return false;
}

function route(matchesList: Match[], backends: Array<Omit<Backend, 'rr'>>, source: string): Route {
  const bs = backends.map((b) => ({ ...b, rr: 0 }));
  return { matches: matchesList, backends: bs, totalWeight: bs.reduce((s, b) => s + b.weight, 0), source };
}

/** Istio weights: an unweighted single destination gets everything; all unweighted split evenly. */
function weights(list: Array<{ weight?: unknown }>): number[] {
  if (list.every((d) => d.weight === undefined)) return list.map(() => 1);
  return list.map((d) => Number(d.weight ?? 0));
}

export function buildRouteTables(input: RoutingInput): RouteTables {
  const podsByKey = new Map<string, KubeObject>();
  for (const p of input.pods) podsByKey.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
  const services = new Map<string, ServiceInfo>();
  const endpointsByKey = new Map<string, KubeObject>();
  for (const e of input.endpoints) endpointsByKey.set(`${e.metadata.namespace}/${e.metadata.name}`, e);
  for (const svc of input.services) {
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    const key = `${ns}/${name}`;
    const ports = ((spec(svc).ports as ServiceInfo['ports'] | undefined) ?? []).map((p) => ({
      ...p,
      protocol: p.protocol ?? 'TCP',
    }));
    const info: ServiceInfo = { key, namespace: ns, name, ports, endpoints: new Map() };
    const ep = endpointsByKey.get(key);
    for (const sp of ports) {
      const list: Endpoint[] = [];
      for (const subset of (ep?.subsets as Obj[] | undefined) ?? []) {
        const eports = (subset.ports as Array<{ name?: string; port: number }> | undefined) ?? [];
        const eport = sp.name
          ? eports.find((p) => p.name === sp.name)
          : eports.length === 1
            ? eports[0]
            : eports.find((p) => !p.name);
        if (!eport) continue;
        for (const a of (subset.addresses as Obj[] | undefined) ?? []) {
          const ref = (a.targetRef as Obj | undefined) ?? {};
          const pod = podsByKey.get(`${ref.namespace ?? ns}/${ref.name}`);
          const labels = pod?.metadata.labels ?? {};
          list.push({
            ip: String(a.ip),
            port: eport.port,
            pod: String(ref.name ?? a.ip),
            labels,
            workload: pod ? workloadOf(pod) : name,
            version: versionOf(labels),
          });
        }
      }
      info.endpoints.set(sp.port, list);
    }
    services.set(key, info);
  }

  const routes = new Map<string, Route[]>();
  // NGINX ingress canaries (lowest precedence).
  const mainByHost = new Map<string, string>();
  const backendOf = (ing: KubeObject): { host: string; service: string; port?: number } | undefined => {
    const ns = ing.metadata.namespace ?? 'default';
    for (const rule of (spec(ing).rules as Obj[] | undefined) ?? []) {
      for (const p of ((rule.http as Obj | undefined)?.paths as Obj[] | undefined) ?? []) {
        const svc = ((p.backend as Obj | undefined)?.service as Obj | undefined) ?? {};
        if (svc.name) {
          const port = ((svc.port as Obj | undefined)?.number as number | undefined) ?? undefined;
          return { host: String(rule.host ?? '*'), service: `${ns}/${svc.name}`, ...(port ? { port } : {}) };
        }
      }
    }
    const def = (spec(ing).defaultBackend as Obj | undefined)?.service as Obj | undefined;
    return def?.name ? { host: '*', service: `${ns}/${def.name}` } : undefined;
  };
  const isCanary = (ing: KubeObject) =>
    ing.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] === 'true';
  for (const ing of input.ingresses) {
    if (isCanary(ing)) continue;
    const b = backendOf(ing);
    if (b) mainByHost.set(`${ing.metadata.namespace}/${b.host}`, b.service);
  }
  for (const ing of input.ingresses) {
    if (!isCanary(ing)) continue;
    const b = backendOf(ing);
    const stable = b && mainByHost.get(`${ing.metadata.namespace}/${b.host}`);
    if (!b || !stable || stable === b.service) continue;
    const a = ing.metadata.annotations ?? {};
    const total = Number(a['nginx.ingress.kubernetes.io/canary-weight-total'] ?? 100);
    const w = Math.min(total, Math.max(0, Number(a['nginx.ingress.kubernetes.io/canary-weight'] ?? 0)));
    const list: Route[] = [];
    const header = a['nginx.ingress.kubernetes.io/canary-by-header'];
    const src = `Ingress ${ing.metadata.namespace}/${ing.metadata.name}`;
    if (header) {
      const value = a['nginx.ingress.kubernetes.io/canary-by-header-value'];
      const h = header.toLowerCase();
      if (value !== undefined) {
        list.push(
          route([{ headers: [{ name: h, kind: 'exact', value }] }], [{ service: b.service, weight: 1 }], src),
        );
      } else {
        list.push(
          route(
            [{ headers: [{ name: h, kind: 'exact', value: 'always' }] }],
            [{ service: b.service, weight: 1 }],
            src,
          ),
        );
        list.push(
          route(
            [{ headers: [{ name: h, kind: 'exact', value: 'never' }] }],
            [{ service: stable, weight: 1 }],
            src,
          ),
        );
      }
    }
    list.push(
      route(
        [],
        [
          { service: b.service, weight: w },
          { service: stable, weight: total - w },
        ],
        src,
      ),
    );
    routes.set(stable, list);
  }

  // Gateway API HTTPRoutes: attached to a Service as parent (GAMMA), or else to the first backend of
  // the route's last rule (the "stable" Service of a canary split).
  for (const hr of input.httpRoutes) {
    const ns = hr.metadata.namespace ?? 'default';
    const rules = (spec(hr).rules as Obj[] | undefined) ?? [];
    const parents = ((spec(hr).parentRefs as Obj[] | undefined) ?? []).filter((p) => p.kind === 'Service');
    const attached = parents.length
      ? parents.map((p) => `${p.namespace ?? ns}/${p.name}`)
      : (() => {
          const last = rules.at(-1);
          const first = ((last?.backendRefs as Obj[] | undefined) ?? [])[0];
          return first ? [`${first.namespace ?? ns}/${first.name}`] : [];
        })();
    const list: Route[] = [];
    const src = `HTTPRoute ${ns}/${hr.metadata.name}`;
    for (const rule of rules) {
      const ms: Match[] = ((rule.matches as Obj[] | undefined) ?? []).map((m) => {
        const headers: HeaderMatch[] = ((m.headers as Obj[] | undefined) ?? []).map((h) => {
          const kind = h.type === 'RegularExpression' ? 'regex' : 'exact';
          const value = String(h.value ?? '');
          return {
            name: String(h.name).toLowerCase(),
            kind,
            value,
            ...(kind === 'regex' ? { re: new RegExp(`^(?:${value})$`) } : {}),
          };
        });
        const p = m.path as Obj | undefined;
        const out: Match = { headers };
        if (p && !(p.type === 'PathPrefix' && (p.value ?? '/') === '/')) {
          out.path = compilePath(
            p.type === 'Exact' ? 'exact' : p.type === 'RegularExpression' ? 'regex' : 'prefix',
            String(p.value ?? '/'),
          );
        }
        if (typeof m.method === 'string') out.method = m.method;
        return out;
      });
      const refs = ((rule.backendRefs as Obj[] | undefined) ?? []).filter(
        (r) => (r.kind ?? 'Service') === 'Service',
      );
      const backends = refs.map((r) => ({
        service: `${r.namespace ?? ns}/${r.name}`,
        weight: r.weight === undefined ? 1 : Number(r.weight),
        ...(typeof r.port === 'number' ? { port: r.port } : {}),
      }));
      const matchAll = ms.length === 0 || ms.every((m) => m.headers.length === 0 && !m.path && !m.method);
      list.push(route(matchAll ? [] : ms, backends, src));
    }
    list.sort((a, b) => (a.matches.length === 0 ? 1 : 0) - (b.matches.length === 0 ? 1 : 0));
    for (const svc of attached) routes.set(svc, list);
  }

  // Istio VirtualServices (highest precedence) with DestinationRule subsets.
  const subsets = new Map<string, Record<string, string>>();
  for (const dr of input.destinationRules) {
    const ns = dr.metadata.namespace ?? 'default';
    const host = hostToService(String(spec(dr).host ?? ''), ns);
    for (const s of (spec(dr).subsets as Obj[] | undefined) ?? []) {
      subsets.set(`${host}#${s.name}`, (s.labels as Record<string, string> | undefined) ?? {});
    }
  }
  for (const vs of input.virtualServices) {
    const ns = vs.metadata.namespace ?? 'default';
    const hosts = ((spec(vs).hosts as string[] | undefined) ?? []).map((h) => hostToService(h, ns));
    const list: Route[] = [];
    const src = `VirtualService ${ns}/${vs.metadata.name}`;
    for (const http of (spec(vs).http as Obj[] | undefined) ?? []) {
      const ms: Match[] = ((http.match as Obj[] | undefined) ?? []).map((m) => {
        const out: Match = { headers: compileHeaderMatches(m.headers as Obj | undefined) };
        const uri = m.uri as Obj | undefined;
        if (uri) {
          const kind =
            typeof uri.exact === 'string' ? 'exact' : typeof uri.prefix === 'string' ? 'prefix' : 'regex';
          out.path = compilePath(kind, String(uri[kind] ?? ''));
        }
        const method = (m.method as Obj | undefined)?.exact;
        if (typeof method === 'string') out.method = method;
        return out;
      });
      const dests = (http.route as Obj[] | undefined) ?? [];
      const ws = weights(dests);
      const backends = dests.map((d, i) => {
        const dest = (d.destination as Obj | undefined) ?? {};
        const service = hostToService(String(dest.host ?? ''), ns);
        const subset =
          typeof dest.subset === 'string'
            ? (subsets.get(`${service}#${dest.subset}`) ?? { '__missing-subset__': String(dest.subset) })
            : undefined;
        const port = (dest.port as Obj | undefined)?.number;
        return {
          service,
          weight: ws[i] ?? 0,
          ...(subset ? { subset } : {}),
          ...(typeof port === 'number' ? { port } : {}),
        };
      });
      list.push(route(ms, backends, src));
    }
    for (const h of hosts) routes.set(h, list);
  }
  return { services, routes };
}
