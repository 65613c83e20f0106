// Pure helpers of the release engine: ownership labels, which objects a release owns and
// prunes, and reading a pod's state into progress and failures. No I/O, no clock unless passed in.
import type { KubeObject } from '../shared/kube-types.ts';
import type { PodProgress } from './types.ts';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** A new pod restarted this often is crash-looping: the release fails at once. */
export const CRASH_RESTARTS = 2;

// Moved to shared/duration.ts (one grammar for files, flags and the engine); re-exported here while
// callers being rewritten (cli deploy/resume/rollback, release/target.ts) still import it from plan.ts.
export { parseDuration } from '../shared/duration.ts';

// Moved to shared/ownership.ts (one home below policy/, where preparing a release adds them);
// re-exported for the engine's callers.
export { type Ownership, ownershipLabels, ownershipSelector, withOwnership } from '../shared/ownership.ts';

/** `Kind/namespace/name`, the key KubeClient.prune keeps by. */
export function objectKey(o: KubeObject, namespace: string): string {
  return `${o.kind}/${o.metadata.namespace ?? namespace}/${o.metadata.name ?? ''}`;
}

/** Kinds the chart renders: pruning looks at these plus any kind of the releases involved. */
const CHART_KINDS: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
];

export function pruneKinds(...manifestSets: ReadonlyArray<readonly KubeObject[]>): Array<{
  apiVersion: string;
  kind: string;
}> {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  for (const k of CHART_KINDS) seen.set(k.kind, k);
  for (const set of manifestSets)
    for (const o of set) if (!seen.has(o.kind)) seen.set(o.kind, { apiVersion: o.apiVersion, kind: o.kind });
  return [...seen.values()];
}

export function workloadsOf(manifests: readonly KubeObject[]): KubeObject[] {
  return manifests.filter((o) => o.apiVersion === 'apps/v1' && o.kind === 'Deployment');
}

/** Applies namespaces and config first, workloads after, so new pods find their ConfigMaps. */
export function applyOrder(manifests: readonly KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) =>
    ['Namespace', 'ServiceAccount', 'ConfigMap', 'Secret'].includes(o.kind)
      ? 0
      : o.kind === 'Deployment'
        ? 2
        : 1;
  return [...manifests].sort((a, b) => rank(a) - rank(b));
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {});

/** A pod as progress: phase, readiness, restarts and the most telling reason. */
export function podProgress(pod: KubeObject, newHash: string | undefined): PodProgress {
  const status = rec(pod.status);
  const statuses = (Array.isArray(status.containerStatuses) ? status.containerStatuses : []) as Rec[];
  let restarts = 0;
  let reason: string | undefined;
  for (const c of statuses) {
    restarts += typeof c.restartCount === 'number' ? c.restartCount : 0;
    const state = rec(c.state);
    const waiting = rec(state.waiting);
    const terminated = rec(state.terminated);
    const r = (waiting.reason ?? terminated.reason) as string | undefined;
    if (r && r !== 'ContainerCreating' && r !== 'PodInitializing') reason ??= r;
  }
  const conds = (Array.isArray(status.conditions) ? status.conditions : []) as Rec[];
  const ready = conds.some((c) => c.type === 'Ready' && c.status === 'True');
  const hash = pod.metadata.labels?.['pod-template-hash'];
  return {
    name: pod.metadata.name ?? '?',
    phase: typeof status.phase === 'string' ? status.phase : 'Pending',
    ready,
    restarts,
    ...(reason ? { reason } : {}),
    isNew: newHash !== undefined && hash === newHash,
  };
}

/** Why a new pod dooms the release, if it does: crash-looping or failed. */
export function podFailure(p: PodProgress): string | undefined {
  if (!p.isNew) return undefined;
  if (p.reason === 'CrashLoopBackOff') return `is in CrashLoopBackOff after ${p.restarts} restarts`;
  if (p.restarts >= CRASH_RESTARTS) return `restarted ${p.restarts} times${p.reason ? ` (${p.reason})` : ''}`;
  if (p.phase === 'Failed') return `failed${p.reason ? ` (${p.reason})` : ''}`;
  return undefined;
}

/** `user@host:pid` (see lock.ts defaultHolder) → host and pid, when the holder has that form. */
export function parseHolder(holder: string): { host: string; pid: number } | undefined {
  const m = /@([^:@]+):(\d+)$/.exec(holder);
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}
