// The service proxy: every Service gets a loopback ClusterIP (127.0.2.x and up) with a listener per
// port (ports below 1024 move up by 30000, recorded in the `slipway.dev/local-ports` annotation).
// HTTP ports are reverse-proxied with keep-alive upstream connections, routed by the current route
// table (VirtualService / HTTPRoute / NGINX canary Ingress) and load-balanced round-robin over ready
// endpoints; other ports are plain TCP relays. Every HTTP request is counted in MeshMetrics.
import {
  Agent,
  type ClientRequest,
  createServer as createHttpServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import type { KubeObject } from '../../shared/kube-types.ts';
import { canonicalJson, type Kinds, type Obj, optionalKind } from '../controllers/util.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';
import type { MeshMetrics } from './metrics.ts';
import {
  type Backend,
  buildRouteTables,
  type Endpoint,
  matches,
  type Route,
  type RouteTables,
  type ServiceInfo,
} from './routing.ts';

export const LOCAL_PORTS_ANNOTATION = 'slipway.dev/local-ports';
const NON_HTTP = /^(tcp|tls|https|mongo|mysql|redis|postgres|kafka|grpc|amqp|mqtt|udp)/i;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export function localPort(port: number): number {
  return port < 1024 ? port + 30_000 : port;
}

interface Listener {
  id: string;
  service: string;
  port: number;
  listen: number;
  ip: string;
  http: boolean;
  server: Server | TcpServer;
  sockets: Set<Socket>;
}

export interface ServiceAddress {
  service: string;
  clusterIP: string;
  ports: Array<{ port: number; listen: number; protocol: string; url: string }>;
  routes: string[];
}

export interface ServiceProxyOptions {
  store: ObjectStore;
  kinds: Kinds;
  metrics: MeshMetrics;
  onError?: (message: string) => void;
}

export class ServiceProxy {
  private tables: RouteTables = { services: new Map(), routes: new Map() };
  private readonly listeners = new Map<string, Listener>();
  private readonly agent = new Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 256,
    scheduling: 'lifo',
  });
  private readonly unwatch = new Map<string, () => void>();
  private readonly podLabels = new Map<string, string>();
  private readonly usedIps = new Set<string>();
  // A random start keeps several clusters on one machine (parallel tests) off each other's addresses.
  private nextIp = Math.floor(Math.random() * 200 * 254);
  /** Addresses another process already listens on: their Services get new ones. */
  private readonly taken = new Set<string>();
  private pending: NodeJS.Immediate | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: ServiceProxyOptions) {}

  start(): void {
    const k = this.o.kinds;
    for (const t of [k.service, k.endpoints, k.ingress]) this.watchType(t);
    this.watchType(k.pod, (e) => {
      const id = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
      if (e.type === 'DELETED') return this.podLabels.delete(id);
      const labels = canonicalJson(e.object.metadata.labels ?? {});
      if (this.podLabels.get(id) === labels) return false;
      this.podLabels.set(id, labels);
      return true;
    });
    const crd = this.o.store.resourceTypeFor('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    if (crd)
      this.watchType(crd, () => {
        this.watchOptional();
        return true;
      });
    this.watchOptional();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unwatch.values()) u();
    this.unwatch.clear();
    if (this.pending) clearImmediate(this.pending);
    await this.syncing;
    await Promise.all([...this.listeners.values()].map((l) => this.closeListener(l)));
    this.listeners.clear();
    this.agent.destroy();
  }

  /** For tests and `cluster status`: resolves when the listeners match the store. */
  async settled(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    await this.syncing;
  }

  addresses(): ServiceAddress[] {
    const out = new Map<string, ServiceAddress>();
    for (const l of this.listeners.values()) {
      let a = out.get(l.service);
      if (!a) {
        a = {
          service: l.service,
          clusterIP: l.ip,
          ports: [],
          routes: [...new Set((this.tables.routes.get(l.service) ?? []).map((r) => r.source))],
        };
        out.set(l.service, a);
      }
      a.ports.push({
        port: l.port,
        listen: l.listen,
        protocol: l.http ? 'http' : 'tcp',
        url: `${l.http ? 'http' : 'tcp'}://${l.ip}:${l.listen}`,
      });
    }
    return [...out.values()].sort((a, b) => a.service.localeCompare(b.service));
  }

  private watchType(t: ResourceType, filter?: (e: { type: string; object: KubeObject }) => boolean): void {
    const id = `${t.group}/${t.plural}`;
    if (this.unwatch.has(id)) return;
    try {
      this.unwatch.set(
        id,
        this.o.store.watch(t, {}, (e) => {
          if (!filter || filter(e)) this.schedule();
        }),
      );
    } catch {
      // Not registered (yet).
    }
  }

  private optionalTypes(): Array<ResourceType | undefined> {
    const s = this.o.store;
    return [
      optionalKind(s, 'networking.istio.io', 'VirtualService'),
      optionalKind(s, 'networking.istio.io', 'DestinationRule'),
      optionalKind(s, 'gateway.networking.k8s.io', 'HTTPRoute'),
    ];
  }

  private watchOptional(): void {
    for (const t of this.optionalTypes()) if (t) this.watchType(t);
  }

  private schedule(): void {
    if (this.pending || this.stopped) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.syncing = this.syncing
        .then(() => this.sync())
        .catch((e) => this.o.onError?.(`service proxy: ${String(e)}`));
    });
  }

  private list(t: ResourceType | undefined): KubeObject[] {
    if (!t) return [];
    try {
      return this.o.store.list(t, { readOnly: true }).items;
    } catch {
      return [];
    }
  }

  private allocateIp(): string {
    for (;;) {
      const n = this.nextIp++ % (200 * 254);
      const ip = `127.0.${2 + Math.floor(n / 254)}.${(n % 254) + 1}`;
      if (!this.usedIps.has(ip) && !this.taken.has(ip)) return ip;
    }
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    const k = this.o.kinds;
    const services = this.list(k.service).filter((s) => {
      const sp = (s.spec as Obj | undefined) ?? {};
      return sp.type !== 'ExternalName' && sp.clusterIP !== 'None';
    });
    // Give every Service a loopback ClusterIP and record its port mapping.
    this.usedIps.clear();
    for (const s of services) {
      const ip = (s.spec as Obj).clusterIP;
      if (typeof ip === 'string' && ip.startsWith('127.') && !this.taken.has(ip)) this.usedIps.add(ip);
    }
    const ready: KubeObject[] = [];
    for (const s of services) {
      const sp = (s.spec as Obj | undefined) ?? {};
      let ip = sp.clusterIP as string | undefined;
      if (typeof ip !== 'string' || !ip.startsWith('127.') || this.taken.has(ip)) {
        ip = this.allocateIp();
        this.usedIps.add(ip);
      }
      const ports = (sp.ports as Array<{ port: number }> | undefined) ?? [];
      const mapping = JSON.stringify(
        Object.fromEntries(ports.map((p) => [String(p.port), localPort(p.port)])),
      );
      if (sp.clusterIP !== ip || s.metadata.annotations?.[LOCAL_PORTS_ANNOTATION] !== mapping) {
        const fresh = this.o.store.get(k.service, s.metadata.namespace, s.metadata.name ?? '');
        if (!fresh) continue;
        const updated = this.o.store.update(k.service, {
          ...fresh,
          metadata: {
            ...fresh.metadata,
            annotations: { ...(fresh.metadata.annotations ?? {}), [LOCAL_PORTS_ANNOTATION]: mapping },
          },
          spec: { ...((fresh.spec as Obj | undefined) ?? {}), clusterIP: ip, clusterIPs: [ip] },
        });
        ready.push(updated);
      } else {
        ready.push(s);
      }
    }
    const [vsType, drType, hrType] = this.optionalTypes();
    this.tables = buildRouteTables({
      services: ready,
      endpoints: this.list(k.endpoints),
      pods: this.list(k.pod),
      virtualServices: this.list(vsType),
      destinationRules: this.list(drType),
      httpRoutes: this.list(hrType),
      ingresses: this.list(k.ingress),
    });
    // Listeners: open new ones, close those whose Service or port went away.
    const wanted = new Map<string, Omit<Listener, 'server' | 'sockets'>>();
    for (const s of ready) {
      const sp = (s.spec as Obj | undefined) ?? {};
      const ip = String(sp.clusterIP);
      for (const p of (sp.ports as
        | Array<{ port: number; name?: string; appProtocol?: string; protocol?: string }>
        | undefined) ?? []) {
        if ((p.protocol ?? 'TCP') !== 'TCP') continue;
        const listen = localPort(p.port);
        const http = !NON_HTTP.test(p.appProtocol ?? '') && !NON_HTTP.test(p.name ?? '');
        const id = `${ip}:${listen}`;
        wanted.set(id, {
          id,
          service: `${s.metadata.namespace}/${s.metadata.name}`,
          port: p.port,
          listen,
          ip,
          http,
        });
      }
    }
    for (const [id, l] of this.listeners) {
      const w = wanted.get(id);
      if (!w || w.service !== l.service || w.port !== l.port || w.http !== l.http) {
        this.listeners.delete(id);
        await this.closeListener(l);
      }
    }
    for (const [id, w] of wanted) {
      if (this.listeners.has(id) || this.stopped) continue;
      try {
        this.listeners.set(id, await this.openListener(w));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          this.taken.add(w.ip);
          this.schedule();
        } else {
          this.o.onError?.(`service ${w.service}: cannot listen on ${id}: ${(e as Error).message}`);
        }
      }
    }
  }

  private async openListener(w: Omit<Listener, 'server' | 'sockets'>): Promise<Listener> {
    const sockets = new Set<Socket>();
    const server = w.http
      ? createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) =>
          this.handleHttp(w.service, w.port, req, res),
        )
      : createTcpServer((socket) => this.handleTcp(w.service, w.port, socket));
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(w.listen, w.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return { ...w, server, sockets };
  }

  private closeListener(l: Listener): Promise<void> {
    return new Promise((resolve) => {
      for (const s of l.sockets) s.destroy();
      l.server.close(() => resolve());
    });
  }

  private pick(
    service: string,
    port: number,
    req?: IncomingMessage,
  ): { backend: Backend; ep: Endpoint; svc: ServiceInfo } | undefined {
    const routes = this.tables.routes.get(service);
    let route: Route | undefined;
    if (routes) {
      for (const r of routes) {
        if (!req ? r.matches.length === 0 : matches(r, req.headers, req.url ?? '/', req.method ?? 'GET')) {
          route = r;
          break;
        }
      }
    }
    let backend: Backend | undefined;
    if (route && route.totalWeight > 0) {
      let x = Math.random() * route.totalWeight;
      for (const b of route.backends) {
        x -= b.weight;
        if (x < 0) {
          backend = b;
          break;
        }
      }
      backend ??= route.backends.at(-1);
    }
    const target = backend ?? this.selfBackend(service);
    const svc = this.tables.services.get(target.service);
    if (!svc) return undefined;
    let targetPort = target.port ?? port;
    if (!svc.endpoints.has(targetPort)) targetPort = svc.ports[0]?.port ?? port;
    let eps = svc.endpoints.get(targetPort) ?? [];
    if (target.subset) {
      const sub = target.subset;
      eps = eps.filter((e) => Object.entries(sub).every(([k, v]) => e.labels[k] === v));
    }
    if (eps.length === 0) return undefined;
    const ep = eps[target.rr++ % eps.length]!;
    if (target.rr > 1e9) target.rr = 0;
    return { backend: target, ep, svc };
  }

  private readonly selfBackends = new Map<string, Backend>();
  private selfBackend(service: string): Backend {
    let b = this.selfBackends.get(service);
    if (!b) {
      b = { service, weight: 1, rr: 0 };
      this.selfBackends.set(service, b);
    }
    return b;
  }

  private handleHttp(service: string, port: number, req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const picked = this.pick(service, port, req);
    // Raw header arrays: no per-request header objects on the hot path.
    const raw = req.rawHeaders;
    const headers: string[] = [];
    let source = 'unknown';
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.length <= 17 ? name.toLowerCase() : '';
      if (HOP_BY_HOP.has(lower)) continue;
      if (lower === 'x-source') source = raw[i + 1]!;
      headers.push(name, raw[i + 1]!);
    }
    if (!picked) {
      const [ns, name] = service.split('/') as [string, string];
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('no healthy upstream');
      this.o.metrics.record(
        { source, namespace: ns, service: name, workload: 'unknown', version: 'unknown' },
        503,
        performance.now() - started,
      );
      return;
    }
    let done = false;
    const finish = (code: number, ep: Endpoint, svc: { namespace: string; name: string }) => {
      if (done) return;
      done = true;
      this.o.metrics.record(
        { source, namespace: svc.namespace, service: svc.name, workload: ep.workload, version: ep.version },
        code,
        performance.now() - started,
      );
    };
    // Like Istio's default retry policy (connect-failure, reset before headers): a request without a
    // body that failed before any answer is sent again once, on a fresh pick and a new connection.
    // That covers the race of a keep-alive connection closed by a pod that is shutting down.
    const bodiless =
      (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') &&
      req.headers['transfer-encoding'] === undefined &&
      (req.headers['content-length'] ?? '0') === '0';
    let up: ClientRequest | undefined;
    const attempt = (
      target: { ep: Endpoint; svc: { namespace: string; name: string } },
      retriesLeft: number,
    ) => {
      const { ep, svc } = target;
      const current = request(
        { host: ep.ip, port: ep.port, method: req.method, path: req.url, headers, agent: this.agent },
        (r) => {
          const rr = r.rawHeaders;
          const out: string[] = [];
          for (let i = 0; i < rr.length; i += 2) {
            const name = rr[i]!;
            if (name.length <= 17 && HOP_BY_HOP.has(name.toLowerCase())) continue;
            out.push(name, rr[i + 1]!);
          }
          const code = r.statusCode ?? 502;
          res.writeHead(code, out);
          r.pipe(res);
          r.on('end', () => finish(code, ep, svc));
          r.on('error', () => finish(502, ep, svc));
        },
      );
      up = current;
      current.on('error', () => {
        if (!res.headersSent && retriesLeft > 0 && !done && !res.destroyed) {
          attempt(this.pick(service, port, req) ?? target, retriesLeft - 1);
          return;
        }
        if (!res.headersSent) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end('upstream connect error or disconnect/reset before headers');
        } else {
          res.destroy();
        }
        finish(503, ep, svc);
      });
      // Without a body there is nothing to stream (and nothing lost when the request is sent again).
      if (bodiless) current.end();
      else req.pipe(current);
    };
    attempt(picked, bodiless ? 1 : 0);
    res.on('close', () => {
      if (!done) up?.destroy();
    });
  }

  private handleTcp(service: string, port: number, socket: Socket): void {
    const picked = this.pick(service, port);
    if (!picked) {
      socket.destroy();
      return;
    }
    const up = connect({ host: picked.ep.ip, port: picked.ep.port });
    socket.pipe(up).pipe(socket);
    const close = () => {
      socket.destroy();
      up.destroy();
    };
    socket.on('error', close);
    up.on('error', close);
    socket.on('close', close);
    up.on('close', close);
  }
}
