// The pure promotion rules and roles, on the fixture platform (development → staging → production).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LoadedPlatform, loadPlatform } from '../../src/config/load.ts';
import { environmentSchema } from '../../src/config/schema.ts';
import { currentUser, describeUser } from '../../src/promotion/identity.ts';
import { can, whoMay } from '../../src/promotion/roles.ts';
import {
  approvalsNeeded,
  checkPromotion,
  eligibleApprovers,
  type PromotionCheckInput,
  promotionSources,
} from '../../src/promotion/rules.ts';
import { formatDuration, parseDuration } from '../../src/shared/duration.ts';
import type { DeploymentSeen } from '../../src/store/types.ts';
import { fixturePlatform } from './fixture.ts';

// 2026-03-03 is a Tuesday; the weekend freeze runs Friday 16:00Z to Monday 08:00Z.
const TUESDAY_NOON = new Date('2026-03-03T12:00:00Z');
const minutesBefore = (d: Date, m: number) => new Date(d.getTime() - m * 60_000).toISOString();
const seen = (
  environment: string,
  version: string,
  finishedAt: string,
  status: DeploymentSeen['status'] = 'succeeded',
): DeploymentSeen => ({
  environment,
  service: 'booking',
  version,
  digest: undefined,
  status,
  finishedAt,
});

let platform: LoadedPlatform;
let cleanup: () => void;
before(async () => {
  ({ platform, cleanup } = await fixturePlatform());
});
after(() => cleanup());

function check(over: Partial<PromotionCheckInput>) {
  return checkPromotion({
    platform,
    from: 'staging',
    to: 'production',
    service: 'booking',
    user: 'anna',
    hotfix: false,
    now: TUESDAY_NOON,
    deployments: [seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 120))],
    ...over,
  });
}

