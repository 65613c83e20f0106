import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../shared/kube-types.ts';
import { defaultHolder, lockedError, lockInfo, lockName, microTime } from './lock.ts';

const lease = (spec: Record<string, unknown>, reason?: string): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'slipway-lock-booking',
    namespace: 'shop',
    ...(reason ? { annotations: { 'slipway.dev/lock-reason': reason } } : {}),
  },
  spec,
});

test('names and holder identity', () => {
  assert.equal(lockName('booking'), 'slipway-lock-booking');
  assert.match(defaultHolder(), new RegExp(`^.+@.+:${process.pid}$`));
  assert.equal(microTime(new Date('2026-11-22T14:03:12.345Z')), '2026-11-22T14:03:12.345000Z');
});

test('lockInfo: held, expired, released', () => {
  const now = new Date('2026-11-22T14:03:24Z');
  const held = lockInfo(
    lease({
      holderIdentity: 'alice@ci-7:4242',
      leaseDurationSeconds: 30,
      acquireTime: '2026-11-22T14:03:12.000000Z',
      renewTime: '2026-11-22T14:03:22.000000Z',
    }),
    now,
  );
  assert.equal(held?.holder, 'alice@ci-7:4242');
  assert.equal(held?.expired, false);
  assert.equal(held?.expiresAt?.toISOString(), '2026-11-22T14:03:52.000Z');
  const old = lockInfo(
    lease({ holderIdentity: 'bob@x:1', leaseDurationSeconds: 5, renewTime: '2026-11-22T14:03:00.000000Z' }),
    now,
  );
  assert.equal(old?.expired, true);
  assert.equal(lockInfo(lease({ leaseDurationSeconds: 30 }), now), undefined);
});

test('the locked message says who, since when, and when it expires', () => {
  const now = new Date('2026-11-22T14:03:24Z');
  const info = lockInfo(
    lease(
      {
        holderIdentity: 'alice@ci-7:4242',
        leaseDurationSeconds: 30,
        acquireTime: '2026-11-22T14:03:12.000000Z',
        renewTime: '2026-11-22T14:03:22.000000Z',
      },
      'deploy 1.4.2',
    ),
    now,
  )!;
  const e = lockedError('booking', 'production', info, now);
  assert.equal(e.type, 'locked');
  assert.equal(
    e.message,
    'booking in production is being released by alice@ci-7:4242 since 14:03:12 (12 s ago) to deploy 1.4.2',
  );
  assert.match(e.hint ?? '', /if that process died, the lock expires at 14:03:52/);
  assert.equal(e.data?.holder, 'alice@ci-7:4242');
});
