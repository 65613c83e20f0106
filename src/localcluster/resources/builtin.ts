// The built-in resource table: every kind the local cluster serves, with what discovery needs
// (short names, categories, subresources) and which list fields strategic merge patch keys by.
import type { ResourceType } from '../store/types.ts';

export interface ResourceInfo extends ResourceType {
  singular: string;
  shortNames?: string[];
  categories?: string[];
  /** Subresources: status and scale behave like Kubernetes; log is served from the pod runner. */
  subresources: Array<'status' | 'scale' | 'log'>;
  /** True for kinds defined by a CustomResourceDefinition (merge-patch semantics, no SMP). */
  custom?: boolean;
}

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceInfo> = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    plural,
    namespaced,
    singular: kind.toLowerCase(),
    subresources: [],
    ...extra,
  };
}

const ALL = ['all'];

export const BUILTIN_RESOURCES: ResourceInfo[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], subresources: ['status'] }),
  r('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ALL,
    subresources: ['status', 'log'],
  }),
  r('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: ALL,
    subresources: ['status'],
  }),
  r('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  r('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  r('', 'v1', 'Secret', 'secrets', true),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'] }),
  r('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  r('apps', 'v1', 'Deployment', 'deployments', true, {
    shortNames: ['deploy'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
    shortNames: ['rs'],
    categories: ALL,
    subresources: ['status', 'scale'],
  }),
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),
  // Served for `kubectl autoscale`; stored as autoscaling/v2 (see conversion.ts).
  r('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, {
    shortNames: ['pdb'],
    subresources: ['status'],
  }),
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, {
    shortNames: ['ing'],
    subresources: ['status'],
  }),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  r('batch', 'v1', 'Job', 'jobs', true, { categories: ALL, subresources: ['status'] }),
  r('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  r('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, {
    shortNames: ['crd', 'crds'],
    subresources: ['status'],
  }),
];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function typeKey(t: { group: string; plural: string }): string {
  return `${t.group}/${t.plural}`;
}

/** The ResourceInfo for each version a CRD serves (served versions only). */
export function resourcesFromCrd(crd: Record<string, unknown>): ResourceInfo[] {
  const spec = (crd.spec ?? {}) as Record<string, unknown>;
  const names = (spec.names ?? {}) as Record<string, unknown>;
  const group = String(spec.group ?? '');
  const kind = String(names.kind ?? '');
  const plural = String(names.plural ?? '');
  if (!group || !kind || !plural) return [];
  const versions = Array.isArray(spec.versions) ? (spec.versions as Array<Record<string, unknown>>) : [];
  const out: ResourceInfo[] = [];
  for (const v of versions) {
    if (v.served === false) continue;
    const sub = (v.subresources ?? {}) as Record<string, unknown>;
    const subresources: ResourceInfo['subresources'] = [];
    if (sub.status) subresources.push('status');
    if (sub.scale) subresources.push('scale');
    const info: ResourceInfo = {
      group,
      version: String(v.name),
      kind,
      plural,
      namespaced: spec.scope !== 'Cluster',
      singular: String(names.singular ?? kind.toLowerCase()),
      subresources,
      custom: true,
    };
    if (Array.isArray(names.shortNames)) info.shortNames = names.shortNames.map(String);
    if (Array.isArray(names.categories)) info.categories = names.categories.map(String);
    out.push(info);
  }
  return out;
}
