import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceConfig, Strategy } from '../config/schema.ts';
import { hookJob, jobName } from './hooks.ts';
import { blueGreenStrategy } from './strategies/blue-green.ts';
import { canaryStrategy } from './strategies/canary.ts';
import type { PlanContext } from './types.ts';

const serviceConfig: ServiceConfig = {
  hooks: {
    backup: { name: 'db-backup' },
    preDeploy: [{ name: 'flyway-migrate' }],
    postDeploy: [{ name: 'warm-cache' }],
  },
  smokeTests: [{ name: 'info', http: { path: '/api/info' } }],
};
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'res', labels: { app: 'res' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'r:v2' }] } } },
};
const ctx = (strategy: Strategy, o: Partial<PlanContext> = {}): PlanContext => ({
  namespace: 'ns',
  service: 'res',
  serviceConfig,
  strategy,
  release: { revision: 7, service: 'res', environment: 'dev', version: { tag: 'v2' } } as never,
  previous: { revision: 6 } as never,
  manifests: [deployment],
  deadline: 0,
  ...o,
});

test('blue-green: hooks before the idle colour, smoke tests on the preview and again on the active Service', () => {
  const steps = blueGreenStrategy.plan(
    ctx({ type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' }),
  );
  assert.deepEqual(
    steps.map((s) => s.name),
    [
      'pre-deploy hook db-backup',
      'pre-deploy hook flyway-migrate',
      'deploy idle colour',
      'smoke tests (preview)',
      'switch active Service',
      'post-deploy hook warm-cache',
      'smoke tests (active)',
      'scale down old colour',
    ],
  );
  assert.deepEqual(steps[3]?.data, { lifecycle: 'smoke', target: 'res-preview', label: 'preview' });
  assert.deepEqual(
    steps.filter((s) => s.changesWorkloads).map((s) => s.name),
    ['deploy idle colour'],
  );
  const back = blueGreenStrategy.plan(
    ctx(
      { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' },
      { release: { revision: 8, rollbackOf: 6 } as never },
    ),
  );
  assert.deepEqual(
    back.map((s) => s.name),
    ['deploy idle colour', 'switch active Service', 'smoke tests (active)', 'scale down old colour'],
  );
});

test('canary: hooks before the canary exists, post-deploy hooks and smoke tests after promote', () => {
  const steps = canaryStrategy.plan(ctx({ type: 'canary', steps: [{ setWeight: 50 }] }));
  assert.deepEqual(
    steps.map((s) => s.name),
    [
      'pre-deploy hook db-backup',
      'pre-deploy hook flyway-migrate',
      'apply',
      'step 1/1: setWeight 50',
      'promote',
      'post-deploy hook warm-cache',
      'smoke tests',
      'prune',
    ],
  );
  assert.equal(steps[2]?.changesWorkloads, true);
});

test('hook Jobs: the revision survives truncation; names and labels are DNS-safe', () => {
  const long = jobName(`res-${'x'.repeat(80)}`, 'r123');
  assert.ok(long.length <= 63 && long.endsWith('-r123'), long);
  const job = hookJob(
    ctx({ type: 'rolling' }),
    { name: 'E2E checkout', env: { A: '1' } },
    {
      name: jobName('res-smoke-E2E checkout', 'r7'),
      kind: 'smoke-test',
    },
  );
  assert.equal(job.metadata.name, 'res-smoke-e2e-checkout-r7');
  assert.equal(job.metadata.labels?.['slipway.dev/smoke-test'], 'e2e-checkout');
  const c = (job.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec
    .containers[0]!;
  assert.equal(c.name, 'e2e-checkout');
  assert.equal(c.image, 'r:v2', 'the service image unless the hook names one');
  assert.deepEqual(
    (c.env as Array<{ name: string }>).map((e) => e.name),
    ['SLIPWAY_SERVICE', 'SLIPWAY_ENVIRONMENT', 'SLIPWAY_REVISION', 'SLIPWAY_VERSION', 'A'],
  );
});
