// Helpers the controllers, the pod runner and the proxy share: resource types, label selectors,
// int-or-percent values, pod readiness, conditions, and the pod-template hash.
import { createHash } from 'node:crypto';
import type { KubeObject, OwnerReference } from '../../shared/kube-types.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';

export type Obj = Record<string, unknown>;

const KNOWN = {
  pod: ['v1', 'Pod', 'pods', true],
  service: ['v1', 'Service', 'services', true],
  endpoints: ['v1', 'Endpoints', 'endpoints', true],
  event: ['v1', 'Event', 'events', true],
  configMap: ['v1', 'ConfigMap', 'configmaps', true],
  secret: ['v1', 'Secret', 'secrets', true],
  namespace: ['v1', 'Namespace', 'namespaces', false],
  deployment: ['apps/v1', 'Deployment', 'deployments', true],
  replicaSet: ['apps/v1', 'ReplicaSet', 'replicasets', true],
  job: ['batch/v1', 'Job', 'jobs', true],
  hpa: ['autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true],
  pdb: ['policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true],
  ingress: ['networking.k8s.io/v1', 'Ingress', 'ingresses', true],
} as const;

export type KindName = keyof typeof KNOWN;
export type Kinds = Record<KindName, ResourceType>;

/** The store's own ResourceType objects for the kinds the controllers use. */
export function resolveKinds(store: ObjectStore): Kinds {
  const out = {} as Kinds;
  for (const [name, [apiVersion, kind, plural, namespaced]] of Object.entries(KNOWN)) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    out[name as KindName] = store.resourceTypeFor(apiVersion, kind) ?? {
      group: group ?? '',
      version: version ?? 'v1',
      kind,
      plural,
      namespaced,
    };
  }
  return out;
}

/** A custom resource type when its CRD is installed (VirtualService, HTTPRoute…). */
export function optionalKind(store: ObjectStore, group: string, kind: string): ResourceType | undefined {
  return store.resourceTypes().find((t) => t.group === group && t.kind === kind);
}

export function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export function splitKey(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}

/** Resolves an IntOrString against a total: percentages round up or down as asked. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  const s = String(v);
  const m = /^(\d+)%$/.exec(s);
  if (m) {
    const x = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number(s);
  return Number.isFinite(n) ? n : fallback;
}

export function controllerOf(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownedBy(o: KubeObject, owner: KubeObject): boolean {
  return controllerOf(o)?.uid === owner.metadata.uid;
}

export function ownerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function spec(o: KubeObject): Obj {
  return (o.spec as Obj | undefined) ?? {};
}

export function status(o: KubeObject): Obj {
  return (o.status as Obj | undefined) ?? {};
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

export function conditionOf(o: KubeObject, type: string): Condition | undefined {
  const list = status(o).conditions as Condition[] | undefined;
  return list?.find((c) => c.type === type);
}

/**
 * Sets a condition in a list: lastTransitionTime changes only when the status does, lastUpdateTime
 * (when `withUpdateTime`) whenever anything changes.
 */
export function setCondition(
  list: Condition[],
  next: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>,
  now: string,
  withUpdateTime = true,
): Condition[] {
  const old = list.find((c) => c.type === next.type);
  const same =
    old && old.status === next.status && old.reason === next.reason && old.message === next.message;
  if (same) return list;
  const c: Condition = { ...next };
  if (withUpdateTime) c.lastUpdateTime = now;
  c.lastTransitionTime = old && old.status === next.status ? (old.lastTransitionTime ?? now) : now;
  const rest = list.filter((x) => x.type !== next.type);
  return old ? list.map((x) => (x.type === next.type ? c : x)) : [...rest, c];
}

export function isTerminating(o: KubeObject): boolean {
  return Boolean(o.metadata.deletionTimestamp);
}

export function podPhase(p: KubeObject): string {
  return String(status(p).phase ?? 'Pending');
}

/** An active pod counts toward its ReplicaSet: not terminating and not finished. */
export function isActivePod(p: KubeObject): boolean {
  const phase = podPhase(p);
  return !isTerminating(p) && phase !== 'Succeeded' && phase !== 'Failed';
}

export function podReadySince(p: KubeObject): number | undefined {
  const c = (status(p).conditions as Condition[] | undefined)?.find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return undefined;
  return c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
}

export function isPodReady(p: KubeObject): boolean {
  return podReadySince(p) !== undefined;
}

/** Ready for at least minReadySeconds at `now` (ms). */
export function isPodAvailable(p: KubeObject, minReadySeconds: number, now: number): boolean {
  const since = podReadySince(p);
  if (since === undefined) return false;
  return minReadySeconds <= 0 || since + minReadySeconds * 1000 <= now;
}

/** JSON with sorted keys, so equal data gives equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Obj)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, stable, DNS-safe hash like Kubernetes' pod-template-hash (its own alphabet, not its FNV). */
export function templateHash(template: unknown, collisionCount = 0): string {
  const h = createHash('sha256').update(canonicalJson(template)).update(String(collisionCount)).digest();
  let n = h.readUInt32BE(0);
  let out = '';
  for (let i = 0; i < 10; i++) {
    out += SAFE_ALPHABET[n % SAFE_ALPHABET.length];
    n = Math.floor(n / SAFE_ALPHABET.length);
    if (n === 0) break;
  }
  return out;
}

/**
 * Drops nulls, empty objects and empty lists, as Go's semantic equality sees them as zero values
 * (kubectl rollout undo sends `creationTimestamp: null` and `resources: {}`).
 */
export function pruneEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const a = v.map(pruneEmpty).filter((x) => x !== undefined);
    return a.length ? a : undefined;
  }
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) {
      const p = pruneEmpty(x);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null ? undefined : v;
}

/** The pod template without the pod-template-hash label, for comparing a ReplicaSet with its Deployment. */
export function templateWithoutHash(template: unknown): unknown {
  const t = structuredClone((pruneEmpty(template) ?? {}) as Obj);
  const meta = t.metadata as Obj | undefined;
  const labels = meta?.labels as Record<string, string> | undefined;
  if (labels) {
    delete labels['pod-template-hash'];
    if (Object.keys(labels).length === 0) delete meta!.labels;
  }
  if (meta && Object.keys(meta).length === 0) delete t.metadata;
  return t;
}

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return s;
}

export function nowIso(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Queues the controlling owner (`<namespace>/<name>`) on every event of the objects of `kind` whose
 * controller is an `ownerKind` — how a ReplicaSet hears of its pods, a Deployment of its ReplicaSets.
 */
export function watchControlled(
  store: ObjectStore,
  kind: ResourceType,
  ownerKind: string,
  enqueue: (key: string) => void,
): () => void {
  return store.watch(kind, {}, (e) => {
    const ref = controllerOf(e.object);
    if (ref?.kind === ownerKind) enqueue(`${e.object.metadata.namespace}/${ref.name}`);
  });
}
