// Rolling-update arithmetic of the Deployment controller, shared by its sync loop and its status:
// the annotations it maintains, fence posts (maxSurge rounds up, maxUnavailable down) and
// Kubernetes' condition-setting rule.
import type { KubeObject } from '../../shared/kube-types.ts';
import { type Condition, intOrPercent, type Obj, spec, status } from './util.ts';

export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED = 'deployment.kubernetes.io/desired-replicas';
export const MAX = 'deployment.kubernetes.io/max-replicas';
export const HASH = 'pod-template-hash';
/** Deployment annotations Kubernetes does not copy to its ReplicaSets. */
export const SKIP_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  DESIRED,
  MAX,
  'deprecated.deployment.rollback.to',
]);

export const replicasOf = (o: KubeObject) => Number(spec(o).replicas ?? 1);
export const statusNum = (o: KubeObject | undefined, f: string) => (o ? Number(status(o)[f] ?? 0) : 0);
export const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[REVISION] ?? 0);
export const byCreation = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
  (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

export interface Fenceposts {
  surge: number;
  unavailable: number;
}

/** maxSurge rounds up, maxUnavailable down; both zero becomes unavailable 1 (validation rejects it). */
export function resolveFenceposts(d: KubeObject): Fenceposts {
  const replicas = replicasOf(d);
  const strategy = (spec(d).strategy as Obj | undefined) ?? {};
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return { surge: 0, unavailable: 0 };
  const ru = (strategy.rollingUpdate as Obj | undefined) ?? {};
  const surge = intOrPercent(ru.maxSurge ?? '25%', replicas, true, 0);
  let unavailable = intOrPercent(ru.maxUnavailable ?? '25%', replicas, false, 0);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

/** Kubernetes' SetDeploymentCondition: no change when status and reason are equal. */
export function setConditionK8s(
  list: Condition[],
  c: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>,
  now: string,
) {
  const cur = list.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return list;
  const next: Condition = {
    ...c,
    lastUpdateTime: now,
    lastTransitionTime: cur && cur.status === c.status ? (cur.lastTransitionTime ?? now) : now,
  };
  return [...list.filter((x) => x.type !== c.type), next];
}

export function podFinished(p: KubeObject): boolean {
  const phase = status(p).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
