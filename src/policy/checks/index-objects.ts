// Indexes of one environment's objects for the cross-object checks (Service → pods, NetworkPolicy →
// pods, HPA → Deployment…), so that each lookup costs the size of one label bucket rather than a scan
// of every object: lint of a 500-service platform stays linear.
import type { KubeObject } from '../../shared/kube-types.ts';
import { type LabelSelector, selectorMatches } from '../../shared/selector.ts';

type Json = Record<string, unknown>;

/** A pod template of a workload: where the pods come from. */
export interface Workload {
  object: KubeObject;
  namespace: string;
  /** Path of the pod spec inside the object, e.g. spec.template.spec */
  podPath: string;
  podSpec: Json;
  podLabels: Record<string, string>;
  replicas: number;
}

export function isMap(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function get(obj: unknown, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isMap(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The workload view of a Deployment or Job (undefined for other kinds). */
export function workloadOf(o: KubeObject): Workload | undefined {
  if (o.kind !== 'Deployment' && o.kind !== 'Job' && o.kind !== 'StatefulSet' && o.kind !== 'DaemonSet')
    return undefined;
  const template = get(o, ['spec', 'template']);
  const podSpec = get(template, ['spec']);
  if (!isMap(podSpec)) return undefined;
  const labels = get(template, ['metadata', 'labels']);
  const replicas = get(o, ['spec', 'replicas']);
  return {
    object: o,
    namespace: o.metadata.namespace ?? '',
    podPath: 'spec.template.spec',
    podSpec,
    podLabels: isMap(labels) ? (labels as Record<string, string>) : {},
    replicas: o.kind === 'Job' ? 1 : typeof replicas === 'number' ? replicas : 1,
  };
}

export interface ContainerView {
  container: Json;
  /** e.g. spec.template.spec.containers[0] */
  path: string;
  init: boolean;
}

const containerCache = new WeakMap<Workload, ContainerView[]>();

export function containersOf(w: Workload): ContainerView[] {
  const cached = containerCache.get(w);
  if (cached) return cached;
  const out: ContainerView[] = [];
  containerCache.set(w, out);
  for (const [key, init] of [
    ['initContainers', true],
    ['containers', false],
  ] as const) {
    const list = w.podSpec[key];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (isMap(c)) out.push({ container: c, path: `${w.podPath}.${key}[${i}]`, init });
    });
  }
  return out;
}

export class ObjectIndex {
  readonly workloads: Workload[] = [];
  private readonly byLabel = new Map<string, Workload[]>();
  private readonly byNamespace = new Map<string, Workload[]>();
  private readonly byKind = new Map<string, KubeObject[]>();
  private readonly byName = new Map<string, KubeObject>();
  private readonly workloadByObject = new Map<KubeObject, Workload>();

  /** Label keys some selector of the environment uses: only these are indexed. */
  private readonly indexedKeys = new Set<string>();

  constructor(objects: Iterable<KubeObject>) {
    const all = [...objects];
    for (const o of all) {
      const ns = o.metadata.namespace ?? '';
      this.byName.set(`${o.kind}\0${ns}\0${o.metadata.name ?? ''}`, o);
      push(this.byKind, o.kind, o);
      const sel =
        o.kind === 'Service'
          ? get(o, ['spec', 'selector'])
          : o.kind === 'NetworkPolicy'
            ? get(o, ['spec', 'podSelector', 'matchLabels'])
            : o.kind === 'PodDisruptionBudget'
              ? get(o, ['spec', 'selector', 'matchLabels'])
              : undefined;
      if (isMap(sel)) for (const k in sel) this.indexedKeys.add(k);
    }
    for (const o of all) {
      const w = workloadOf(o);
      if (!w) continue;
      this.workloads.push(w);
      this.workloadByObject.set(o, w);
      push(this.byNamespace, w.namespace, w);
      for (const k in w.podLabels) {
        if (this.indexedKeys.has(k)) push(this.byLabel, `${w.namespace}\0${k}\0${w.podLabels[k]}`, w);
      }
    }
  }

  /** The indexed workload view of an object (the same instance the cross-object lookups use). */
  workload(o: KubeObject): Workload | undefined {
    return this.workloadByObject.get(o) ?? workloadOf(o);
  }

  private npCovered: Set<Workload> | undefined;
  private pdbs: Map<Workload, KubeObject[]> | undefined;

  /** Workloads selected by at least one NetworkPolicy of their namespace. */
  coveredByNetworkPolicy(w: Workload): boolean {
    if (!this.npCovered) {
      this.npCovered = new Set();
      for (const np of this.ofKind('NetworkPolicy')) {
        const sel = get(np, ['spec', 'podSelector']);
        if (!isMap(sel)) continue;
        for (const x of this.select(np.metadata.namespace ?? '', sel as LabelSelector)) this.npCovered.add(x);
      }
    }
    return this.npCovered.has(w);
  }

  /** PodDisruptionBudgets whose selector matches the workload's pods. */
  pdbsFor(w: Workload): KubeObject[] {
    if (!this.pdbs) {
      this.pdbs = new Map();
      for (const pdb of this.ofKind('PodDisruptionBudget')) {
        const sel = get(pdb, ['spec', 'selector']);
        if (!isMap(sel)) continue;
        for (const x of this.select(pdb.metadata.namespace ?? '', sel as LabelSelector))
          push(this.pdbs, x, pdb);
      }
    }
    return this.pdbs.get(w) ?? [];
  }

  /** The HorizontalPodAutoscaler scaling a Deployment, if any. */
  hpaFor(o: KubeObject): KubeObject | undefined {
    for (const hpa of this.hpasByTarget(o.metadata.namespace ?? '', o.kind, o.metadata.name ?? ''))
      return hpa;
    return undefined;
  }

  private hpaIndex: Map<string, KubeObject[]> | undefined;
  hpasByTarget(namespace: string, kind: string, name: string): KubeObject[] {
    if (!this.hpaIndex) {
      this.hpaIndex = new Map();
      for (const h of this.ofKind('HorizontalPodAutoscaler')) {
        const ref = get(h, ['spec', 'scaleTargetRef']);
        if (!isMap(ref)) continue;
        push(this.hpaIndex, `${h.metadata.namespace ?? ''}\0${String(ref.kind)}\0${String(ref.name)}`, h);
      }
    }
    return this.hpaIndex.get(`${namespace}\0${kind}\0${name}`) ?? [];
  }

  ofKind(kind: string): readonly KubeObject[] {
    return this.byKind.get(kind) ?? [];
  }

  find(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.byName.get(`${kind}\0${namespace}\0${name}`);
  }

  /** Workloads in a namespace whose pod template the selector matches. */
  select(namespace: string, sel: LabelSelector | undefined): Workload[] {
    if (!sel) return [];
    const ml = sel.matchLabels ?? {};
    let candidates: Workload[] | undefined;
    for (const k in ml) {
      if (!this.indexedKeys.has(k)) continue; // not indexed: the namespace list below is filtered
      const bucket = this.byLabel.get(`${namespace}\0${k}\0${ml[k]}`) ?? [];
      if (!candidates || bucket.length < candidates.length) candidates = bucket;
    }
    candidates ??= this.byNamespace.get(namespace) ?? [];
    return candidates.filter((w) => selectorMatches(sel, w.podLabels));
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
