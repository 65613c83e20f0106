// Promotion operations over a real store, on SQLite and on PostgreSQL: requests, four-eyes approvals,
// expiry, rejection, refusals and their audit trail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LoadedPlatform } from '../../src/config/load.ts';
import { listAudit, verifyAudit } from '../../src/promotion/audit.ts';
import {
  approve,
  expirePromotions,
  getPromotion,
  listPromotions,
  markPromotion,
  type OperationContext,
  type PromotionRequest,
  readAudit,
  reject,
  requestPromotion,
} from '../../src/promotion/operations.ts';
import { authorize } from '../../src/promotion/roles.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import type { DeploymentSeen, StateStore } from '../../src/store/types.ts';
import { describeEachBackend } from '../store/backends.ts';
import { fixturePlatform } from './fixture.ts';

const TUESDAY = new Date('2026-03-03T12:00:00Z');
const SATURDAY = new Date('2026-03-07T10:00:00Z');
const hoursAfter = (d: Date, h: number) => new Date(d.getTime() + h * 3_600_000);

let platform: LoadedPlatform;
let cleanup: () => void;
before(async () => {
  ({ platform, cleanup } = await fixturePlatform());
});
after(() => cleanup());

const isError = (type: string, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SlipwayError, String(e));
  assert.equal(e.type, type, e.message);
  assert.match(e.message, message);
  return true;
};

/** What the source environments' release histories hold (the operations layer reads them from the cluster). */
let seen: DeploymentSeen[] = [];

function request(c: OperationContext, r: PromotionRequest) {
  return requestPromotion(c, r, {
    deployments: seen.filter((d) => d.environment === r.from),
    declaredFreezes: [],
  });
}

async function seed(_store: StateStore) {
  seen = [];
  for (const [service, version] of [
    ['booking', 'v1.4.2'],
    ['search', 'v2.0.0'],
  ] as const) {
    seen.push({
      environment: 'staging',
      service,
      version,
      digest: undefined,
      status: 'succeeded',
      finishedAt: '2026-03-01T09:00:00.000Z',
    });
    seen.push({
      environment: 'development',
      service,
      version: `${version}-hot`,
      digest: undefined,
      status: 'succeeded',
      finishedAt: '2026-03-03T11:55:00.000Z',
    });
  }
}

