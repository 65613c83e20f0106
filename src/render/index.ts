// The shared chart: renderService turns one service's merged values into its Kubernetes objects, in a
// deterministic order; toYaml prints them. Pure: no fs, no clock, no randomness. Only `slipway render
// --output-dir` and the deploy path write anything.
import type { KubeObject } from '../shared/kube-types.ts';
import { renderConfigMap } from './configmap.ts';
import type { ChartContext } from './context.ts';
import { renderDeployment } from './deployment.ts';
import { renderHpa } from './hpa.ts';
import { renderIngress } from './ingress.ts';
import { renderNetworkPolicy } from './networkpolicy.ts';
import { renderPdb } from './pdb.ts';
import { renderRbac } from './rbac.ts';
import { renderSecret } from './secret.ts';
import { renderExternalSecret, renderSealedSecret } from './secret-provider.ts';
import { renderServices } from './service.ts';
import { renderServiceAccount } from './serviceaccount.ts';
import { renderServiceMonitor } from './servicemonitor.ts';
import { renderTraffic } from './traffic.ts';

export { conventionalOrder, toYaml } from '../shared/yaml-emit.ts';
export { configMapName } from './configmap.ts';
export type { ChartContext, ChartSecrets, Color, Track } from './context.ts';
export { PRIMARY_SERVICE_LABEL, resourceName, SECRET_SOURCE_ANNOTATION } from './context.ts';
export { desiredReplicas, imageRef, renderWorkload, type WorkloadOptions } from './deployment.ts';
export { renderNginxCanaryIngress } from './ingress.ts';
export {
  parseSecretPlaceholder,
  type SecretRef,
  secretName,
  secretPlaceholder,
  secretsNote,
} from './secret.ts';
export {
  EXTERNAL_SECRET_API_VERSION,
  type RemoteRef,
  SEALED_SECRET_API_VERSION,
} from './secret-provider.ts';
export { serviceObject } from './service.ts';
export {
  blueGreenServices,
  type HeaderMatch,
  type RouteState,
  renderDestinationRule,
  renderHttpRoute,
  renderVirtualService,
} from './traffic.ts';

/** Helm's install order (pkg/release/util/kind_sorter.go); kinds it does not know come after, by name. */
const KIND_ORDER = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];
const KIND_RANK = new Map(KIND_ORDER.map((k, i) => [k, i]));

/** Sorts in place by install order, then kind, then name. */
export function sortObjects<T extends KubeObject>(objects: T[]): T[] {
  return objects.sort((a, b) => {
    const ra = KIND_RANK.get(a.kind) ?? KIND_ORDER.length;
    const rb = KIND_RANK.get(b.kind) ?? KIND_ORDER.length;
    if (ra !== rb) return ra - rb;
    if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** Every object of one service in one environment, at rest, sorted deterministically. */
export function renderService(ctx: ChartContext): KubeObject[] {
  return sortObjects([
    ...renderNetworkPolicy(ctx),
    ...renderPdb(ctx),
    ...renderServiceAccount(ctx),
    ...renderRbac(ctx),
    ...renderSecret(ctx),
    ...renderExternalSecret(ctx),
    ...renderSealedSecret(ctx),
    ...renderConfigMap(ctx),
    ...renderServices(ctx),
    ...renderTraffic(ctx),
    ...renderDeployment(ctx),
    ...renderHpa(ctx),
    ...renderIngress(ctx),
    ...renderServiceMonitor(ctx),
  ]);
}
