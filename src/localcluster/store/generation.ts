// metadata.generation as the API server keeps it: only the registry strategies of kinds with a
// spec/status split set it (to 1 on create) and bump it when the desired state changes. ConfigMaps,
// Secrets, Services, Pods (before 1.33's PodObservedGenerationTracking), Namespaces, Events,
// Leases, Endpoints, ServiceAccounts and HorizontalPodAutoscalers (whose strategy leaves it alone)
// carry none. Custom resources always have one.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ResourceType } from './types.ts';

const WITH_GENERATION = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  '/ReplicationController',
  'batch/Job',
  'batch/CronJob',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/NetworkPolicy',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);

export function tracksGeneration(t: ResourceType & { custom?: boolean }): boolean {
  return t.custom === true || WITH_GENERATION.has(`${t.group}/${t.kind}`);
}

/** Everything but identity, metadata and status: what a CR's generation follows. */
function desired(o: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return JSON.stringify(rest);
}

/**
 * The generation after an update of the main resource. Deployments also count annotation changes
 * (they are copied to ReplicaSets); the controller writes its revision annotation through
 * /status, which does not bump it.
 */
export function nextGeneration(t: ResourceType, prev: KubeObject, next: KubeObject): number {
  const gen = prev.metadata.generation ?? 1;
  let changed = desired(next) !== desired(prev);
  if (!changed && t.group === 'apps' && t.kind === 'Deployment') {
    changed =
      JSON.stringify(next.metadata.annotations ?? {}) !== JSON.stringify(prev.metadata.annotations ?? {});
  }
  return changed ? gen + 1 : gen;
}
