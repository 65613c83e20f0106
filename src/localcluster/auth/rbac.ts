// RBAC as kube-apiserver's authorizer applies it (plugin/pkg/auth/authorizer/rbac): a request's
// attributes (verb, API group, resource/subresource, namespace, name) are allowed when a rule of a
// Role or ClusterRole bound to the user matches — ClusterRoleBindings everywhere, RoleBindings only
// in their namespace. Denials answer the 403 Status Kubernetes sends, word for word.
import type { KubeObject } from '../../shared/kube-types.ts';
import { ApiStatusError } from '../store/errors.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';
import type { UserInfo } from './tokens.ts';

export interface RequestAttributes {
  verb: string;
  /** False for non-resource paths (discovery, /version, /openapi, health). */
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** The verb kube-apiserver's RequestInfoFactory derives from the method and the URL. */
export function requestVerb(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return hasName ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function resourceMatches(rule: PolicyRule, a: RequestAttributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`),
  );
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceMatches(rule, a.path);
  if (!has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== '' && names.includes(a.name));
}

function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'ServiceAccount':
      return (
        user.serviceAccount !== undefined &&
        s.name === user.serviceAccount.name &&
        (s.namespace ?? bindingNamespace) === user.serviceAccount.namespace
      );
    case 'User':
      return s.name === user.name;
    case 'Group':
      return s.name !== undefined && user.groups.includes(s.name);
    default:
      return false;
  }
}

export interface RbacKinds {
  role: ResourceType;
  clusterRole: ResourceType;
  roleBinding: ResourceType;
  clusterRoleBinding: ResourceType;
}

export function rbacKinds(store: ObjectStore): RbacKinds | undefined {
  const g = 'rbac.authorization.k8s.io/v1';
  const role = store.resourceTypeFor(g, 'Role');
  const clusterRole = store.resourceTypeFor(g, 'ClusterRole');
  const roleBinding = store.resourceTypeFor(g, 'RoleBinding');
  const clusterRoleBinding = store.resourceTypeFor(g, 'ClusterRoleBinding');
  if (!role || !clusterRole || !roleBinding || !clusterRoleBinding) return undefined;
  return { role, clusterRole, roleBinding, clusterRoleBinding };
}

/**
 * The bootstrap policy every authenticated user has (system:discovery, system:basic-user,
 * system:public-info-viewer): reading discovery, OpenAPI, version and health paths.
 */
const DISCOVERY_PATHS = [
  '/api',
  '/api/*',
  '/apis',
  '/apis/*',
  '/openapi',
  '/openapi/*',
  '/version',
  '/version/',
  '/healthz',
  '/livez',
  '/readyz',
];
const DISCOVERY_RULE: PolicyRule = { verbs: ['get'], nonResourceURLs: DISCOVERY_PATHS };

/** Whether a rule bound to the user allows the request. */
export function authorize(
  store: ObjectStore,
  kinds: RbacKinds,
  user: UserInfo,
  a: RequestAttributes,
): boolean {
  if (ruleAllows(DISCOVERY_RULE, a)) return true;
  const rulesOf = (
    ref: { kind?: string; name?: string } | undefined,
    ns: string | undefined,
  ): PolicyRule[] => {
    if (!ref?.name) return [];
    const role =
      ref.kind === 'ClusterRole'
        ? store.get(kinds.clusterRole, undefined, ref.name)
        : ref.kind === 'Role' && ns
          ? store.get(kinds.role, ns, ref.name)
          : undefined;
    return (role as (KubeObject & { rules?: PolicyRule[] }) | undefined)?.rules ?? [];
  };
  const bound = (b: KubeObject, ns: string | undefined) =>
    ((b as { subjects?: Subject[] }).subjects ?? []).some((s) => subjectMatches(s, user, ns));
  const roleRef = (b: KubeObject) => (b as { roleRef?: { kind?: string; name?: string } }).roleRef;
  for (const b of store.list(kinds.clusterRoleBinding).items) {
    if (bound(b, undefined) && rulesOf(roleRef(b), undefined).some((r) => ruleAllows(r, a))) return true;
  }
  // RoleBindings grant only inside their namespace, and only for resource requests.
  if (!a.resourceRequest || !a.namespace) return false;
  for (const b of store.list(kinds.roleBinding, { namespace: a.namespace }).items) {
    if (bound(b, a.namespace) && rulesOf(roleRef(b), a.namespace).some((r) => ruleAllows(r, a))) return true;
  }
  return false;
}

/** kube-apiserver's forbiddenMessage + apierrors.NewForbidden. */
export function forbidden(user: UserInfo, a: RequestAttributes): ApiStatusError {
  if (!a.resourceRequest) {
    return new ApiStatusError(
      403,
      'Forbidden',
      `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}"`,
      {},
    );
  }
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  const why = `User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const what = a.name ? `${qualified} "${a.name}"` : qualified;
  return new ApiStatusError(403, 'Forbidden', `${what} is forbidden: ${why}`, {
    ...(a.name ? { name: a.name } : {}),
    ...(a.apiGroup ? { group: a.apiGroup } : {}),
    kind: a.resource,
  });
}

export function unauthorized(): ApiStatusError {
  return new ApiStatusError(401, 'Unauthorized', 'Unauthorized');
}
