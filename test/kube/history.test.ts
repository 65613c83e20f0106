import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RELEASE_STATUS, type ReleaseRecord, releaseHistory } from '../../src/release/history.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import { startTestCluster, type TestCluster } from './support.ts';

const base = (over: Partial<ReleaseRecord> = {}): Omit<ReleaseRecord, 'revision'> => ({
  platform: 'shop',
  service: 'booking',
  environment: 'production',
  status: RELEASE_STATUS.pending,
  strategy: 'rolling',
  version: { tag: '1.0.0' },
  values: { replicaCount: 2 },
  manifests: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'booking' } }],
  startedBy: 'alice@ci-7:4242',
  startedAt: '2026-11-22T14:00:00.000Z',
  steps: [],
  ...over,
});

describe('release history in the cluster', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster('shop-production');
  });
  after(async () => {
    await c?.close();
  });
  const opts = { platform: 'shop', environment: 'production', namespace: 'shop-production', historyLimit: 3 };

  test('create numbers revisions, list is newest first, get and latest read them back', async () => {
    const h = releaseHistory(c.client, opts);
    assert.equal(await h.latest('booking'), undefined);
    const r1 = await h.create(base());
    const r2 = await h.create(base({ version: { tag: '1.1.0' } }));
    assert.deepEqual([r1.revision, r2.revision], [1, 2]);
    assert.deepEqual(
      (await h.list('booking')).map((r) => r.revision),
      [2, 1],
    );
    assert.equal((await h.get('booking', 2))?.version.tag, '1.1.0');
    assert.equal((await h.latest('booking'))?.revision, 2);
    assert.equal(await h.get('booking', 9), undefined);
    const secret = await c.client.get('v1', 'Secret', 'slipway.release.v1.booking.v2');
    assert.equal(secret?.type, 'slipway.dev/release.v1');
    assert.equal(secret?.metadata.labels?.['slipway.dev/status'], 'pending');
  });

  test('concurrent creates get distinct revision numbers', async () => {
    const h1 = releaseHistory(c.client, opts);
    const h2 = releaseHistory(c.client, opts);
    const made = await Promise.all([
      h1.create(base({ service: 'race' })),
      h2.create(base({ service: 'race' })),
      h1.create(base({ service: 'race' })),
    ]);
    assert.deepEqual(made.map((r) => r.revision).sort(), [1, 2, 3]);
  });

  test('update is optimistic: a writer with a stale view gets a conflict', async () => {
    const a = releaseHistory(c.client, opts);
    const b = releaseHistory(c.client, opts);
    const r = await a.create(base({ service: 'cas' }));
    const seenByB = (await b.get('cas', r.revision))!;
    const done = await a.update({
      ...r,
      status: RELEASE_STATUS.deployed,
      endedAt: '2026-11-22T14:05:00.000Z',
    });
    assert.equal(done.status, 'deployed');
    await assert.rejects(
      b.update({ ...seenByB, status: RELEASE_STATUS.failed }),
      (e: unknown) => e instanceof SlipwayError && e.type === 'conflict',
    );
    assert.equal((await b.get('cas', r.revision))?.status, 'deployed');
    // after re-reading, b may write
    await b.update({ ...(await b.get('cas', r.revision))!, reason: 'note' });
  });

  test('lastGood, markSuperseded and prune to historyLimit keeping the newest deployed', async () => {
    const h = releaseHistory(c.client, opts);
    const svc = 'hist';
    const r1 = await h.create(base({ service: svc, status: RELEASE_STATUS.deployed }));
    const r2 = await h.create(base({ service: svc, status: RELEASE_STATUS.deployed }));
    assert.deepEqual(await h.markSuperseded(svc, r2.revision), [r1.revision]);
    assert.equal((await h.get(svc, r1.revision))?.status, 'superseded');
    for (let i = 0; i < 3; i++) await h.create(base({ service: svc, status: RELEASE_STATUS.failed }));
    assert.equal((await h.lastGood(svc))?.revision, r2.revision);
    const pruned = await h.prune(svc);
    assert.deepEqual(pruned, [1, 3]);
    assert.deepEqual(
      (await h.list(svc)).map((r) => r.revision),
      [5, 4, 2],
    );
  });
});
