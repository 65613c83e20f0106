import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import { renderRbac } from './rbac.ts';
import { context } from './test-fixtures.ts';

const rule = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'] };

test('rbac: off by default; a Role and RoleBinding for the service account in its namespace', () => {
  assert.deepEqual(renderRbac(context()), []);
  const [role, binding] = renderRbac(context({ rbac: { create: true, rules: [rule] } }));
  assert.equal(role?.kind, 'Role');
  assert.equal(role?.metadata.namespace, 'appointments-production');
  assert.deepEqual((role as unknown as { rules: unknown }).rules, [rule]);
  assert.equal(binding?.kind, 'RoleBinding');
  assert.deepEqual((binding as unknown as { subjects: unknown }).subjects, [
    { kind: 'ServiceAccount', name: 'booking', namespace: 'appointments-production' },
  ]);
});

test('rbac.clusterWide: a ClusterRole and binding named after the namespace, with no namespace', () => {
  const objs = renderRbac(context({ rbac: { create: true, clusterWide: true, rules: [rule] } }));
  assert.deepEqual(
    objs.map((o) => [o.kind, o.metadata.name, o.metadata.namespace]),
    [
      ['ClusterRole', 'appointments-production-booking', undefined],
      ['ClusterRoleBinding', 'appointments-production-booking', undefined],
    ],
  );
  assert.deepEqual((objs[1] as unknown as { roleRef: unknown }).roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'appointments-production-booking',
  });
});

test('rbac.rules: a rule that is not a PolicyRule is a values error naming the key', () => {
  assert.throws(
    () => renderRbac(context({ rbac: { create: true, rules: [{ verb: ['get'] }] } })),
    (e: unknown) =>
      e instanceof SlipwayError && e.type === 'values' && /rbac\.rules\[0\]\.verb/.test(e.message),
  );
  assert.throws(
    () => renderRbac(context({ rbac: { create: true, rules: [{ resources: ['pods'] }] } })),
    (e: unknown) => e instanceof SlipwayError && /no verbs/.test(e.message),
  );
});
