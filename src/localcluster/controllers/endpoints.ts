// The Endpoints controller: for each Service with a selector, the Pods it selects, ready ones as
// `addresses` and the rest as `notReadyAddresses` (terminating Pods are left out), with each Service
// port's targetPort resolved per Pod (named ports look up the Pod's containerPorts).
import type { KubeObject } from '../../shared/kube-types.ts';
import { mapSelects } from '../../shared/selector.ts';
import type { ObjectStore } from '../store/types.ts';
import { isNotFound, WorkQueue } from './queue.ts';
import { canonicalJson, isPodReady, type Kinds, key, type Obj, spec, splitKey, status } from './util.ts';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

function containerPort(
  pod: KubeObject,
  target: number | string | undefined,
  fallback: number,
): number | undefined {
  if (target === undefined) return fallback;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of (spec(pod).containers as Obj[] | undefined) ?? []) {
    for (const p of (c.ports as Array<{ name?: string; containerPort: number }> | undefined) ?? []) {
      if (p.name === target) return p.containerPort;
    }
  }
  return undefined;
}

/** The Endpoints subsets for a Service over the given Pods (one subset per distinct port set). */
export function computeSubsets(svc: KubeObject, pods: KubeObject[]): Obj[] {
  const ports = (spec(svc).ports as ServicePort[] | undefined) ?? [];
  const subsets = new Map<string, { addresses: Obj[]; notReadyAddresses: Obj[]; ports: Obj[] }>();
  const publishNotReady = spec(svc).publishNotReadyAddresses === true;
  for (const pod of pods) {
    const ip = status(pod).podIP;
    if (typeof ip !== 'string' || !ip || pod.metadata.deletionTimestamp) continue;
    const phase = status(pod).phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const resolved: Obj[] = [];
    for (const p of ports) {
      const port = containerPort(pod, p.targetPort, p.port);
      if (port === undefined) continue;
      const ep: Obj = { port, protocol: p.protocol ?? 'TCP' };
      if (p.name) ep.name = p.name;
      if (p.appProtocol) ep.appProtocol = p.appProtocol;
      resolved.push(ep);
    }
    if (resolved.length === 0) continue;
    const k = canonicalJson(resolved);
    let subset = subsets.get(k);
    if (!subset) {
      subset = { addresses: [], notReadyAddresses: [], ports: resolved };
      subsets.set(k, subset);
    }
    const address = {
      ip,
      nodeName: String(spec(pod).nodeName ?? 'local'),
      targetRef: {
        kind: 'Pod',
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      },
    };
    if (isPodReady(pod) || publishNotReady) subset.addresses.push(address);
    else subset.notReadyAddresses.push(address);
  }
  const byIp = (a: Obj, b: Obj) => String(a.ip).localeCompare(String(b.ip), 'en', { numeric: true });
  return [...subsets.values()].map((s) => {
    const out: Obj = {};
    if (s.addresses.length) out.addresses = s.addresses.sort(byIp);
    if (s.notReadyAddresses.length) out.notReadyAddresses = s.notReadyAddresses.sort(byIp);
    out.ports = s.ports;
    return out;
  });
}

export class EndpointsController {
  readonly queue: WorkQueue;
  private unwatch: Array<() => void> = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: Kinds,
    onError?: (name: string, key: string, e: unknown) => void,
  ) {
    this.queue = new WorkQueue('endpoints', (k) => this.sync(k), onError);
  }

  start(): void {
    this.unwatch.push(this.store.watch(this.kinds.service, {}, (e) => this.queue.add(key(e.object))));
    this.unwatch.push(
      this.store.watch(this.kinds.pod, {}, (e) => {
        const ns = e.object.metadata.namespace;
        for (const svc of this.store.list(this.kinds.service, { namespace: ns ?? 'default' }).items) {
          const sel = spec(svc).selector as Record<string, string> | undefined;
          if (mapSelects(sel, e.object.metadata.labels)) this.queue.add(key(svc));
        }
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.queue.stop();
  }

  private sync(k: string): void {
    const [ns, name] = splitKey(k);
    const svc = this.store.get(this.kinds.service, ns, name);
    const existing = this.store.get(this.kinds.endpoints, ns, name);
    const selector = svc ? (spec(svc).selector as Record<string, string> | undefined) : undefined;
    if (!svc || !selector || Object.keys(selector).length === 0) {
      // Services without a selector keep hand-written Endpoints; a deleted Service's go with it.
      if (!svc && existing) {
        try {
          this.store.delete(this.kinds.endpoints, ns, name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return;
    }
    const pods = this.store.list(this.kinds.pod, {
      namespace: ns,
      filter: (p) => mapSelects(selector, p.metadata.labels),
    }).items;
    const subsets = computeSubsets(svc, pods);
    const labels = { ...(svc.metadata.labels ?? {}) };
    if (!existing) {
      this.store.create(this.kinds.endpoints, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace: ns, labels },
        subsets,
      });
      return;
    }
    if (canonicalJson(existing.subsets ?? []) === canonicalJson(subsets)) return;
    this.store.update(this.kinds.endpoints, { ...existing, subsets });
  }
}