describeEachBackend('promotion operations', (fresh) => {
  const ctx = (store: StateStore, user: string, now = TUESDAY): OperationContext => ({
    store,
    platform,
    user,
    now,
  });

  test('N distinct approvers, never the requester, never twice; every step audited', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    await seed(store);
    const p = await request(ctx(store, 'dave'), {
      service: 'booking',
      from: 'staging',
      to: 'production',
      reason: 'weekly',
    });
    assert.equal(p.status, 'requested');
    assert.equal(p.approvalsNeeded, 2);
    assert.deepEqual(p.versions, { booking: { version: 'v1.4.2' } });
    assert.equal(p.expiresAt, '2026-03-04T12:00:00.000Z');

    // Self-approval by an approver: refused and audited — also when dave goes by his email.
    await assert.rejects(
      approve(ctx(store, 'dave@shop.example'), p.id),
      isError('forbidden', /dave requested promotion #\d+ and may not approve it too/),
    );
    // A deployer without the approver role.
    await assert.rejects(
      approve(ctx(store, 'anna'), p.id),
      isError('forbidden', /anna may not approve promotions to production/),
    );

    const first = await approve(ctx(store, 'bob'), p.id, 'looks good');
    assert.equal(first.promotion.status, 'requested');
    await assert.rejects(
      approve(ctx(store, 'bob'), p.id),
      isError('conflict', /bob has already approved promotion/),
    );
    const second = await approve(ctx(store, 'carol'), p.id);
    assert.equal(second.promotion.status, 'approved');
    assert.deepEqual(
      second.approvals.map((a) => a.approver),
      ['bob', 'carol'],
    );
    await assert.rejects(
      approve(ctx(store, 'root'), p.id),
      isError('conflict', /is approved, no longer waiting/),
    );

    const trail = await listAudit(store, { environment: 'production' });
    assert.deepEqual(
      trail.map((e) => [e.actor, e.action]),
      [
        ['dave', 'promote'],
        ['dave', 'permission-denied'],
        ['anna', 'permission-denied'],
        ['bob', 'approve'],
        ['carol', 'approve'],
      ],
    );
    assert.match(String(trail[1]!.detail['reason']), /four eyes/);
    assert.equal((await verifyAudit(store)).ok, true);

    // The release engine runs it once.
    assert.equal((await markPromotion(ctx(store, 'anna'), p.id, 'running')).status, 'running');
    await assert.rejects(
      markPromotion(ctx(store, 'anna'), p.id, 'running'),
      isError('conflict', /is running/),
    );
    assert.equal((await markPromotion(ctx(store, 'anna'), p.id, 'succeeded')).status, 'succeeded');
  });

  test('an expired request cannot be approved; expirePromotions expires the rest', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    await seed(store);
    const a = await request(ctx(store, 'anna'), {
      service: 'booking',
      from: 'staging',
      to: 'production',
    });
    const b = await request(ctx(store, 'dave'), {
      service: 'search',
      from: 'staging',
      to: 'production',
    });
    await approve(ctx(store, 'bob'), a.id);
    const late = hoursAfter(TUESDAY, 25);
    await assert.rejects(
      approve(ctx(store, 'carol', late), a.id),
      isError('conflict', /promotion #\d+ expired at 2026-03-04 12:00 UTC/),
    );
    assert.equal((await getPromotion(ctx(store, 'eve'), a.id)).promotion.status, 'expired');
    const expired = await expirePromotions({ store, now: late });
    assert.deepEqual(
      expired.map((p) => p.id),
      [b.id],
    );
    assert.deepEqual(
      (await listAudit(store, { action: 'expire' })).map((e) => [e.actor, e.detail['id']]),
      [
        ['carol', a.id],
        ['slipway', b.id],
      ],
    );
    assert.deepEqual(await expirePromotions({ store, now: late }), []);
  });

  test('reject by an approver, withdraw by the requester', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    await seed(store);
    const a = await request(ctx(store, 'anna'), {
      service: 'booking',
      from: 'staging',
      to: 'production',
    });
    const rejected = await reject(ctx(store, 'bob'), a.id, 'error budget spent');
    assert.equal(rejected.promotion.status, 'rejected');
    await assert.rejects(approve(ctx(store, 'carol'), a.id), isError('conflict', /is rejected/));
    const b = await request(ctx(store, 'anna'), {
      service: 'booking',
      from: 'staging',
      to: 'production',
    });
    await assert.rejects(
      reject(ctx(store, 'eve'), b.id, 'no'),
      isError('forbidden', /eve may not approve promotions/),
    );
    assert.equal((await reject(ctx(store, 'anna'), b.id, 'wrong version')).promotion.status, 'rejected');
    const rejects = await listAudit(store, { action: 'reject' });
    assert.deepEqual(
      rejects.map((e) => [e.actor, e.detail['reason'], e.detail['withdrawn'] ?? false]),
      [
        ['bob', 'error budget spent', false],
        ['anna', 'wrong version', true],
      ],
    );
  });

  test('refusals: out of order, frozen, unknown id, no permission — each audited', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    await seed(store);
    await assert.rejects(
      request(ctx(store, 'anna'), { service: 'booking', from: 'development', to: 'production' }),
      (e: unknown) => {
        assert.ok(e instanceof SlipwayError && e.type === 'policy');
        assert.deepEqual(e.details, [
          'production is promoted from staging, not from development; only a hotfix (--hotfix) may skip environments',
        ]);
        return true;
      },
    );
    await assert.rejects(
      request(ctx(store, 'anna', SATURDAY), {
        service: 'booking',
        from: 'staging',
        to: 'production',
      }),
      (e: unknown) => e instanceof SlipwayError && /frozen \(weekend\)/.test(e.details[0] ?? ''),
    );
    // A hotfix goes through the freeze and skips staging, and is marked.
    const hot = await request(ctx(store, 'anna', SATURDAY), {
      service: 'booking',
      from: 'development',
      to: 'production',
      hotfix: true,
    });
    assert.equal(hot.hotfix, true);
    assert.deepEqual(hot.versions, { booking: { version: 'v1.4.2-hot' } });
    await assert.rejects(
      request(ctx(store, 'bob'), { service: 'booking', from: 'staging', to: 'production' }),
      isError('forbidden', /bob may not deploy to production/),
    );
    await assert.rejects(approve(ctx(store, 'bob'), 999), isError('notFound', /no promotion #999/));
    await assert.rejects(
      authorize({ store, platform, user: 'eve', now: TUESDAY }, 'staging', 'deploy'),
      isError('forbidden', /eve may not deploy to staging/),
    );

    const trail = await listAudit(store);
    assert.deepEqual(
      trail.map((e) => [e.actor, e.action, e.environment, e.detail['outcome'] ?? e.detail['action']]),
      [
        ['anna', 'promote', 'production', 'refused'],
        ['anna', 'promote', 'production', 'refused'],
        ['anna', 'hotfix', 'production', 'requested'],
        ['bob', 'permission-denied', 'production', 'deploy'],
        ['eve', 'permission-denied', 'staging', 'deploy'],
      ],
    );

    // Reading the audit log is limited to the environments the user may view.
    const hidden: LoadedPlatform = {
      ...platform,
      environments: platform.environments.map((e) =>
        e.name === 'production' ? { ...e, roles: { ...e.roles, viewer: ['root'] } } : e,
      ),
    };
    const eveSees = await readAudit({ store, platform: hidden, user: 'eve', now: TUESDAY });
    assert.deepEqual(
      eveSees.map((e) => e.environment),
      ['staging'],
    );
    await assert.rejects(
      readAudit({ store, platform: hidden, user: 'eve', now: TUESDAY }, { environment: 'production' }),
      isError('forbidden', /eve may not view production/),
    );
    // Four entries above plus eve's refused read.
    assert.equal((await readAudit(ctx(store, 'anna'), { environment: 'production' })).length, 5);
  });

  test('no approvals needed: approved at once; all services at once; one open promotion per service', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    await seed(store);
    // Promoting all services reports the reasons per service.
    await assert.rejects(
      request(ctx(store, 'ci', TUESDAY), { service: 'all', from: 'development', to: 'staging' }),
      (e: unknown) =>
        e instanceof SlipwayError &&
        e.details.length === 2 &&
        e.details[0]!.startsWith('booking: v1.4.2-hot has run in development for 5m of the required 30m'),
    );
    const later = hoursAfter(TUESDAY, 1);
    const p = await request(ctx(store, 'ci', later), {
      service: 'all',
      from: 'development',
      to: 'staging',
    });
    assert.equal(p.status, 'approved');
    assert.equal(p.decidedAt, later.toISOString());
    assert.deepEqual(p.versions, { booking: { version: 'v1.4.2-hot' }, search: { version: 'v2.0.0-hot' } });
    assert.equal((await listPromotions(ctx(store, 'eve'))).length, 1);
    await assert.rejects(
      request(ctx(store, 'ci', later), { service: 'booking', from: 'development', to: 'staging' }),
      isError('conflict', /promotion #\d+ of all to staging is already approved/),
    );
    await assert.rejects(
      request(ctx(store, 'ci', later), { service: 'bookng', from: 'development', to: 'staging' }),
      isError('notFound', /unknown service "bookng" — did you mean "booking"/),
    );
    // A request that has expired does not block a new one.
    const a = await request(ctx(store, 'anna'), {
      service: 'booking',
      from: 'staging',
      to: 'production',
    });
    await assert.rejects(
      request(ctx(store, 'anna'), { service: 'booking', from: 'staging', to: 'production' }),
      isError('conflict', /already requested/),
    );
    const next = await request(ctx(store, 'anna', hoursAfter(TUESDAY, 30)), {
      service: 'booking',
      from: 'staging',
      to: 'production',
    });
    assert.equal((await store.getPromotion(a.id))?.status, 'expired');
    assert.equal(next.status, 'requested');
  });
});
