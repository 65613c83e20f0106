// Who is calling and whether they may: a bearer token this cluster issued to a ServiceAccount makes
// the request that ServiceAccount's, checked against RBAC (auth/rbac.ts); a forged one is refused
// (401). Requests without one — the admin kubeconfig, tokens of other issuers — act as the cluster
// admin, as before: the local cluster authenticates only its own ServiceAccounts.
import type { IncomingMessage } from 'node:http';
import {
  authorize,
  forbidden,
  type RequestAttributes,
  rbacKinds,
  requestVerb,
  unauthorized,
} from '../auth/rbac.ts';
import type { TokenIssuer } from '../auth/tokens.ts';
import type { ObjectStore } from '../store/types.ts';
import { parseResourcePath } from './http.ts';
import { queryBool } from './query.ts';

/** One authorization decision, as an audit log records it. */
export interface AuditEvent extends RequestAttributes {
  user: string;
  method: string;
  allowed: boolean;
}

export interface Authn {
  tokens: TokenIssuer;
  /** Called for every request made with a ServiceAccount token, allowed or not. */
  audit?: (e: AuditEvent) => void;
}

export function requestAttributes(
  store: ObjectStore,
  method: string,
  path: string,
  query: URLSearchParams,
): RequestAttributes {
  const route = parseResourcePath(path, (g, v, p) =>
    store.resourceTypes().some((t) => t.group === g && t.version === v && t.plural === p && t.namespaced),
  );
  if (!route?.plural) {
    return {
      verb: method.toLowerCase(),
      resourceRequest: false,
      path,
      apiGroup: '',
      apiVersion: '',
      resource: '',
      subresource: '',
      namespace: '',
      name: '',
    };
  }
  const name = route.name ?? '';
  return {
    verb: requestVerb(method, name !== '', queryBool(query, 'watch')),
    resourceRequest: true,
    path,
    apiGroup: route.group,
    apiVersion: route.version,
    resource: route.plural,
    subresource: route.subresource ?? '',
    // kube-apiserver treats a Namespace as living in itself (a RoleBinding there may grant reading it).
    namespace: route.namespace ?? (route.group === '' && route.plural === 'namespaces' ? name : ''),
    name,
  };
}

/** Throws the 401/403 Status when the request may not proceed. */
export function checkAccess(
  a: Authn,
  store: ObjectStore,
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
): void {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) return;
  const user = a.tokens.verify(m[1] as string);
  if (user === undefined) return;
  if (user === 'invalid') {
    req.resume();
    throw unauthorized();
  }
  const method = req.method ?? 'GET';
  const attrs = requestAttributes(store, method, path, query);
  const kinds = rbacKinds(store);
  const allowed = kinds !== undefined && authorize(store, kinds, user, attrs);
  a.audit?.({ ...attrs, user: user.name, method, allowed });
  if (!allowed) {
    req.resume();
    throw forbidden(user, attrs);
  }
}
