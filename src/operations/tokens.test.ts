// API tokens without a server: the secret and its hash, when a token may be used, how its scope and
// identity-provider groups enter role checks (and that the CLI's checks, without grants, are as before),
// and who may create one.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LoadedPlatform, loadPlatform } from '../config/load.ts';
import { can } from '../promotion/roles.ts';
import { silentEvents } from '../release/types.ts';
import { SlipwayError } from '../shared/errors.ts';
import { openStore } from '../store/index.ts';
import type { ApiTokenRecord, StateStore } from '../store/types.ts';
import { operationContext } from './context.ts';
import { createToken, hashToken, newTokenSecret, revokeToken, tokenIdentity, tokenUsable } from './tokens.ts';

// dev and prod, each: viewer *, deployer developers (dana), approver release-managers (april), admin platform (ada).
const GATED = resolve(import.meta.dirname, '..', '..', 'test', 'operations', 'fixtures', 'gated');

const token = (o: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  id: 7,
  name: 'ci-main',
  hash: hashToken('slw_x'),
  environments: ['dev'],
  roles: ['deployer'],
  createdBy: 'ada',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-02-01T00:00:00.000Z',
  revokedAt: undefined,
  revokedBy: undefined,
  ...o,
});

describe('API tokens', () => {
  let platform: LoadedPlatform;
  let store: StateStore;
  const ctxOf = (name: string, identity: Record<string, unknown> = {}) =>
    operationContext({
      platform,
      store,
      identity: { name, authenticated: false, source: 'test', ...identity },
      now: new Date('2026-01-10T00:00:00Z'),
      cluster: { connect: async () => undefined, events: () => silentEvents },
    });

  before(async () => {
    platform = await loadPlatform(GATED);
    store = await openStore(':memory:', GATED);
  });
  after(() => store?.close());

  test('a secret is slw_ and 43 random characters; the store keeps its SHA-256 in hex', () => {
    const a = newTokenSecret();
    assert.match(a, /^slw_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newTokenSecret());
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hashToken(a), hashToken(a));
  });

  test('a token is usable until it expires or is revoked', () => {
    assert.equal(tokenUsable(token(), new Date('2026-01-31T23:59:59Z')), true);
    assert.equal(tokenUsable(token(), new Date('2026-02-01T00:00:00Z')), false, 'expired');
    assert.equal(tokenUsable(token({ revokedAt: '2026-01-02T00:00:00Z' }), new Date('2026-01-10')), false);
  });

  test("a scoped token holds its role in its environments only, never more than its creator's", () => {
    const id = tokenIdentity(token());
    assert.equal(id.name, 'token:ci-main');
    assert.equal(id.credential, 'api token #7 (ci-main, created by ada)');
    const may = (env: string, action: 'view' | 'deploy' | 'approve' | 'admin', t = id) =>
      can(platform, env, t.name, action, t);
    assert.equal(may('dev', 'deploy'), true);
    assert.equal(may('dev', 'view'), true, 'deployer views');
    assert.equal(may('dev', 'approve'), false);
    assert.equal(may('dev', 'admin'), false);
    assert.equal(may('prod', 'deploy'), false, 'not its environment');
    assert.equal(may('prod', 'view'), false, 'not even to view, though everyone may view prod');
    const byDana = tokenIdentity(token({ roles: ['admin'], createdBy: 'dana' }));
    assert.equal(may('dev', 'deploy', byDana), true, 'dana deploys');
    assert.equal(may('dev', 'admin', byDana), false, 'dana is no admin: neither is her token');
    const byVic = tokenIdentity(token({ createdBy: 'vic' }));
    assert.equal(may('dev', 'deploy', byVic), false, 'its creator lost the right');
  });

  test('groups from the identity provider count; none that names a person; no grants: as before', () => {
    assert.equal(can(platform, 'prod', 'vic', 'approve'), false);
    assert.equal(can(platform, 'prod', 'vic', 'approve', { groups: ['release-managers'] }), true);
    assert.equal(can(platform, 'prod', 'newcomer@example.test', 'deploy', { groups: ['developers'] }), true);
    // Role lists may name people: a provider's group called like one is not that person.
    const named: LoadedPlatform = {
      ...platform,
      environments: platform.environments.map((e) =>
        e.name === 'prod' ? { ...e, roles: { approver: ['april', 'x@example.test'] } } : e,
      ),
    };
    assert.equal(can(named, 'prod', 'vic', 'approve', { groups: ['april', 'x@example.test'] }), false);
    assert.equal(can(named, 'prod', 'april', 'approve'), true);
    assert.equal(can(platform, 'dev', 'dana', 'deploy'), true);
    assert.equal(can(platform, 'dev', 'dana', 'admin', {}), false);
  });

  test('creating needs admin of each environment (audited when refused); tokens create no tokens', async () => {
    const refused = await createToken(ctxOf('dana'), {
      environments: ['dev'],
      role: 'deployer',
      expires: '30d',
    }).catch((e: unknown) => e);
    assert.ok(refused instanceof SlipwayError && refused.type === 'forbidden', String(refused));
    assert.match(refused.message, /dana may not administer dev/);
    assert.equal((await store.listAudit()).at(-1)?.action, 'permission-denied');
    assert.deepEqual(await store.listApiTokens(), [], 'nothing created');

    const { token: t, secret } = await createToken(ctxOf('ada'), {
      environments: ['dev', 'prod', 'dev'],
      role: 'approver',
      expires: '30d',
    });
    assert.equal(t.name, 'dev-prod-approver');
    assert.deepEqual(t.environments, ['dev', 'prod']);
    assert.equal(t.createdBy, 'ada');
    assert.equal(t.expiresAt, '2026-02-09T00:00:00.000Z');
    assert.equal((await store.findApiToken({ hash: hashToken(secret) }))?.id, t.id);
    const created = (await store.listAudit()).filter((e) => e.action === 'token-create');
    assert.deepEqual(
      created.map((e) => e.environment),
      ['dev', 'prod'],
    );
    assert.equal(JSON.stringify(created).includes(secret), false, 'the secret is never audited');

    const asToken = ctxOf('token:ci', { ...tokenIdentity(token({ roles: ['admin'] })) });
    await assert.rejects(
      createToken(asToken, { environments: ['dev'], role: 'viewer', expires: '1d' }),
      /may not create API tokens/,
    );
    await assert.rejects(
      createToken(ctxOf('ada'), { environments: ['dev'], role: 'root', expires: '1d' }),
      /not a role/,
    );
    await assert.rejects(createToken(ctxOf('ada'), { environments: ['qa'], role: 'viewer', expires: '1d' }));

    await assert.rejects(revokeToken(ctxOf('vic'), t.id), /vic may not administer dev/);
    await revokeToken(ctxOf('ada'), t.id);
    await assert.rejects(revokeToken(ctxOf('ada'), t.id), /already revoked/);
  });
});