describe('checkPromotion', () => {
  test('the next environment in order, soaked, outside a freeze, by a deployer: allowed with its approvals', () => {
    assert.deepEqual(check({}), {
      allowed: true,
      approvalsNeeded: 2,
      hotfix: false,
      version: { version: 'v1.4.2' },
    });
    assert.deepEqual(check({ version: 'v1.4.2' }), check({}));
  });

  test('out-of-order promotion is refused with the reason', () => {
    const r = check({
      from: 'development',
      deployments: [seen('development', 'v1.5.0', minutesBefore(TUESDAY_NOON, 600))],
    });
    assert.deepEqual(r, {
      allowed: false,
      reasons: [
        'production is promoted from staging, not from development; only a hotfix (--hotfix) may skip environments',
      ],
    });
    const backwards = check({
      from: 'production',
      to: 'staging',
      user: 'ci',
      deployments: [seen('production', 'v1', minutesBefore(TUESDAY_NOON, 600))],
    });
    assert.equal(backwards.allowed, false);
    assert.match(
      (backwards as { reasons: string[] }).reasons[0]!,
      /staging is promoted from development, not from production \(order: development → staging\)/,
    );
    const first = check({ from: 'staging', to: 'development' });
    assert.match(
      (first as { reasons: string[] }).reasons[0]!,
      /development is not promoted from another environment/,
    );
    assert.deepEqual(promotionSources(platform, 'production'), ['staging', 'development']);
  });

  test('a hotfix may skip environments where allowed, skips soak and is marked', () => {
    const r = check({
      from: 'development',
      hotfix: true,
      deployments: [seen('development', 'v1.4.3', minutesBefore(TUESDAY_NOON, 2))],
    });
    assert.deepEqual(r, { allowed: true, approvalsNeeded: 2, hotfix: true, version: { version: 'v1.4.3' } });
    // staging does not accept hotfixes at all.
    const s = check({
      from: 'development',
      to: 'staging',
      user: 'ci',
      hotfix: true,
      deployments: [seen('development', 'v1', minutesBefore(TUESDAY_NOON, 60))],
    });
    assert.match((s as { reasons: string[] }).reasons[0]!, /staging does not accept hotfixes/);
  });

  test('soak is enforced, with when to try again', () => {
    const r = check({ deployments: [seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 12))] });
    assert.deepEqual(r, {
      allowed: false,
      reasons: ['v1.4.2 has run in staging for 12m of the required 1h; try again after 2026-03-03 12:48 UTC'],
    });
    // Redeploying the same version does not restart the soak; another version in between does.
    const redeployed = [
      seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 90)),
      seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 5)),
    ];
    assert.equal(check({ deployments: redeployed }).allowed, true);
    const interrupted = [
      seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 90)),
      seen('staging', 'v1.4.1', minutesBefore(TUESDAY_NOON, 60)),
      seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 30)),
    ];
    assert.match(
      (check({ deployments: interrupted }) as { reasons: string[] }).reasons[0]!,
      /for 30m of the required 1h/,
    );
    // A failed release of another version does not count as a change of what runs.
    const failedNewer = [
      seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 90)),
      seen('staging', 'v1.5.0', minutesBefore(TUESDAY_NOON, 10), 'failed'),
    ];
    assert.equal(check({ deployments: failedNewer }).allowed, true);
  });

  test('the version must be what the source environment runs', () => {
    const none = check({ deployments: [] });
    assert.deepEqual(none, {
      allowed: false,
      reasons: ['booking has no succeeded release in staging; release it there first'],
    });
    const old = check({
      version: 'v1.4.1',
      deployments: [
        seen('staging', 'v1.4.1', minutesBefore(TUESDAY_NOON, 300)),
        seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 200)),
      ],
    });
    assert.match(
      (old as { reasons: string[] }).reasons[0]!,
      /booking v1.4.1 no longer runs in staging \(it runs v1.4.2\)/,
    );
    const never = check({ version: 'v9' });
    assert.match(
      (never as { reasons: string[] }).reasons[0]!,
      /booking v9 has no succeeded release in staging/,
    );
    const failed = check({
      deployments: [seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 200), 'failed')],
    });
    assert.equal(failed.allowed, false);
  });

  test('a freeze window blocks a release but not a hotfix', () => {
    const saturday = new Date('2026-03-07T10:00:00Z');
    const deployments = [seen('staging', 'v1.4.2', minutesBefore(saturday, 600))];
    assert.deepEqual(check({ now: saturday, deployments }), {
      allowed: false,
      reasons: [
        'production is frozen (weekend) until 2026-03-09 08:00 UTC; only a hotfix (--hotfix) may be released now',
      ],
    });
    const hotfix = check({ now: saturday, deployments, hotfix: true });
    assert.equal(hotfix.allowed, true);
  });

  test('the user must be a deployer of the target; every reason is listed at once', () => {
    const r = check({
      user: 'bob',
      deployments: [seen('staging', 'v1.4.2', minutesBefore(TUESDAY_NOON, 1))],
    });
    assert.deepEqual((r as { reasons: string[] }).reasons, [
      'v1.4.2 has run in staging for 1m of the required 1h; try again after 2026-03-03 12:59 UTC',
      'bob may not deploy to production (who may: deployer: release-managers; admin: root)',
    ]);
    assert.equal(check({ user: 'root' }).allowed, true, 'admin can everything');
    assert.equal(check({ user: 'anna@shop.example' }).allowed, true, 'a person by email');
  });

  test('hotfix approvals default to one more than the normal number', () => {
    const env = environmentSchema.parse({
      name: 'x',
      promotion: { from: 'y', approvals: 1, hotfix: { allowed: true } },
    });
    assert.equal(approvalsNeeded(env, false), 1);
    assert.equal(approvalsNeeded(env, true), 2);
  });
});

describe('roles', () => {
  test('inheritance, groups, * and environments without roles', () => {
    const table: Array<[string, string, 'view' | 'deploy' | 'approve' | 'admin', boolean]> = [
      ['anna', 'production', 'deploy', true],
      ['anna', 'production', 'approve', false],
      ['anna', 'production', 'view', true],
      ['bob', 'production', 'approve', true],
      ['bob', 'production', 'deploy', false],
      ['eve', 'production', 'view', true], // viewer: ['*']
      ['eve', 'production', 'deploy', false],
      ['stranger', 'production', 'view', true],
      ['root', 'production', 'admin', true],
      ['root', 'production', 'deploy', true],
      ['root', 'production', 'approve', true],
      ['anna', 'production', 'admin', false],
      ['ci', 'staging', 'deploy', true], // a name listed directly
      ['eve', 'staging', 'deploy', false],
      ['eve', 'staging', 'view', true], // no viewer list: everyone views
      ['anna', 'staging', 'approve', false], // roles given, no approver: nobody
      ['eve', 'development', 'deploy', true], // no roles at all: everyone
      ['eve', 'development', 'approve', true],
      ['anna@shop.example', 'production', 'deploy', true],
    ];
    for (const [user, env, action, expected] of table) {
      assert.equal(can(platform, env, user, action), expected, `${user} ${action} ${env}`);
    }
    assert.equal(whoMay(platform, 'production', 'approve'), 'approver: approvers; admin: root');
    assert.equal(whoMay(platform, 'development', 'deploy'), 'everyone');
    assert.equal(whoMay(platform, 'staging', 'approve'), 'nobody (no role grants it)');
  });
});

