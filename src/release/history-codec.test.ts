import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { SlipwayError } from '../shared/errors.ts';
import {
  decodeRelease,
  encodeRelease,
  historySelector,
  RELEASE_SECRET_TYPE,
  type ReleaseRecord,
  releaseSecretName,
  revisionsToPrune,
} from './history-codec.ts';

function sampleRecord(over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    platform: 'shop',
    service: 'booking',
    environment: 'production',
    revision: 3,
    status: 'deployed',
    strategy: 'canary',
    version: { tag: '1.4.2', digest: `sha256:${'a'.repeat(64)}` },
    values: { replicaCount: 3, image: { tag: '1.4.2' } },
    manifests: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'booking', namespace: 'shop-production' },
        spec: { replicas: 3 },
      },
    ],
    startedBy: 'alice@ci-7:4242',
    reason: 'promote from staging',
    startedAt: '2026-11-22T14:03:12.000Z',
    endedAt: '2026-11-22T14:09:40.000Z',
    steps: [
      {
        name: 'setWeight 10',
        startedAt: '2026-11-22T14:03:13.000Z',
        endedAt: '2026-11-22T14:03:14.000Z',
        outcome: 'ok',
      },
    ],
    ...over,
  };
}

test('a record becomes a labelled Secret named like Helm names its release Secrets', () => {
  const s = encodeRelease(sampleRecord(), 'shop-production');
  assert.equal(s.metadata.name, 'slipway.release.v1.booking.v3');
  assert.equal(releaseSecretName('booking', 12), 'slipway.release.v1.booking.v12');
  assert.equal(s.metadata.namespace, 'shop-production');
  assert.equal(s.type, RELEASE_SECRET_TYPE);
  assert.deepEqual(s.metadata.labels, {
    'slipway.dev/service': 'booking',
    'slipway.dev/environment': 'production',
    'slipway.dev/platform': 'shop',
    'slipway.dev/status': 'deployed',
    'slipway.dev/revision': '3',
    owner: 'slipway',
  });
  const payload = (s.data as Record<string, string>).release!;
  assert.equal(JSON.parse(gunzipSync(Buffer.from(payload, 'base64')).toString()).service, 'booking');
});

test('decode(encode(r)) is r', () => {
  const r = sampleRecord({
    rollbackOf: 2,
    failure: { reason: 'analysis failed', detail: 'success-rate 0.91 < 0.99' },
  });
  assert.deepEqual(decodeRelease(encodeRelease(r, 'ns')), r);
});

test('a damaged Secret is reported by name, not as a crash', () => {
  const s = encodeRelease(sampleRecord(), 'ns');
  (s.data as Record<string, string>).release = 'bm90IGd6aXA=';
  assert.throws(
    () => decodeRelease(s),
    (e: unknown) =>
      e instanceof SlipwayError && e.type === 'failed' && /slipway\.release\.v1\.booking\.v3/.test(e.message),
  );
  assert.throws(() => decodeRelease({ ...s, type: 'Opaque' }), /type/);
});

test('the selector narrows to one platform, environment and service', () => {
  assert.equal(
    historySelector({ platform: 'shop', environment: 'production', service: 'booking' }),
    'owner=slipway,slipway.dev/platform=shop,slipway.dev/environment=production,slipway.dev/service=booking',
  );
});

test('pruning keeps historyLimit revisions, the newest deployed and the newest of all', () => {
  const recs = (statuses: string) =>
    statuses.split(' ').map((s, i) => ({ revision: i + 1, status: s as ReleaseRecord['status'] }));
  assert.deepEqual(revisionsToPrune(recs('superseded superseded deployed failed'), 10), []);
  assert.deepEqual(revisionsToPrune(recs('superseded superseded deployed failed'), 2), [1, 2]);
  // the newest deployed (1) is older than everything else: it stays, the next-oldest go
  assert.deepEqual(revisionsToPrune(recs('deployed failed failed failed failed'), 2), [2, 3, 4]);
  assert.deepEqual(revisionsToPrune(recs('superseded deployed pending'), 1), [1]);
});
