// `slipway plan`: an environment's desired state against what runs, service by service, like
// Helmsman's plan or terraform plan. Pure: the reader (plan-read.ts) gathers the rendered desired
// manifests, the newest deployed release of each service (what slipway last applied) and the live
// objects; this module compares them.
//
// - changes: desired manifests against the last applied ones — the version (image), the pinned chart
//   version, replicas, and every other object created, changed (with field paths) or deleted;
// - drift: live objects against the last applied manifests — a field the manifests set that has
//   another value live (kubectl edit/scale), or an applied object that is gone;
// - not deployed: no release and nothing live.
import type { KubeObject } from '../shared/kube-types.ts';

/** The image of a release, and the chart version when one is pinned (the release record's `version`). */
export interface PlanVersion {
  tag?: string;
  digest?: string;
  chart?: { name: string; version: string; path?: string };
}

export interface DesiredService {
  service: string;
  version: PlanVersion;
  /** Rendered, with ownership labels and namespace set (as the release engine applies them). */
  manifests: KubeObject[];
}

export interface AppliedRelease {
  revision: number;
  status: string;
  version: PlanVersion;
  manifests: KubeObject[];
}

export interface PlanInput {
  environment: string;
  namespace: string;
  /** In apply order (priority, then name). */
  desired: DesiredService[];
  /** The newest deployed release of each service. */
  applied: ReadonlyMap<string, AppliedRelease>;
  /** The newest release of each service when it is not the deployed one (failed, pending). */
  latest?: ReadonlyMap<string, { revision: number; status: string }>;
  /** Live objects slipway manages in the namespace (all services), with kind set. */
  live: readonly KubeObject[];
}

export const PLAN_ACTIONS = {
  inSync: 'in-sync',
  install: 'install',
  update: 'update',
  /** Only drift: the desired state is what was applied, but the live objects differ. */
  drift: 'drift',
  /** Released here but not in the desired state: left as it is. */
  unmanaged: 'unmanaged',
} as const;
export type PlanAction = (typeof PLAN_ACTIONS)[keyof typeof PLAN_ACTIONS];

export interface ObjectPlan {
  key: string;
  action: 'create' | 'update' | 'delete';
  /** Changed field paths (update), at most a few. */
  fields?: string[];
}

export interface DriftItem {
  key: string;
  /** `spec.replicas: 3 applied, 7 live`, or `deleted`. */
  fields: string[];
}

export interface ServicePlan {
  service: string;
  action: PlanAction;
  version: { from?: string; to?: string };
  /** The pinned chart version, deployed (from) and desired (to); absent when neither pins one. */
  chart?: { from?: string; to?: string };
  replicas?: { from: number | undefined; to: number | undefined };
  objects: ObjectPlan[];
  drift: DriftItem[];
  revision?: number;
  /** The newest release when it is not the deployed one (a failed or running release). */
  latest?: { revision: number; status: string };
  /** One line, e.g. `booking: v1.2.0 → v1.3.0 (image), replicas 3 → 5`. */
  summary: string;
}

export interface EnvironmentPlan {
  environment: string;
  namespace: string;
  services: ServicePlan[];
  counts: Record<PlanAction, number>;
  /** Whether `slipway apply` would do anything. */
  changes: boolean;
}

const MAX_FIELDS = 5;

export function versionLabel(v: {
  tag?: string | undefined;
  digest?: string | undefined;
}): string | undefined {
  if (v.tag && v.digest) return `${v.tag}@${v.digest.slice(0, 19)}`;
  return v.tag ?? (v.digest ? v.digest.slice(0, 19) : undefined);
}

export function keyOf(o: KubeObject, namespace: string): string {
  return `${o.kind}/${o.metadata.namespace ?? namespace}/${o.metadata.name ?? ''}`;
}

const shortKey = (key: string) => {
  const [kind, , name] = key.split('/');
  return `${kind}/${name}`;
};

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Difference {
  path: string;
  before: unknown;
  after: unknown;
}

