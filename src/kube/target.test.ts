import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import { resolveTarget } from './target.ts';

test('cluster: local uses the kubeconfig the local cluster wrote', () => {
  assert.deepEqual(
    resolveTarget({ name: 'dev', cluster: 'local' }, 'shop-dev', { localKubeconfig: '/tmp/k/kubeconfig' }),
    {
      kubeconfigPath: '/tmp/k/kubeconfig',
      namespace: 'shop-dev',
    },
  );
});

test('cluster: local without a running cluster is a usage error', () => {
  assert.throws(
    () => resolveTarget({ name: 'dev', cluster: 'local' }, 'shop-dev'),
    (e: unknown) => e instanceof SlipwayError && e.type === 'usage' && /cluster up/.test(e.hint ?? ''),
  );
});

test('a named context, with and without a kubeconfig path', () => {
  assert.deepEqual(resolveTarget({ name: 'prod', cluster: { context: 'eks-prod' } }, 'shop'), {
    context: 'eks-prod',
    namespace: 'shop',
  });
  assert.deepEqual(
    resolveTarget({ name: 'prod', cluster: { context: 'eks-prod', kubeconfig: '/k' } }, 'shop'),
    {
      kubeconfigPath: '/k',
      context: 'eks-prod',
      namespace: 'shop',
    },
  );
});
