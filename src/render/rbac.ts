// RBAC for the service's own ServiceAccount: `rbac.rules` become a Role and a RoleBinding in the
// release namespace, or with `rbac.clusterWide` a ClusterRole and ClusterRoleBinding (for a service
// that works in other namespaces too, as slipway itself does). Cluster-scoped names carry the
// namespace, so two environments of one service never share or overwrite each other's role.
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { type ChartContext, copyJson, meta, reader, resourceName, serviceAccountName } from './context.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';
const RULE_KEYS = ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'];

function rules(ctx: ChartContext): Array<Record<string, string[]>> {
  return reader(ctx)
    .sub('rbac')
    .list('rules')
    .map((r, i) => {
      const path = `rbac.rules[${i}]`;
      if (r === null || typeof r !== 'object' || Array.isArray(r))
        throw new SlipwayError('values', `${path} must be a map (apiGroups, resources, verbs)`, {
          data: { path },
        });
      const rule = r as Record<string, unknown>;
      const out: Record<string, string[]> = {};
      for (const k of Object.keys(rule)) {
        const v = rule[k];
        if (!RULE_KEYS.includes(k) || !Array.isArray(v) || v.some((x) => typeof x !== 'string'))
          throw new SlipwayError('values', `${path}.${k} is not a list of strings of a PolicyRule`, {
            data: { path: `${path}.${k}` },
            hint: `A rule has ${RULE_KEYS.join(', ')}: lists of strings.`,
          });
        out[k] = copyJson(v as string[]);
      }
      if (!out.verbs?.length)
        throw new SlipwayError('values', `${path} has no verbs`, { data: { path: `${path}.verbs` } });
      return out;
    });
}

export function renderRbac(ctx: ChartContext): KubeObject[] {
  const r = reader(ctx).sub('rbac');
  if (!r.bool('create', false)) return [];
  const clusterWide = r.bool('clusterWide', false);
  const m = meta(ctx, resourceName(ctx));
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccountName(ctx), namespace: ctx.namespace }];
  if (!clusterWide) {
    return [
      { apiVersion: RBAC, kind: 'Role', metadata: m, rules: rules(ctx) },
      {
        apiVersion: RBAC,
        kind: 'RoleBinding',
        metadata: m,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: m.name },
        subjects,
      },
    ];
  }
  const clusterMeta: Record<string, unknown> = { ...m, name: `${ctx.namespace}-${String(m.name)}` };
  delete clusterMeta.namespace;
  return [
    { apiVersion: RBAC, kind: 'ClusterRole', metadata: clusterMeta, rules: rules(ctx) },
    {
      apiVersion: RBAC,
      kind: 'ClusterRoleBinding',
      metadata: clusterMeta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterMeta.name },
      subjects,
    },
  ];
}
