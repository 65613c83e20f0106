import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRelease, type ReleaseRecord } from '../release/history.ts';
import { buildServiceStatus } from '../release/inspect.ts';
import { lockInfo, microTime } from '../release/lock.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { StatusIndex } from './status-index.ts';

const deployment = (name: string, image: string, ready = true): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop-dev', generation: 1 },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image }] } } },
  status: {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    availableReplicas: ready ? 1 : 0,
  },
});

const record = (service: string, revision: number, status: string, tag: string): ReleaseRecord => ({
  platform: 'shop',
  service,
  environment: 'dev',
  revision,
  status: status as ReleaseRecord['status'],
  strategy: 'rolling',
  version: { tag },
  values: { big: 'x'.repeat(1000) },
  manifests: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${service}-config` } },
    deployment(service, `example.test/${service}:${tag}`),
  ],
  startedBy: 'dana',
  startedAt: `2025-01-0${revision}T10:00:00.000Z`,
  endedAt: `2025-01-0${revision}T10:01:00.000Z`,
  steps: [],
  ...(status === 'failed' ? { failure: { reason: 'smoke tests failed' } } : {}),
});

const secret = (r: ReleaseRecord) => ({
  ...encodeRelease(r, 'shop-dev'),
  metadata: { ...encodeRelease(r, 'shop-dev').metadata, resourceVersion: String(r.revision) },
});

const lease = (service: string, holder: string, renewed: Date): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: `slipway-lock-${service}`, namespace: 'shop-dev' },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 30,
    acquireTime: microTime(renewed),
    renewTime: microTime(renewed),
  },
});

test('a service status from watched records, lease and Deployment equals the one built from reads', () => {
  const idx = new StatusIndex('dev');
  const v1 = record('web', 1, 'superseded', 'v1');
  const v2 = record('web', 2, 'deployed', 'v2');
  const v3 = record('web', 3, 'failed', 'v3');
  for (const r of [v2, v1, v3]) idx.secret('ADDED', secret(r));
  const live = deployment('web', 'example.test/web:v2');
  idx.deployment('ADDED', live);
  const [s] = idx.statuses(['web'])!;
  assert.deepEqual(s, {
    service: 'web',
    environment: 'dev',
    revision: 2,
    version: 'v2',
    deployedAt: v2.endedAt,
    images: ['example.test/web:v2'],
    health: { status: 'Healthy', message: '' },
    latest: { revision: 3, status: 'failed', failure: 'smoke tests failed' },
  });
  // The same answer as releaseStatus's path: full records (newest first), no lock, the live object.
  assert.deepEqual(
    s,
    buildServiceStatus({
      service: 'web',
      environment: 'dev',
      records: [v3, v2, v1],
      lock: undefined,
      live: [live],
    }),
  );
});

test('changes apply: a hand-edited image, a deleted revision, a never-deployed service', () => {
  const idx = new StatusIndex('dev');
  idx.secret('ADDED', secret(record('web', 1, 'deployed', 'v1')));
  idx.secret('ADDED', secret(record('web', 2, 'pending', 'v2')));
  idx.deployment('ADDED', deployment('web', 'example.test/web:hand-edit', false));
  let [web, api] = idx.statuses(['web', 'api'])!;
  assert.equal(web?.health.status, 'Progressing');
  assert.deepEqual(web?.inProgress, { holder: '(no lock)', stale: true });
  assert.equal(web?.imagesDiffer, true);
  assert.deepEqual(api, {
    service: 'api',
    environment: 'dev',
    health: { status: 'Missing', message: 'never deployed' },
  });
  idx.secret('DELETED', secret(record('web', 2, 'pending', 'v2')));
  idx.deployment('MODIFIED', deployment('web', 'example.test/web:v1'));
  [web] = idx.statuses(['web'])!;
  assert.equal(web?.latest, undefined);
  assert.equal(web?.inProgress, undefined);
  assert.equal(web?.imagesDiffer, undefined);
  assert.equal(web?.health.status, 'Healthy');
  idx.deployment('DELETED', deployment('web', 'example.test/web:v1'));
  assert.equal(idx.statuses(['web'])![0]?.health.status, 'Missing');
});

test('a lock is judged when read: held now, expired 31 s later (no event in between)', () => {
  const idx = new StatusIndex('dev');
  idx.secret('ADDED', secret(record('web', 1, 'deployed', 'v1')));
  const t0 = new Date('2025-02-01T12:00:00.000Z');
  const l = lease('web', 'ci@elsewhere:42', t0);
  idx.lease('ADDED', l);
  const held = idx.statuses(['web'], new Date(t0.getTime() + 5_000))![0]!;
  assert.deepEqual(held.inProgress, { holder: 'ci@elsewhere:42', since: t0.toISOString(), stale: false });
  assert.equal(lockInfo(l, new Date(t0.getTime() + 31_000))?.expired, true);
  assert.equal(idx.statuses(['web'], new Date(t0.getTime() + 31_000))![0]!.inProgress, undefined);
  idx.lease('DELETED', l);
  assert.equal(idx.statuses(['web'], new Date(t0.getTime() + 5_000))![0]!.inProgress, undefined);
});

test('an unreadable record makes the index answer undefined (the route reads the cluster, which reports it)', () => {
  const idx = new StatusIndex('dev');
  const bad: KubeObject = secret(record('web', 1, 'deployed', 'v1'));
  bad.data = { release: 'not gzip' };
  idx.secret('ADDED', bad);
  assert.ok(idx.statuses(['api']), 'other services still answer');
  assert.equal(idx.statuses(['web', 'api']), undefined);
  idx.secret('MODIFIED', secret(record('web', 1, 'deployed', 'v1')));
  assert.equal(idx.statuses(['web'])![0]?.revision, 1);
  // Secrets that are not release records, or records of another service under the label, are ignored.
  idx.secret('ADDED', { ...secret(record('api', 1, 'deployed', 'v1')), type: 'Opaque' });
  const other = secret(record('api', 2, 'deployed', 'v2'));
  other.metadata.labels = { ...other.metadata.labels, 'slipway.dev/service': 'web' };
  idx.secret('ADDED', other);
  assert.equal(idx.statuses(['api'])![0]?.revision, undefined);
  assert.equal(idx.statuses(['web'])![0]?.revision, 1);
});
