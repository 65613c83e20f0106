import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createMemoryStore } from '../store/memory-store.ts';
import { authorize, forbidden, type RequestAttributes, rbacKinds, ruleAllows } from './rbac.ts';
import { createTokenIssuer, serviceAccountUser } from './tokens.ts';

const attrs = (o: Partial<RequestAttributes>): RequestAttributes => ({
  verb: 'get',
  resourceRequest: true,
  path: '/',
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'pods',
  subresource: '',
  namespace: 'ns',
  name: '',
  ...o,
});

test('rules match verbs, groups, resources, subresources and names as Kubernetes does', () => {
  const rule = {
    verbs: ['get', 'list'],
    apiGroups: ['apps'],
    resources: ['deployments', 'deployments/scale'],
  };
  assert.ok(ruleAllows(rule, attrs({ apiGroup: 'apps', resource: 'deployments', verb: 'list' })));
  assert.ok(ruleAllows(rule, attrs({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' })));
  assert.ok(!ruleAllows(rule, attrs({ apiGroup: 'apps', resource: 'deployments', subresource: 'status' })));
  assert.ok(!ruleAllows(rule, attrs({ apiGroup: '', resource: 'deployments' })));
  assert.ok(!ruleAllows(rule, attrs({ apiGroup: 'apps', resource: 'deployments', verb: 'delete' })));
  assert.ok(
    ruleAllows({ verbs: ['*'], apiGroups: ['*'], resources: ['*/status'] }, attrs({ subresource: 'status' })),
  );
  const named = { verbs: ['get', 'create'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] };
  assert.ok(ruleAllows(named, attrs({ name: 'a' })));
  assert.ok(!ruleAllows(named, attrs({ name: 'b' })));
  assert.ok(!ruleAllows(named, attrs({ verb: 'create' })), 'resourceNames never allow create (no name)');
});

test('ClusterRoleBindings grant everywhere, RoleBindings in their namespace; subjects by SA, user, group', () => {
  const store = createMemoryStore();
  const kinds = rbacKinds(store)!;
  const nsType = store.resourceTypeFor('v1', 'Namespace')!;
  store.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  const sa = serviceAccountUser('sys', 'slipway');
  store.create(kinds.clusterRole, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'leases' },
    rules: [{ verbs: ['get'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] }],
  } as never);
  store.create(kinds.role, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pods', namespace: 'a' },
    rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
  } as never);
  store.create(kinds.roleBinding, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'pods', namespace: 'a' },
    roleRef: { kind: 'Role', name: 'pods' },
    subjects: [{ kind: 'Group', name: 'system:serviceaccounts:sys' }],
  } as never);
  const lease = attrs({ apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'x', name: 'l' });
  assert.ok(!authorize(store, kinds, sa, lease), 'not bound yet');
  store.create(kinds.clusterRoleBinding, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'leases' },
    roleRef: { kind: 'ClusterRole', name: 'leases' },
    subjects: [{ kind: 'ServiceAccount', name: 'slipway', namespace: 'sys' }],
  } as never);
  assert.ok(authorize(store, kinds, sa, lease));
  assert.ok(authorize(store, kinds, sa, attrs({ verb: 'list', namespace: 'a' })));
  assert.ok(!authorize(store, kinds, sa, attrs({ verb: 'list', namespace: 'b' })));
  assert.ok(!authorize(store, kinds, serviceAccountUser('other', 'x'), lease));
  assert.ok(
    authorize(store, kinds, sa, attrs({ resourceRequest: false, path: '/apis/apps/v1' })),
    'discovery',
  );
});

test('the 403 Status says what kube-apiserver says', () => {
  const sa = serviceAccountUser('sys', 'slipway');
  const e = forbidden(sa, attrs({ verb: 'list', apiGroup: 'apps', resource: 'deployments', namespace: 'a' }));
  assert.equal(
    e.message,
    'deployments.apps is forbidden: User "system:serviceaccount:sys:slipway" cannot list resource "deployments" in API group "apps" in the namespace "a"',
  );
  assert.deepEqual(e.toStatus().details, { group: 'apps', kind: 'deployments' });
  const n = forbidden(sa, attrs({ resource: 'nodes', namespace: '', name: 'n1' }));
  assert.equal(
    n.message,
    'nodes "n1" is forbidden: User "system:serviceaccount:sys:slipway" cannot get resource "nodes" in API group "" at the cluster scope',
  );
});

test('tokens: ours verify, forged ones are invalid, other credentials are not ours', () => {
  const tokens = createTokenIssuer(randomBytes(32));
  const t = tokens.issue('sys', 'slipway', { name: 'p', uid: 'u' });
  assert.equal((tokens.verify(t) as { name: string }).name, 'system:serviceaccount:sys:slipway');
  assert.equal(createTokenIssuer(randomBytes(32)).verify(t), 'invalid');
  assert.equal(tokens.verify('local'), undefined);
  assert.equal(tokens.verify('a.b.c'), undefined);
});
