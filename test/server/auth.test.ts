// Authentication for real (issue 11 items 2 and 3), in process against the local cluster and a real
// OpenID Provider on loopback (oidc-provider), with the authenticators `slipway serve` builds
// (serve-auth.ts): no token is 401; a JWT of the issuer names its user by email and brings groups
// that count in role checks; a user without the role is 403; four eyes holds on authenticated users
// and the audit names both; an expired, forged or foreign JWT is 401; an API token scoped to dev as
// deployer deploys to dev and is 403 in prod; a revoked token is 401; a browser logs in by code + PKCE
// and its session cookie is accepted. The people of the gated fixture get emails; the provider's
// subjects differ from the people keys, so the email is what finds a person.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair, SignJWT } from 'jose';
import { authenticatorsFor } from '../../src/cli/commands/serve-auth.ts';
import { loadPlatform } from '../../src/config/load.ts';
import { namespaceFor } from '../../src/config/model.ts';
import { connect } from '../../src/kube/client.ts';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { operationContext } from '../../src/operations/context.ts';
import { createToken, revokeToken } from '../../src/operations/tokens.ts';
import { silentEvents } from '../../src/release/types.ts';
import { createApp } from '../../src/server/app.ts';
import type { ServerDeps } from '../../src/server/deps.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { RunRegistry } from '../../src/server/runs.ts';
import { openStore } from '../../src/store/index.ts';
import type { StateStore } from '../../src/store/types.ts';
import { startFixturePlatform } from '../operations/support.ts';
import {
  API_AUDIENCE,
  LOGIN_CLIENT,
  type SigningKey,
  startProvider,
  type TestProvider,
  type TestUser,
} from './oidc-provider.ts';

const REDIRECT = 'http://localhost:8080/auth/callback';

/** The provider's users: dana's release-managers group comes from the provider only. */
const USERS: Record<string, TestUser> = {
  dana: { sub: 'u-1001', email: 'dana@example.test', groups: ['developers', 'release-managers'] },
  april: { sub: 'u-1002', email: 'april@example.test', groups: ['release-managers'] },
  ada: { sub: 'u-1003', email: 'ada@example.test', groups: ['platform'] },
  vic: { sub: 'u-1004', email: 'vic@example.test', groups: [] },
};

