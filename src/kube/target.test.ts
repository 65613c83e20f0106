import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import { resolveTarget } from './target.ts';
import { inClusterConfig } from './transport.ts';

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

test('in a pod, cluster: local is the cluster the pod runs in, reached as its ServiceAccount', () => {
  assert.deepEqual(resolveTarget({ name: 'dev', cluster: 'local' }, 'shop-dev', { inCluster: true }), {
    inCluster: true,
    namespace: 'shop-dev',
  });
  assert.deepEqual(
    resolveTarget({ name: 'prod', cluster: { context: 'eks' } }, 'shop', { inCluster: true }),
    {
      context: 'eks',
      namespace: 'shop',
    },
  );
});

test('inClusterConfig: KUBERNETES_SERVICE_HOST/PORT and a mounted token; the local cluster under SLIPWAY_POD_ROOT', () => {
  const root = mkdtempSync(join(tmpdir(), 'slipway-pod-'));
  try {
    const env = {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: '6443',
      SLIPWAY_POD_ROOT: root,
    };
    assert.equal(inClusterConfig({}), undefined, 'not in a pod');
    assert.equal(inClusterConfig(env), undefined, 'no token mounted');
    mkdirSync(join(root, 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
    writeFileSync(join(root, 'var/run/secrets/kubernetes.io/serviceaccount/token'), 'x');
    assert.deepEqual(inClusterConfig(env), { pathPrefix: root, localCluster: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
