import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { acquireLock, forceUnlock, readLock } from '../../src/release/lock.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import { startTestCluster, type TestCluster, waitFor } from './support.ts';

describe('release locks (Lease)', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster('shop-production');
  });
  after(async () => {
    await c?.close();
  });

  test('of two concurrent acquirers exactly one wins; the other is told who holds it', async () => {
    const results = await Promise.allSettled([
      acquireLock(c.client, {
        service: 'booking',
        holder: 'alice@ci-7:4242',
        environment: 'production',
        reason: 'deploy 1.2.0',
      }),
      acquireLock(c.client, { service: 'booking', holder: 'bob@laptop:99', environment: 'production' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lostR = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lostR.length, 1);
    const lock = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value;
    const err = (lostR[0] as PromiseRejectedResult).reason;
    assert.ok(err instanceof SlipwayError && err.type === 'locked', String(err));
    assert.match(
      err.message,
      new RegExp(
        `booking in production is being released by ${lock.holder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} since \\d\\d:\\d\\d:\\d\\d \\(\\d+ s ago\\)`,
      ),
    );
    assert.match(err.hint ?? '', /expires at \d\d:\d\d:\d\d/);
    const lease = await c.client.get('coordination.k8s.io/v1', 'Lease', 'slipway-lock-booking');
    assert.equal((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, lock.holder);
    await lock.release();
    assert.equal(await readLock(c.client, 'booking'), undefined);
    const again = await acquireLock(c.client, { service: 'booking', holder: 'bob@laptop:99' });
    await again.release();
  });

  test('an expired lease is taken over; the old holder learns it lost the lock', async () => {
    const dead = await acquireLock(c.client, {
      service: 'pay',
      holder: 'dead@host:1',
      durationSeconds: 1,
      autoRenew: false,
    });
    await assert.rejects(
      acquireLock(c.client, { service: 'pay', holder: 'new@host:2', durationSeconds: 1 }),
      /being released by dead@host:1/,
    );
    await new Promise((r) => setTimeout(r, 1100));
    const taker = await acquireLock(c.client, { service: 'pay', holder: 'new@host:2', durationSeconds: 1 });
    assert.equal((await readLock(c.client, 'pay'))?.holder, 'new@host:2');
    await dead.release(); // must not free the new holder's lock
    assert.equal((await readLock(c.client, 'pay'))?.holder, 'new@host:2');
    // renewal keeps it alive past its duration
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(taker.isLost, false);
    await assert.rejects(
      acquireLock(c.client, { service: 'pay', holder: 'third@host:3' }),
      /being released by new@host:2/,
    );
    // a force unlock plus someone else taking it: the renewing holder notices
    assert.equal(await forceUnlock(c.client, 'pay'), true);
    const third = await acquireLock(c.client, { service: 'pay', holder: 'third@host:3' });
    const lost = await Promise.race([taker.lost, new Promise((r) => setTimeout(() => r(undefined), 2000))]);
    assert.ok(lost instanceof SlipwayError && /third@host:3/.test(lost.message), String(lost));
    await waitFor(() => taker.isLost);
    await taker.release();
    await third.release();
    assert.equal(await forceUnlock(c.client, 'nothing'), false);
  });
});
