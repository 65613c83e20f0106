// Health of live objects, assessed the way Argo CD does (gitops-engine's pkg/health): pure, from the
// object's spec and status only.
import type { KubeObject } from '../shared/kube-types.ts';

export const HEALTH = {
  healthy: 'Healthy',
  progressing: 'Progressing',
  degraded: 'Degraded',
  suspended: 'Suspended',
  missing: 'Missing',
  unknown: 'Unknown',
} as const;

export type HealthStatusCode = (typeof HEALTH)[keyof typeof HEALTH];

export interface HealthStatus {
  status: HealthStatusCode;
  message: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const conditions = (status: Rec): Condition[] =>
  Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
const h = (status: HealthStatusCode, message = ''): HealthStatus => ({ status, message });

/** Worst first, for combining the health of several objects. */
export const HEALTH_ORDER: readonly HealthStatusCode[] = [
  'Degraded',
  'Missing',
  'Unknown',
  'Progressing',
  'Suspended',
  'Healthy',
];

export function worstHealth(items: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = h('Healthy');
  for (const it of items)
    if (HEALTH_ORDER.indexOf(it.status) < HEALTH_ORDER.indexOf(worst.status)) worst = it;
  return worst;
}

export function assessHealth(obj: KubeObject | undefined): HealthStatus {
  if (!obj) return h('Missing', 'the object does not exist');
  if (obj.metadata.deletionTimestamp) return h('Progressing', 'Pending deletion');
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  switch (`${group}/${obj.kind}`) {
    case 'apps/Deployment':
      return deploymentHealth(obj);
    case 'apps/ReplicaSet':
      return replicaSetHealth(obj);
    case 'apps/StatefulSet':
      return statefulSetHealth(obj);
    case 'apps/DaemonSet':
      return daemonSetHealth(obj);
    case '/PersistentVolumeClaim':
      return pvcHealth(obj);
    case '/Pod':
      return podHealth(obj);
    case '/Service':
      return loadBalancerHealth(obj, rec(obj.spec).type === 'LoadBalancer');
    case 'networking.k8s.io/Ingress':
    case 'extensions/Ingress':
      return loadBalancerHealth(obj, true);
    case 'batch/Job':
      return jobHealth(obj);
    case 'autoscaling/HorizontalPodAutoscaler':
      return hpaHealth(obj);
    case 'policy/PodDisruptionBudget':
      return pdbHealth(obj);
    default:
      return h('Healthy');
  }
}

function deploymentHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  if (spec.paused === true) return h('Suspended', 'Deployment is paused');
  const generation = obj.metadata.generation ?? 0;
  const observed = num(status.observedGeneration) ?? 0;
  if (generation > observed) {
    return h(
      'Progressing',
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  }
  const progressing = conditions(status).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return h('Degraded', `Deployment "${obj.metadata.name}" exceeded its progress deadline`);
  }
  const want = num(spec.replicas) ?? 1;
  const updated = num(status.updatedReplicas) ?? 0;
  const replicas = num(status.replicas) ?? 0;
  const available = num(status.availableReplicas) ?? 0;
  if (updated < want) {
    return h(
      'Progressing',
      `Waiting for rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
    );
  }
  if (replicas > updated) {
    return h(
      'Progressing',
      `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return h(
      'Progressing',
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return h('Healthy');
}

function replicaSetHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  if ((obj.metadata.generation ?? 0) > (num(status.observedGeneration) ?? 0)) {
    return h(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  }
  const failure = conditions(status).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (failure) return h('Degraded', failure.message ?? 'ReplicaSet failed to create pods');
  const want = num(spec.replicas) ?? 1;
  const available = num(status.availableReplicas) ?? 0;
  if (available < want) {
    return h(
      'Progressing',
      `Waiting for rollout to finish: ${available} out of ${want} new replicas are available...`,
    );
  }
  return h('Healthy');
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
}

function podHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  const all = [
    ...((status.initContainerStatuses as ContainerStatus[] | undefined) ?? []),
    ...((status.containerStatuses as ContainerStatus[] | undefined) ?? []),
  ];
  const phase = status.phase;
  if (phase === 'Pending' || phase === 'Running' || phase === undefined) {
    for (const c of all) {
      const reason = c.state?.waiting?.reason;
      if (
        reason &&
        (reason.startsWith('Err') ||
          reason.endsWith('Error') ||
          reason.endsWith('BackOff') ||
          reason === 'InvalidImageName')
      ) {
        const more = c.state?.waiting?.message ? `: ${c.state.waiting.message}` : '';
        return h('Degraded', `container ${c.name ?? '?'} is waiting: ${reason}${more}`);
      }
    }
  }
  switch (phase) {
    case 'Succeeded':
      return h('Healthy', typeof status.message === 'string' ? status.message : '');
    case 'Failed': {
      if (typeof status.message === 'string' && status.message) return h('Degraded', status.message);
      const t = all.find((c) => c.state?.terminated && c.state.terminated.exitCode !== 0);
      return h(
        'Degraded',
        t
          ? `container ${t.name ?? '?'} failed: ${t.state?.terminated?.reason ?? 'Error'} (exit code ${t.state?.terminated?.exitCode ?? '?'})`
          : 'the pod failed',
      );
    }
    case 'Running': {
      const restartPolicy = spec.restartPolicy ?? 'Always';
      if (restartPolicy !== 'Always') return h('Progressing', 'the pod is running');
      const ready = conditions(status).find((c) => c.type === 'Ready');
      if (ready?.status === 'True')
        return h('Healthy', typeof status.message === 'string' ? status.message : '');
      const notReady = all.filter((c) => !c.ready).map((c) => c.name);
      return h(
        'Progressing',
        notReady.length > 0 ? `containers not ready: ${notReady.join(', ')}` : 'the pod is not ready',
      );
    }
    case 'Pending':
      return h(
        'Progressing',
        typeof status.message === 'string' && status.message ? status.message : 'the pod is pending',
      );
    default:
      return h('Unknown', typeof status.message === 'string' ? status.message : 'the pod phase is unknown');
  }
}

function loadBalancerHealth(obj: KubeObject, needsAddress: boolean): HealthStatus {
  if (!needsAddress) return h('Healthy');
  const ingress = rec(rec(rec(obj.status).loadBalancer)).ingress;
  if (Array.isArray(ingress) && ingress.length > 0) return h('Healthy');
  return h('Progressing', 'Waiting for a load balancer address');
}

function jobHealth(obj: KubeObject): HealthStatus {
  const status = rec(obj.status);
  const conds = conditions(status);
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return h('Degraded', failed.message ?? failed.reason ?? 'Job failed');
  const done = conds.find(
    (c) => (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') && c.status === 'True',
  );
  if (done) return h('Healthy', done.message ?? 'Job completed');
  if (rec(obj.spec).suspend === true) return h('Suspended', 'Job is suspended');
  return h('Progressing', 'Job is running');
}

const HPA_DEGRADED = new Set([
  'AbleToScale/FailedGetScale',
  'AbleToScale/FailedUpdateScale',
  'ScalingActive/FailedGetResourceMetric',
  'ScalingActive/InvalidSelector',
]);
const HPA_HEALTHY = new Set([
  'AbleToScale/SucceededRescale',
  'ScalingLimited/DesiredWithinRange',
  'ScalingLimited/TooFewReplicas',
  'ScalingLimited/TooManyReplicas',
]);

function hpaHealth(obj: KubeObject): HealthStatus {
  for (const c of conditions(rec(obj.status))) {
    const key = `${c.type}/${c.reason}`;
    if (HPA_DEGRADED.has(key)) return h('Degraded', c.message ?? key);
    if (HPA_HEALTHY.has(key)) return h('Healthy', c.message ?? key);
  }
  return h('Progressing', 'Waiting to Autoscale');
}

function pdbHealth(obj: KubeObject): HealthStatus {
  const status = rec(obj.status);
  if ((obj.metadata.generation ?? 0) > (num(status.observedGeneration) ?? 0))
    return h('Progressing', 'Waiting for the disruption controller');
  const current = num(status.currentHealthy) ?? 0;
  const desired = num(status.desiredHealthy) ?? 0;
  if (current < desired) return h('Degraded', `${current} healthy pods, ${desired} needed by the budget`);
  return h('Healthy', `${current} healthy pods, ${desired} needed by the budget`);
}

function statefulSetHealth(obj: KubeObject): HealthStatus {
  const spec = rec(obj.spec);
  const status = rec(obj.status);
  if ((obj.metadata.generation ?? 0) > (num(status.observedGeneration) ?? 0)) {
    return h('Progressing', 'Waiting for statefulset spec update to be observed...');
  }
  const want = num(spec.replicas) ?? 1;
  const strategy = rec(spec.updateStrategy);
  const partition = num(rec(strategy.rollingUpdate).partition) ?? 0;
  const updated = num(status.updatedReplicas) ?? 0;
  if (strategy.type !== 'OnDelete' && partition > 0 && updated < want - partition) {
    return h(
      'Progressing',
      `Waiting for partitioned roll out to finish: ${updated} out of ${want - partition} new pods have been updated...`,
    );
  }
  const ready = num(status.readyReplicas) ?? 0;
  if (ready < want) return h('Progressing', `Waiting for ${want - ready} pods to be ready...`);
  if (strategy.type !== 'OnDelete' && partition === 0 && status.updateRevision !== status.currentRevision) {
    return h(
      'Progressing',
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${String(status.updateRevision)}...`,
    );
  }
  return h(
    'Healthy',
    `statefulset rolling update complete ${ready} pods at revision ${String(status.currentRevision ?? '')}...`,
  );
}

function daemonSetHealth(obj: KubeObject): HealthStatus {
  const status = rec(obj.status);
  if ((obj.metadata.generation ?? 0) > (num(status.observedGeneration) ?? 0)) {
    return h(
      'Progressing',
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    );
  }
  const desired = num(status.desiredNumberScheduled) ?? 0;
  const updated = num(status.updatedNumberScheduled) ?? 0;
  const available = num(status.numberAvailable) ?? 0;
  if (updated < desired) {
    return h(
      'Progressing',
      `Waiting for daemon set "${obj.metadata.name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return h(
      'Progressing',
      `Waiting for daemon set "${obj.metadata.name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return h('Healthy');
}

function pvcHealth(obj: KubeObject): HealthStatus {
  const phase = rec(obj.status).phase;
  if (phase === 'Bound') return h('Healthy');
  if (phase === 'Lost') return h('Degraded', 'the claim lost its volume');
  if (phase === 'Pending' || phase === undefined)
    return h('Progressing', 'Waiting for the claim to be bound');
  return h('Unknown', `phase ${String(phase)}`);
}