/** Leaves where `a` and `b` differ (both directions), depth-first, at most `limit`. */
export function differences(a: Json, b: Json, path: string, out: Difference[], limit = MAX_FIELDS): void {
  if (out.length >= limit) return;
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      differences(a[k], b[k], path ? `${path}.${k}` : k, out, limit);
      if (out.length >= limit) return;
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) differences(a[i], b[i], `${path}[${i}]`, out, limit);
    return;
  }
  if (!sameScalar(a, b)) out.push({ path, before: a, after: b });
}

function sameScalar(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (isObj(a) || isObj(b) || Array.isArray(a) || Array.isArray(b))
    return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

/**
 * Fields the applied object sets that have another value live; server defaults (fields only live has)
 * are no drift. Answers `path: applied X, live Y` lines.
 */
export function driftOf(applied: Json, live: Json, path: string, out: string[], limit = MAX_FIELDS): void {
  if (out.length >= limit) return;
  if (isObj(applied)) {
    if (!isObj(live)) {
      out.push(`${path}: ${show(applied)} applied, ${show(live)} live`);
      return;
    }
    for (const [k, v] of Object.entries(applied)) {
      if (v === null || v === undefined) continue;
      if (isObj(v) && Object.keys(v).length === 0 && live[k] === undefined) continue;
      driftOf(v, live[k], path ? `${path}.${k}` : k, out, limit);
      if (out.length >= limit) return;
    }
    return;
  }
  if (Array.isArray(applied)) {
    if (!Array.isArray(live) || live.length !== applied.length) {
      if (applied.length === 0 && live === undefined) return;
      out.push(`${path}: ${show(applied)} applied, ${show(live)} live`);
      return;
    }
    for (let i = 0; i < applied.length; i++) driftOf(applied[i], live[i], `${path}[${i}]`, out, limit);
    return;
  }
  if (applied !== live && String(applied) !== String(live))
    out.push(`${path}: ${show(applied)} applied, ${show(live)} live`);
}

function show(v: Json): string {
  if (v === undefined) return 'unset';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** What drift compares: the spec, a ConfigMap's data, and labels/annotations slipway set. */
function driftView(o: KubeObject): Record<string, Json> {
  const view: Record<string, Json> = {};
  if (o.metadata.labels) view.labels = o.metadata.labels;
  if (o.metadata.annotations) view.annotations = o.metadata.annotations;
  if (o.spec !== undefined) view.spec = o.spec;
  if (o.kind === 'ConfigMap' && o.data !== undefined) view.data = o.data;
  return view;
}

/** What a change compares: everything but status (Secret values included; only paths are shown). */
function changeView(o: KubeObject): Record<string, Json> {
  const { status: _s, ...rest } = o as KubeObject & { status?: unknown };
  const metadata = { ...o.metadata };
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'])
    delete metadata[k];
  return { ...rest, metadata };
}

function deploymentReplicas(manifests: readonly KubeObject[]): number | undefined {
  let total: number | undefined;
  for (const o of manifests) {
    if (o.kind !== 'Deployment') continue;
    const r = (o.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof r === 'number') total = (total ?? 0) + r;
  }
  return total;
}

/** Deployments an HPA scales: their live replicas are the HPA's business, not drift. */
function scaledByHpa(manifests: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const o of manifests) {
    if (o.kind !== 'HorizontalPodAutoscaler') continue;
    const ref = (o.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    if (ref?.name) out.add(`${ref.kind ?? 'Deployment'}/${ref.name}`);
  }
  return out;
}

/** The pinned chart version of a release, or undefined when it pinned none (slipway's chart). */
export function chartText(v: PlanVersion): string | undefined {
  return v.chart?.version;
}

/**
 * The changed paths of an update, without those the version change explains (image, version label)
 * and, when the chart version changes, its helm.sh/chart label.
 */
function objectChanges(
  desired: KubeObject,
  applied: KubeObject,
  versions: { from: string | undefined; to: string | undefined },
  chartChanged = false,
): string[] {
  const diffs: Difference[] = [];
  differences(changeView(applied), changeView(desired), '', diffs, 50);
  const explained = (d: Difference) => {
    if (/(^|\.)replicas$/.test(d.path) && desired.kind === 'Deployment') return true;
    if (chartChanged && /(^|\.)labels\.helm\.sh\/chart$/.test(d.path)) return true;
    return (
      typeof d.before === 'string' &&
      typeof d.after === 'string' &&
      versions.from !== undefined &&
      versions.to !== undefined &&
      versions.from !== versions.to &&
      (d.before.includes(versions.from) || d.after.includes(versions.to))
    );
  };
  return diffs.filter((d) => !explained(d)).map((d) => d.path);
}

function emptyCounts(): Record<PlanAction, number> {
  return { 'in-sync': 0, install: 0, update: 0, drift: 0, unmanaged: 0 };
}

export function planService(
  d: DesiredService,
  applied: AppliedRelease | undefined,
  live: ReadonlyMap<string, KubeObject>,
  namespace: string,
  latest?: { revision: number; status: string },
): ServicePlan {
  const to = versionLabel(d.version);
  const objects: ObjectPlan[] = [];
  const drift: DriftItem[] = [];
  const tail = latest && latest.revision !== applied?.revision ? latest : undefined;
  const base = { service: d.service, ...(tail ? { latest: tail } : {}) };
  if (!applied) {
    const liveOnes = d.manifests.filter((m) => live.has(keyOf(m, namespace)));
    for (const m of d.manifests) {
      const key = keyOf(m, namespace);
      if (!live.has(key)) objects.push({ key, action: 'create' });
    }
    const note = liveOnes.length > 0 ? `, ${liveOnes.length} live objects not from a slipway release` : '';
    return {
      ...base,
      action: PLAN_ACTIONS.install,
      version: { ...(to ? { to } : {}) },
      ...(d.version.chart ? { chart: { to: d.version.chart.version } } : {}),
      replicas: { from: undefined, to: deploymentReplicas(d.manifests) },
      objects,
      drift,
      summary: `${d.service}: not deployed (${to ?? 'no version'}${d.version.chart ? ` chart ${d.version.chart.version}` : ''} to install${note})${tail ? `; revision ${tail.revision} ${tail.status}` : ''}`,
    };
  }
  const from = versionLabel(applied.version);
  const appliedByKey = new Map(applied.manifests.map((m) => [keyOf(m, namespace), m]));
  const versions = { from: applied.version.tag ?? from, to: d.version.tag ?? to };
  const chart = { from: chartText(applied.version), to: chartText(d.version) };
  const chartChanged = chart.from !== chart.to;
  for (const m of d.manifests) {
    const key = keyOf(m, namespace);
    const before = appliedByKey.get(key);
    if (!before) {
      objects.push({ key, action: 'create' });
      continue;
    }
    const fields = objectChanges(m, before, versions, chartChanged);
    if (fields.length > 0 || ((from !== to || chartChanged) && m.kind === 'Deployment'))
      objects.push({ key, action: 'update', fields: fields.slice(0, MAX_FIELDS) });
  }
  const desiredKeys = new Set(d.manifests.map((m) => keyOf(m, namespace)));
  for (const key of appliedByKey.keys()) if (!desiredKeys.has(key)) objects.push({ key, action: 'delete' });

  const hpa = scaledByHpa(applied.manifests);
  for (const [key, m] of appliedByKey) {
    const l = live.get(key);
    if (!l) {
      drift.push({ key, fields: ['deleted (it is not in the cluster)'] });
      continue;
    }
    if (m.kind === 'Secret') continue;
    const view = driftView(m);
    if (hpa.has(`${m.kind}/${m.metadata.name}`))
      delete (view.spec as Record<string, unknown> | undefined)?.replicas;
    const fields: string[] = [];
    driftOf(view, driftView(l), '', fields);
    if (fields.length > 0) drift.push({ key, fields });
  }

  const replicas = { from: deploymentReplicas(applied.manifests), to: deploymentReplicas(d.manifests) };
  const parts: string[] = [];
  if (from !== to) parts.push(`${from ?? '?'} → ${to ?? '?'} (image)`);
  if (chartChanged) parts.push(`chart ${chart.from ?? 'unpinned'} → ${chart.to ?? 'unpinned'}`);
  if (replicas.from !== replicas.to)
    parts.push(`replicas ${replicas.from ?? 'auto'} → ${replicas.to ?? 'auto'}`);
  for (const o of objects) {
    if (o.action === 'update' && (o.fields?.length ?? 0) === 0) continue;
    parts.push(
      o.action === 'update'
        ? `${shortKey(o.key)} changed (${o.fields!.join(', ')})`
        : `${shortKey(o.key)} to ${o.action}`,
    );
  }
  for (const dr of drift) parts.push(`drift: ${shortKey(dr.key)} ${dr.fields.join('; ')}`);
  const changed = objects.length > 0 || from !== to || chartChanged;
  const action = changed ? PLAN_ACTIONS.update : drift.length > 0 ? PLAN_ACTIONS.drift : PLAN_ACTIONS.inSync;
  const state = tail ? `; revision ${tail.revision} ${tail.status}` : '';
  return {
    ...base,
    action,
    version: { ...(from ? { from } : {}), ...(to ? { to } : {}) },
    ...(chart.from || chart.to
      ? { chart: { ...(chart.from ? { from: chart.from } : {}), ...(chart.to ? { to: chart.to } : {}) } }
      : {}),
    replicas,
    objects,
    drift,
    revision: applied.revision,
    summary: `${d.service}: ${parts.length > 0 ? parts.join(', ') : `in sync (${from ?? '?'}${chart.to ? `, chart ${chart.to}` : ''}, revision ${applied.revision})`}${state}`,
  };
}

export function planEnvironment(input: PlanInput): EnvironmentPlan {
  const live = new Map(input.live.map((o) => [keyOf(o, input.namespace), o]));
  const services: ServicePlan[] = input.desired.map((d) =>
    planService(d, input.applied.get(d.service), live, input.namespace, input.latest?.get(d.service)),
  );
  const desired = new Set(input.desired.map((d) => d.service));
  for (const [service, a] of [...input.applied].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (desired.has(service)) continue;
    const v = versionLabel(a.version);
    services.push({
      service,
      action: PLAN_ACTIONS.unmanaged,
      version: { ...(v ? { from: v } : {}) },
      objects: [],
      drift: [],
      revision: a.revision,
      summary: `${service}: not in the desired state (runs ${v ?? '?'}, revision ${a.revision}; left as it is)`,
    });
  }
  const counts = emptyCounts();
  for (const s of services) counts[s.action]++;
  return {
    environment: input.environment,
    namespace: input.namespace,
    services,
    counts,
    changes: counts.install + counts.update + counts.drift > 0,
  };
}

/** Text output: one line per service, then a summary line. */
export function formatPlan(plan: EnvironmentPlan, o: { verbose?: boolean } = {}): string {
  const lines = [`plan for ${plan.environment} (namespace ${plan.namespace}):`];
  for (const s of plan.services) {
    const mark =
      s.action === 'in-sync' ? ' ' : s.action === 'install' ? '+' : s.action === 'unmanaged' ? '?' : '~';
    lines.push(`${mark} ${s.summary}`);
    if (o.verbose)
      for (const obj of s.objects)
        lines.push(`    ${obj.action} ${obj.key}${obj.fields?.length ? ` (${obj.fields.join(', ')})` : ''}`);
  }
  const c = plan.counts;
  lines.push(
    plan.changes
      ? `${c.install} to install, ${c.update} to update, ${c.drift} drifted, ${c['in-sync']} in sync${c.unmanaged ? `, ${c.unmanaged} not in the desired state` : ''}; \`slipway apply --env ${plan.environment}\` reconciles`
      : `nothing to do: ${c['in-sync']} in sync${c.unmanaged ? `, ${c.unmanaged} not in the desired state` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