test('currentUser: SLIPWAY_USER, then git, then the OS account; never authenticated', () => {
  assert.deepEqual(currentUser({ SLIPWAY_USER: 'anna', USER: 'root' }, 'git@x'), {
    name: 'anna',
    authenticated: false,
    source: 'SLIPWAY_USER',
  });
  assert.deepEqual(currentUser({ USER: 'root' }, 'anna@shop.example'), {
    name: 'anna@shop.example',
    authenticated: false,
    source: 'git',
  });
  assert.deepEqual(currentUser({ USER: 'root' }), { name: 'root', authenticated: false, source: 'os' });
  assert.equal(
    describeUser(currentUser({ SLIPWAY_USER: 'anna' })),
    'acting as anna (from SLIPWAY_USER; not authenticated)',
  );
});

test('durations', () => {
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.throws(() => parseDuration('1x'));
  assert.equal(formatDuration(12 * 60_000), '12m');
  assert.equal(formatDuration(3_600_000 + 2 * 60_000 + 5000), '1h2m');
  assert.equal(formatDuration(3_600_000 + 5000), '1h');
  assert.equal(formatDuration(86_400_000 * 2 + 3_600_000), '2d1h');
  assert.equal(formatDuration(45_500), '45s');
});

describe('approvals that can never be given', () => {
  test('refused when fewer people than needed (other than the requester) may approve', () => {
    const narrowed: LoadedPlatform = {
      ...platform,
      environments: platform.environments.map((e) =>
        e.name === 'production' ? { ...e, roles: { ...e.roles, approver: ['bob'], admin: [] } } : e,
      ),
    };
    const r = check({ platform: narrowed });
    assert.deepEqual((r as { reasons: string[] }).reasons, [
      'production needs 2 approvals but only 1 person other than anna may approve there (bob); add approvers under roles: of production',
    ]);
    assert.deepEqual(eligibleApprovers(platform, 'production', 'dave'), ['bob', 'carol', 'root']);
    assert.equal(eligibleApprovers(platform, 'development', 'dave'), undefined);
  });
});

describe('the ehealth example', () => {
  let ehealth: LoadedPlatform;
  before(async () => {
    ehealth = await loadPlatform(new URL('../../examples/ehealth', import.meta.url).pathname);
  });

  test('roles follow document 002: privileged promotion to prod, suppliers may only look', () => {
    assert.equal(can(ehealth, 'prod', 'jens.poulsen', 'deploy'), true);
    assert.equal(can(ehealth, 'prod', 'lars.nielsen', 'deploy'), false);
    assert.equal(can(ehealth, 'prod', 'anna.jensen', 'view'), true);
    assert.equal(can(ehealth, 'prod', 'anna.jensen', 'deploy'), false);
    assert.equal(can(ehealth, 'prod', 'mette.hansen', 'admin'), true);
    assert.equal(can(ehealth, 'exttest', 'lars.nielsen', 'deploy'), true);
    assert.equal(can(ehealth, 'inttest', 'peter.larsen@telemed-supplier.example', 'deploy'), true);
    assert.deepEqual(eligibleApprovers(ehealth, 'prod', 'jens.poulsen'), ['mette.hansen', 'sofie.berg']);
  });

  test('strict order inttest → exttest → preprod → prod; a hotfix may skip to prod', () => {
    const deployments = [
      {
        environment: 'exttest',
        service: 'telemed-api',
        version: 'v4.3.0',
        digest: undefined,
        status: 'succeeded' as const,
        finishedAt: '2026-03-01T00:00:00.000Z',
      },
    ];
    const base = {
      platform: ehealth,
      service: 'telemed-api',
      user: 'jens.poulsen',
      now: TUESDAY_NOON,
      deployments,
    };
    const normal = checkPromotion({ ...base, from: 'exttest', to: 'prod', hotfix: false });
    assert.deepEqual((normal as { reasons: string[] }).reasons, [
      'prod is promoted from preprod, not from exttest; only a hotfix (--hotfix) may skip environments',
    ]);
    assert.deepEqual(checkPromotion({ ...base, from: 'exttest', to: 'prod', hotfix: true }), {
      allowed: true,
      approvalsNeeded: 2,
      hotfix: true,
      version: { version: 'v4.3.0' },
    });
    const preprod = checkPromotion({
      ...base,
      user: 'lars.nielsen',
      from: 'exttest',
      to: 'preprod',
      hotfix: false,
    });
    assert.equal(preprod.allowed, true);
  });
});
