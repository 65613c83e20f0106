// The ReplicaSet controller: keeps `spec.replicas` active Pods (ownerReferences controller: true),
// deletes the least useful Pods first when scaling down (unscheduled, pending, not ready, newest), and
// reports replicas / fullyLabeledReplicas / readyReplicas / availableReplicas (minReadySeconds).
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore } from '../store/types.ts';
import type { EventRecorder } from './events.ts';
import { isNotFound, WorkQueue } from './queue.ts';
import {
  canonicalJson,
  isActivePod,
  isPodAvailable,
  isPodReady,
  type Kinds,
  key,
  type Obj,
  ownedBy,
  ownerRef,
  podReadySince,
  randomSuffix,
  spec,
  splitKey,
  status,
  watchControlled,
} from './util.ts';

/** Pods owned by a controller object (by uid), in its namespace. */
export function ownedPods(store: ObjectStore, kinds: Kinds, owner: KubeObject): KubeObject[] {
  return store.list(kinds.pod, {
    namespace: owner.metadata.namespace ?? 'default',
    filter: (p) => ownedBy(p, owner),
  }).items;
}

export function podFromTemplate(
  owner: KubeObject,
  template: Obj,
  nameBase: string,
  extraLabels: Record<string, string> = {},
): KubeObject {
  const meta = (template.metadata as Obj | undefined) ?? {};
  const labels = { ...((meta.labels as Record<string, string> | undefined) ?? {}), ...extraLabels };
  const annotations = meta.annotations as Record<string, string> | undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${nameBase}-${randomSuffix()}`,
      generateName: `${nameBase}-`,
      namespace: owner.metadata.namespace ?? 'default',
      labels,
      ...(annotations ? { annotations: { ...annotations } } : {}),
      ownerReferences: [ownerRef(owner)],
    },
    spec: structuredClone((template.spec as Obj | undefined) ?? {}),
  };
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Kubernetes' ActivePods order: the pods to delete first sort first. */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject) => (spec(p).nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: KubeObject) => PHASE_RANK[String(status(p).phase ?? 'Pending')] ?? 1;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: KubeObject) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (ready(a)) {
    const d = (podReadySince(b) ?? 0) - (podReadySince(a) ?? 0);
    if (d !== 0) return d;
  }
  const restarts = (p: KubeObject) =>
    ((status(p).containerStatuses as Obj[] | undefined) ?? []).reduce(
      (s, c) => s + Number(c.restartCount ?? 0),
      0,
    );
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '') || 0;
}

export class ReplicaSetController {
  readonly queue: WorkQueue;
  private unwatch: Array<() => void> = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: Kinds,
    private readonly recorder: EventRecorder,
    onError?: (name: string, key: string, e: unknown) => void,
  ) {
    this.queue = new WorkQueue('replicaset', (k) => this.sync(k), onError);
  }

  start(): void {
    this.unwatch.push(this.store.watch(this.kinds.replicaSet, {}, (e) => this.queue.add(key(e.object))));
    this.unwatch.push(watchControlled(this.store, this.kinds.pod, 'ReplicaSet', (k) => this.queue.add(k)));
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.queue.stop();
  }

  private sync(k: string): void {
    const [ns, name] = splitKey(k);
    const rs = this.store.get(this.kinds.replicaSet, ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const s = spec(rs);
    const want = Number(s.replicas ?? 1);
    const minReady = Number(s.minReadySeconds ?? 0);
    const pods = ownedPods(this.store, this.kinds, rs);
    const active = pods.filter(isActivePod);
    const diff = want - active.length;
    if (diff > 0) {
      const template = (s.template as Obj | undefined) ?? {};
      for (let i = 0; i < diff; i++) {
        const pod = podFromTemplate(rs, template, name);
        const created = this.store.create(this.kinds.pod, pod);
        this.recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        active.push(created);
      }
    } else if (diff < 0) {
      const victims = [...active].sort(deletionOrder).slice(0, -diff);
      for (const p of victims) {
        try {
          this.store.delete(this.kinds.pod, ns, p.metadata.name ?? '');
          this.recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        active.splice(active.indexOf(p), 1);
      }
    }
    const now = Date.now();
    const templateLabels = ((s.template as Obj | undefined)?.metadata as Obj | undefined)?.labels as
      | Record<string, string>
      | undefined;
    let ready = 0;
    let available = 0;
    let fully = 0;
    let nextCheck = Number.POSITIVE_INFINITY;
    for (const p of active) {
      if (Object.entries(templateLabels ?? {}).every(([lk, lv]) => p.metadata.labels?.[lk] === lv)) fully++;
      if (!isPodReady(p)) continue;
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
      else nextCheck = Math.min(nextCheck, (podReadySince(p) ?? now) + minReady * 1000 - now);
    }
    if (nextCheck !== Number.POSITIVE_INFINITY) this.queue.addAfter(k, Math.max(50, nextCheck + 20));
    const old = status(rs);
    const next: Obj = {
      replicas: active.length,
      fullyLabeledReplicas: fully,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (old.conditions) next.conditions = old.conditions;
    if (canonicalJson(next) !== canonicalJson(old)) {
      const fresh = this.store.get(this.kinds.replicaSet, ns, name);
      if (fresh)
        this.store.update(this.kinds.replicaSet, { ...fresh, status: next }, { subresource: 'status' });
    }
  }
}
