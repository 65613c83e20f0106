import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadedPlatform } from '../config/load.ts';
import type { FreezeRecord } from '../store/types.ts';
import type { OperationContext } from './context.ts';
import { markerFor, mirrorFreezes } from './freeze-mirror.ts';

const now = new Date('2026-03-01T12:00:00.000Z');
const freeze = (id: number, o: Partial<FreezeRecord> = {}): FreezeRecord => ({
  id,
  environment: 'prod',
  reason: `reason ${id}`,
  createdBy: 'ada',
  startsAt: '2026-03-01T11:00:00.000Z',
  endsAt: undefined,
  liftedAt: undefined,
  liftedBy: undefined,
  ...o,
});

describe('the freeze marker mirrors what is in force', () => {
  test('nothing in force: no marker (lifted and expired freezes do not count)', () => {
    assert.equal(markerFor([], now), undefined);
    assert.equal(
      markerFor(
        [
          freeze(1, { liftedAt: '2026-03-01T11:30:00.000Z' }),
          freeze(2, { endsAt: '2026-03-01T11:59:00.000Z' }),
        ],
        now,
      ),
      undefined,
    );
  });

  test('the one that lasts longest: until lifted beats any end; later ends beat earlier ones', () => {
    const timed = freeze(4, { endsAt: '2026-03-01T14:00:00.000Z' });
    assert.deepEqual(markerFor([freeze(3, { endsAt: '2026-03-01T13:00:00.000Z' }), timed], now), {
      id: 4,
      environment: 'prod',
      reason: 'reason 4',
      by: 'ada',
      until: '2026-03-01T14:00:00.000Z',
    });
    assert.equal(
      markerFor([timed, freeze(5), freeze(6, { endsAt: '2030-01-01T00:00:00.000Z' })], now)?.id,
      5,
    );
    assert.equal(markerFor([freeze(5), freeze(8)], now)?.id, 8, 'two until lifted: the newest');
  });
});

describe('mirroring into a cluster that cannot be reached', () => {
  const ctx = (freezes: FreezeRecord[]) =>
    ({
      now,
      platform: { platform: { name: 'shop' }, environments: [{ name: 'prod' }] } as unknown as LoadedPlatform,
      store: { listFreezes: async () => freezes },
      cluster: { connect: async () => undefined },
    }) as unknown as OperationContext;

  test('a freeze: declared all the same, the running releases were not told', async () => {
    const n = await mirrorFreezes(ctx([freeze(1)]), 'prod');
    assert.equal(n.runningReleasesTold, false);
    assert.match(
      n.clusterNote ?? '',
      /cluster of prod was not reached \(its cluster is not running\): releases already running there were not told/,
    );
  });

  test('an unfreeze: the held releases stay held until the marker goes', async () => {
    const n = await mirrorFreezes(ctx([]), 'prod');
    assert.match(n.clusterNote ?? '', /stay held until ConfigMap slipway-freeze in shop-prod is removed/);
  });
});
