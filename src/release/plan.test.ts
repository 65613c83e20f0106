import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparable } from './diff.ts';
import {
  applyOrder,
  ownershipSelector,
  parseHolder,
  podFailure,
  podProgress,
  pruneKinds,
  withOwnership,
} from './plan.ts';
import { rollingStrategy } from './rolling.ts';
import { httpSmokeTests, serviceUrl } from './smoke.ts';

test('ownership labels select applied objects but never release Secrets or the lock', () => {
  const o = { platform: 'shop', environment: 'dev', service: 'web' };
  assert.equal(
    ownershipSelector(o),
    'app.kubernetes.io/managed-by=slipway,slipway.dev/platform=shop,slipway.dev/environment=dev,slipway.dev/service=web',
  );
  const [obj] = withOwnership(
    [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: 'b' } } }],
    o,
    'ns',
  );
  assert.equal(obj!.metadata.namespace, 'ns');
  assert.equal(obj!.metadata.labels?.a, 'b');
  assert.equal(obj!.metadata.labels?.['slipway.dev/service'], 'web');
});

test('config before workloads; prune kinds include the chart kinds and any extra kind', () => {
  const objs = ['Deployment', 'Service', 'ConfigMap', 'ServiceAccount'].map((kind) => ({
    apiVersion: 'v1',
    kind,
    metadata: { name: kind.toLowerCase() },
  }));
  assert.deepEqual(
    applyOrder(objs).map((o) => o.kind),
    ['ConfigMap', 'ServiceAccount', 'Service', 'Deployment'],
  );
  const kinds = pruneKinds([{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {} }]);
  assert.ok(kinds.some((k) => k.kind === 'VirtualService'));
  assert.ok(kinds.some((k) => k.kind === 'Deployment'));
});

const pod = (o: { hash: string; restarts?: number; waiting?: string; ready?: boolean; phase?: string }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', labels: { 'pod-template-hash': o.hash } },
  status: {
    phase: o.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }],
    containerStatuses: [
      {
        restartCount: o.restarts ?? 0,
        state: o.waiting ? { waiting: { reason: o.waiting } } : { running: {} },
      },
    ],
  },
});

test('only new pods that crash-loop, restart twice or fail doom a release', () => {
  assert.equal(podFailure(podProgress(pod({ hash: 'new', restarts: 1 }), 'new')), undefined);
  assert.match(podFailure(podProgress(pod({ hash: 'new', restarts: 2 }), 'new')) ?? '', /restarted 2 times/);
  assert.match(
    podFailure(podProgress(pod({ hash: 'new', restarts: 1, waiting: 'CrashLoopBackOff' }), 'new')) ?? '',
    /CrashLoopBackOff/,
  );
  assert.equal(podFailure(podProgress(pod({ hash: 'old', restarts: 5 }), 'new')), undefined);
  assert.match(podFailure(podProgress(pod({ hash: 'new', phase: 'Failed' }), 'new')) ?? '', /failed/);
  assert.equal(podProgress(pod({ hash: 'new', ready: true }), 'new').ready, true);
});

test('lock holders name a host and a process', () => {
  assert.deepEqual(parseHolder('Jane Doe@ci-7:4242'), { host: 'ci-7', pid: 4242 });
  assert.equal(parseHolder('controller'), undefined);
});

test('the rolling plan: hooks only when configured, tracking per Deployment, smoke tests when declared', () => {
  const manifests = [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }];
  const ctx = {
    namespace: 'ns',
    service: 'web',
    serviceConfig: {},
    strategy: { type: 'rolling' as const },
    release: {} as never,
    previous: undefined,
    manifests,
    deadline: 0,
  };
  assert.deepEqual(
    rollingStrategy.plan(ctx).map((s) => s.name),
    ['apply', 'track rollout', 'prune'],
  );
  const full = rollingStrategy.plan({
    ...ctx,
    serviceConfig: {
      hooks: {
        backup: { name: 'backup' },
        preDeploy: [{ name: 'migrate' }],
        postDeploy: [{ name: 'warm-cache' }],
      },
      smokeTests: [{ name: 'home', http: { path: '/' } }],
    },
  });
  assert.deepEqual(
    full.map((s) => s.name),
    [
      'pre-deploy hook backup',
      'pre-deploy hook migrate',
      'apply',
      'track rollout',
      'post-deploy hook warm-cache',
      'smoke tests',
      'prune',
    ],
  );
  assert.deepEqual(full[3]?.data, { deployments: ['web'] });
  assert.deepEqual(
    full.filter((s) => s.changesWorkloads).map((s) => s.name),
    ['apply'],
    'a failed pre-deploy hook has nothing to roll back',
  );
  // A rollback runs no hooks (migrations are forward-only); its smoke tests still run.
  const back = rollingStrategy.plan({
    ...ctx,
    release: { rollbackOf: 1 } as never,
    serviceConfig: {
      hooks: { preDeploy: [{ name: 'migrate' }], postDeploy: [{ name: 'warm-cache' }] },
      smokeTests: [{ name: 'job', job: {} }],
    },
  });
  assert.deepEqual(
    back.map((s) => s.name),
    ['apply', 'track rollout', 'smoke tests', 'prune'],
  );
});

test('smoke test URLs follow the local port mapping; job smoke tests are not http ones', () => {
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', annotations: { 'slipway.dev/local-ports': '{"80":30080}' } },
    spec: { clusterIP: '127.0.2.7', ports: [{ name: 'http', port: 80 }] },
  };
  assert.equal(serviceUrl(svc), 'http://127.0.2.7:30080');
  assert.equal(serviceUrl(svc, 'http'), 'http://127.0.2.7:30080');
  assert.equal(serviceUrl({ ...svc, spec: { clusterIP: 'None', ports: [] } }), undefined);
  assert.equal(
    httpSmokeTests({
      smokeTests: [
        { name: 'j', job: {} },
        { name: 'h', http: { path: '/' } },
      ],
    }).length,
    1,
  );
});

test('comparison drops what the server maintains and masks Secret values', () => {
  const c = comparable({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', resourceVersion: '5', uid: 'u', managedFields: [] },
    data: { password: 'c2VjcmV0' },
    status: {},
  });
  assert.deepEqual(c, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data: { password: '(8 bytes)' },
  });
});