describe('authentication: OIDC bearer tokens, browser login and API tokens (real provider)', () => {
  let dir: string;
  let provider: TestProvider | undefined;
  let cluster: LocalCluster | undefined;
  let store: StateStore | undefined;
  let app: ReturnType<typeof createApp>;
  let deps: ServerDeps;
  const jwt: Record<string, string> = {};

  const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Follows a run to its end; answers the last event's status. */
  const finished = async (token: string, res: Response): Promise<unknown> => {
    const { id } = (await res.json()) as { id: string };
    const text = await (await call(token, 'GET', `/runs/${id}/events`)).text();
    const last = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .at(-1);
    return (JSON.parse(last!.slice(6)) as { data: { status: string } }).data.status;
  };
  /** A CLI-like context of a person (for creating tokens, which the CLI does). */
  const asPerson = (name: string) =>
    operationContext({
      platform: deps.platform(),
      store: store!,
      identity: { name, authenticated: false, source: 'test' },
      now: new Date(),
      cluster: { connect: deps.connect, events: () => silentEvents },
    });

  before(async () => {
    provider = await startProvider(USERS, REDIRECT);
    const issuer = provider.issuer;
    ({ dir, cluster } = await startFixturePlatform('gated', {
      editPlatform: (yaml) =>
        `${yaml.replace(
          /^ {2}(dana|april|ada|vic): \{ ?(groups: \[[\w-]+\])? ?\}$/gm,
          (_m, who: string, g?: string) => `  ${who}: { email: ${USERS[who]!.email}${g ? `, ${g}` : ''} }`,
        )}server:\n  oidc:\n    issuer: ${issuer}\n    clientId: ${LOGIN_CLIENT.id}\n    clientSecretEnv: TEST_OIDC_SECRET\n    audience: ${API_AUDIENCE}\n    redirectUrl: ${REDIRECT}\n`,
    }));
    const platform = await loadPlatform(dir);
    assert.equal(platform.platform.people?.['dana']?.email, 'dana@example.test');
    store = await openStore(undefined, dir);
    const kubeconfigPath = cluster.kubeconfigPath;
    const auth = await authenticatorsFor(platform, store, { TEST_OIDC_SECRET: LOGIN_CLIENT.secret });
    deps = {
      platform: () => platform,
      store,
      connect: async (p, env) => {
        const client = await connect({ kubeconfigPath, namespace: namespaceFor(p, env) });
        await client.ensureNamespace(namespaceFor(p, env));
        return client;
      },
      authenticators: auth.authenticators,
      login: auth.login,
      runs: new RunRegistry(),
      metrics: new ServerMetrics(),
      version: 'test',
    };
    app = createApp(deps);
    for (const who of Object.keys(USERS)) jwt[who] = await provider.accessToken(who);
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
    await provider?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('no token is 401; a user without the role is 403; one with it deploys, audited as oidc', async () => {
    assert.equal((await call(undefined, 'GET', '/environments/dev/status')).status, 401);
    const denied = await call(jwt['vic'], 'POST', '/environments/dev/services/web/deploy', {});
    assert.equal(denied.status, 403, await denied.clone().text());
    assert.match(((await denied.json()) as { detail: string }).detail, /vic may not deploy to dev/);
    const res = await call(jwt['dana'], 'POST', '/environments/dev/services/web/deploy', {});
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(await finished(jwt['dana']!, res), 'succeeded');
    const audit = (await (await call(jwt['vic'], 'GET', '/audit?env=dev&action=deploy')).json()) as Array<{
      actor: string;
      detail: Record<string, unknown>;
    }>;
    const done = audit.find((e) => e.detail['outcome'] === 'succeeded');
    assert.equal(done?.actor, 'dana', 'the email found the person');
    assert.deepEqual(done?.detail['identity'], {
      source: 'oidc',
      authenticated: true,
      credential: 'oidc token (sub u-1001)',
      name: 'dana@example.test',
    });
  });

  test('four eyes: the requester may not approve (her approver group comes from the provider); another user does', async () => {
    const req = await call(jwt['dana'], 'POST', '/promotions', { service: 'web', from: 'dev', to: 'prod' });
    assert.equal(req.status, 201, await req.clone().text());
    const { id } = (await req.json()) as { id: number };
    const self = await call(jwt['dana'], 'POST', `/promotions/${id}/approve`, {});
    assert.equal(self.status, 403);
    assert.match(
      ((await self.json()) as { detail: string }).detail,
      /requested promotion #\d+ and may not approve/,
    );
    const ok = await call(jwt['april'], 'POST', `/promotions/${id}/approve`, { comment: 'looks good' });
    assert.equal(ok.status, 202, await ok.clone().text());
    assert.equal(await finished(jwt['april']!, ok), 'succeeded');
    const entries = (await store!.listAudit({ environment: 'prod' })).filter((e) =>
      ['promote', 'approve'].includes(e.action),
    );
    const requested = entries.find((e) => e.action === 'promote' && e.detail['outcome'] === 'requested');
    const approved = entries.find((e) => e.action === 'approve' && e.detail['status'] === 'approved');
    assert.equal(requested?.actor, 'dana');
    assert.equal(approved?.actor, 'april');
    for (const e of [requested, approved])
      assert.deepEqual(
        { ...(e?.detail['identity'] as object), credential: undefined },
        { source: 'oidc', authenticated: true, credential: undefined },
      );
  });

  test('an expired, forged or foreign JWT is 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (key: SigningKey, claims: Record<string, unknown>, exp: number, iss = provider!.issuer) =>
      new SignJWT({ email: 'ada@example.test', groups: ['platform'], ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: provider!.kid })
        .setSubject('u-1003')
        .setIssuer(iss)
        .setAudience(API_AUDIENCE)
        .setIssuedAt(exp - 600)
        .setExpirationTime(exp)
        .sign(key);
    const other = (await generateKeyPair('RS256')).privateKey;
    const valid = await sign(provider!.key, {}, now + 300);
    assert.equal((await call(valid, 'GET', '/environments/dev/status')).status, 200, 'signed by the issuer');
    for (const [what, token] of [
      ['expired', await sign(provider!.key, {}, now - 120)],
      ['forged (another key)', await sign(other, {}, now + 300)],
      ['another issuer', await sign(provider!.key, {}, now + 300, 'http://127.0.0.1:1')],
      ['tampered', `${valid.slice(0, -4)}AAAA`],
    ] as const) {
      const res = await call(token, 'GET', '/environments/dev/status');
      assert.equal(res.status, 401, what);
    }
  });

  test('an API token scoped to dev as deployer deploys to dev and is 403 in prod; revoked, it is 401', async () => {
    const { token, secret } = await createToken(asPerson('ada'), {
      environments: ['dev'],
      role: 'deployer',
      expires: '1h',
      name: 'ci-main',
    });
    assert.match(secret, /^slw_/);
    assert.equal((await store!.findApiToken({ id: token.id }))?.hash.length, 64, 'only the hash is kept');
    const res = await call(secret, 'POST', '/environments/dev/services/web/deploy', { imageTag: 'v2' });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(await finished(secret, res), 'succeeded');
    const history = (await (
      await call(secret, 'GET', '/environments/dev/services/web/history')
    ).json()) as Array<{
      startedBy: string;
    }>;
    assert.equal(history[0]?.startedBy, 'token:ci-main');
    const prod = await call(secret, 'POST', '/promotions', { service: 'web', from: 'dev', to: 'prod' });
    assert.equal(prod.status, 403, await prod.clone().text());
    assert.equal((await call(secret, 'GET', '/environments/prod/status')).status, 403, 'not even viewing');
    await revokeToken(asPerson('ada'), token.id);
    assert.equal((await call(secret, 'GET', '/environments/dev/status')).status, 401);
    assert.equal((await call(`slw_${'x'.repeat(43)}`, 'GET', '/environments/dev/status')).status, 401);
  });

  test('a browser logs in by code + PKCE; the session cookie is accepted, and needs our origin to change state', async () => {
    const start = await app.request('http://localhost:8080/auth/login');
    assert.equal(start.status, 302);
    const loginCookie = start.headers.getSetCookie().find((c) => c.startsWith('slipway_login='))!;
    const authUrl = new URL(start.headers.get('location')!);
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    const back = await provider!.authorize(authUrl.href)('april');
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    const done = await app.request(`http://localhost:8080/auth/callback${back.search}`, {
      headers: { cookie: loginCookie.split(';')[0]! },
    });
    assert.equal(done.status, 302, await done.clone().text());
    const session = done.headers.getSetCookie().find((c) => c.startsWith('slipway_session='))!;
    assert.match(session, /HttpOnly/i);
    assert.match(session, /SameSite=Lax/i);
    const cookie = session.split(';')[0]!;
    const status = await app.request('http://localhost:8080/api/v1/environments/prod/status', {
      headers: { cookie },
    });
    assert.equal(status.status, 200, await status.clone().text());
    const freeze = (origin: string) =>
      app.request('http://localhost:8080/api/v1/environments/prod/freezes', {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'x' }),
      });
    assert.equal((await freeze('https://evil.example')).status, 403, 'another origin');
    const own = await freeze('http://localhost:8080');
    assert.equal(own.status, 403, 'april is no admin of prod');
    assert.match(((await own.json()) as { detail: string }).detail, /april may not administer prod/);
    const replay = await app.request(`http://localhost:8080/auth/callback${back.search}`, {
      headers: { cookie: loginCookie.split(';')[0]! },
    });
    assert.equal(replay.status, 401, 'a login state is used once');
  });
});
