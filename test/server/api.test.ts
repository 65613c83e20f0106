// The control plane's API in process (`app.request()`), against the local cluster and the gated
// platform of the gates test: no token is 401, a token of a user without the role is 403, a deploy
// runs as a server run followed over server-sent events, four eyes holds on authenticated callers,
// a freeze declared through the API refuses a deploy, and every call is audited with the caller's
// identity. Tokens here come from a fixed table: real OIDC and API tokens are tested in auth tests.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { loadPlatform } from '../../src/config/load.ts';
import { namespaceFor } from '../../src/config/model.ts';
import { connect } from '../../src/kube/client.ts';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { createApp } from '../../src/server/app.ts';
import type { Authenticator, Caller } from '../../src/server/auth.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { Notifier, storeNotifierIO } from '../../src/server/notify/notifier.ts';
import { verifySignature } from '../../src/server/notify/payload.ts';
import { RunRegistry } from '../../src/server/runs.ts';
import { openStore } from '../../src/store/index.ts';
import type { StateStore } from '../../src/store/types.ts';
import { startFixturePlatform } from '../operations/support.ts';

/** A fixed token table standing in for the identity provider in this test. */
const tokens: Record<string, Caller> = Object.fromEntries(
  ['dana', 'april', 'ada', 'vic'].map((n) => [
    `t-${n}`,
    { name: n, authenticated: true, source: 'test', credential: `token t-${n.slice(0, 2)}…` },
  ]),
);
const table: Authenticator = { authenticate: async (t) => tokens[t] };

describe('the control plane API (in process, local cluster)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  let store: StateStore;
  let app: ReturnType<typeof createApp>;
  const runs = new RunRegistry();
  let hookPort = 0;
  let receiver: Server | undefined;
  let notifier: Notifier | undefined;

  const call = (user: string | undefined, method: string, path: string, body?: unknown) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: {
        ...(user ? { authorization: `Bearer t-${user}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** Follows a run's events to its end; answers the events. */
  const follow = async (user: string, id: string) => {
    const res = await call(user, 'GET', `/runs/${id}/events`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await res.text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { type: string; seq: number; data: Record<string, unknown> });
  };

  before(async () => {
    // A webhook on a loopback port that nothing listens on yet: the receiver starts later.
    hookPort = 20_000 + Math.floor(Math.random() * 20_000);
    process.env.SLIPWAY_TEST_HOOK_SECRET = 's3cret';
    ({ dir, cluster } = await startFixturePlatform('gated', {
      editPlatform: (yaml) => `${yaml}notifications:
  - name: ops
    url: http://127.0.0.1:${hookPort}/hook
    secretEnv: SLIPWAY_TEST_HOOK_SECRET
    events: [release.failed, approval.requested]
`,
    }));
    const platform = await loadPlatform(dir);
    store = await openStore(undefined, dir);
    const kubeconfigPath = cluster.kubeconfigPath;
    app = createApp({
      platform: () => platform,
      store,
      connect: async (p, env) => {
        const client = await connect({ kubeconfigPath, namespace: namespaceFor(p, env) });
        await client.ensureNamespace(namespaceFor(p, env));
        return client;
      },
      authenticators: [table],
      runs,
      metrics: new ServerMetrics(),
      version: 'test',
    });
  });
  after(async () => {
    await notifier?.stop();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
    await store?.close();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('health needs no token; the API does (401, problem+json); the OpenAPI document lists the routes', async () => {
    assert.equal((await app.request('/healthz')).status, 200);
    const res = await call(undefined, 'GET', '/environments/dev/status');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/);
    const p = (await res.json()) as { errorType: string; hint: string };
    assert.equal(p.errorType, 'unauthenticated');
    assert.equal(
      (await app.request('/api/v1/runs', { headers: { authorization: 'Bearer nope' } })).status,
      401,
    );
    const doc = (await (await app.request('/api/v1/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/environments/{env}/services/{service}/deploy',
      '/environments/{env}/services/{service}/rollback',
      '/environments/{env}/status',
      '/promotions/{id}/approve',
      '/environments/{env}/freezes',
      '/audit',
    ])
      assert.ok(doc.paths[`/api/v1${path}`], `${path} in the OpenAPI document`);
  });

  test('a deploy runs in the server: 202, events over SSE to the end, history and audit name the caller', async () => {
    const res = await call('dana', 'POST', '/environments/dev/services/web/deploy', { reason: 'first' });
    assert.equal(res.status, 202, await res.clone().text());
    const run = (await res.json()) as { id: string; status: string };
    const events = await follow('dana', run.id);
    const end = events.at(-1)!;
    assert.equal(end.type, 'end');
    assert.equal(end.data['status'], 'succeeded', JSON.stringify(end.data));
    assert.ok(events.some((e) => e.type === 'step' && (e.data as { name?: string }).name === 'apply'));
    const history = (await (
      await call('vic', 'GET', '/environments/dev/services/web/history')
    ).json()) as Array<{
      status: string;
      startedBy: string;
    }>;
    assert.equal(history[0]?.status, 'deployed');
    assert.equal(history[0]?.startedBy, 'dana');
    const audit = (await (await call('vic', 'GET', '/audit?env=dev&action=deploy')).json()) as Array<{
      actor: string;
      detail: Record<string, unknown>;
    }>;
    const done = audit.find((e) => e.detail['outcome'] === 'succeeded');
    assert.equal(done?.actor, 'dana');
    assert.deepEqual(done?.detail['identity'], {
      source: 'test',
      authenticated: true,
      credential: 'token t-da…',
    });
  });

  test('a user without the role is 403 and nothing runs; invalid bodies are 400 naming the field', async () => {
    const before = runs.list().length;
    const res = await call('vic', 'POST', '/environments/dev/services/web/deploy', {});
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { detail: string }).detail, /vic may not deploy/);
    assert.equal(runs.list().length, before, 'no run was started');
    const bad = await call('dana', 'POST', '/environments/dev/services/web/deploy', { imageTag: 7 });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { detail: string }).detail, /imageTag/);
    const unknown = await call('dana', 'POST', '/environments/dev/services/web/deploy', { imagetag: 'v2' });
    assert.equal(unknown.status, 400);
  });

  test('four eyes on authenticated callers: the requester may not approve; another approver runs it', async () => {
    const req = await call('dana', 'POST', '/promotions', { service: 'web', from: 'dev', to: 'prod' });
    assert.equal(req.status, 201, await req.clone().text());
    const { id } = (await req.json()) as { id: number; status: string };
    const self = await call('dana', 'POST', `/promotions/${id}/approve`, {});
    assert.equal(self.status, 403, await self.clone().text());
    const ok = await call('april', 'POST', `/promotions/${id}/approve`, { comment: 'looks good' });
    assert.equal(ok.status, 202, await ok.clone().text());
    const events = await follow('april', ((await ok.json()) as { id: string }).id);
    assert.equal(events.at(-1)!.data['status'], 'succeeded', JSON.stringify(events.at(-1)));
    const again = await call('ada', 'POST', `/promotions/${id}/approve`, {});
    assert.equal(again.status, 409, 'no longer pending');
  });

  test('a freeze declared through the API refuses a deploy; unfreeze lets it through', async () => {
    assert.equal((await call('dana', 'POST', '/environments/dev/freezes', { reason: 'x' })).status, 403);
    const f = await call('ada', 'POST', '/environments/dev/freezes', { reason: 'incident INC-9', for: '1h' });
    assert.equal(f.status, 201, await f.clone().text());
    const refused = await call('dana', 'POST', '/environments/dev/services/web/deploy', { imageTag: 'v2' });
    assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
    assert.match(((await refused.json()) as { detail: string }).detail, /frozen/);
    const listed = (await (await call('vic', 'GET', '/environments/dev/freezes')).json()) as {
      inForce: { name: string } | null;
    };
    assert.ok(listed.inForce);
    assert.equal(
      (await call('ada', 'POST', '/environments/dev/unfreeze', { reason: 'resolved' })).status,
      200,
    );
    const res = await call('dana', 'POST', '/environments/dev/services/web/deploy', { imageTag: 'v2' });
    assert.equal(res.status, 202);
    const events = await follow('dana', ((await res.json()) as { id: string }).id);
    assert.equal(events.at(-1)!.data['status'], 'succeeded');
    const metrics = await (await app.request('/metrics')).text();
    assert.match(
      metrics,
      /slipway_api_request_seconds_count\{method="POST",route="\/api\/v1\/environments\/:env\/services\/:service\/deploy",status="202"\} 2/,
    );
  });

  test('notifications: a failed release and an approval request reach a webhook that was down, signed, in order', async () => {
    const platform = await loadPlatform(dir);
    notifier = new Notifier({ platform: () => platform, ...storeNotifierIO(store), pollMs: 200 });
    notifier.start();
    await new Promise((r) => setTimeout(r, 500)); // its first pass starts the webhook at the present
    // A release that never becomes ready fails (and is rolled back) after its 5 s timeout.
    const res = await call('dana', 'POST', '/environments/dev/services/web/deploy', {
      imageTag: 'v3',
      setString: ['env.NEVER_READY=1'],
      timeout: '5s',
    });
    assert.equal(res.status, 202, await res.clone().text());
    const events = await follow('dana', ((await res.json()) as { id: string }).id);
    assert.equal(events.at(-1)!.data['status'], 'succeeded', 'the run ended; the release itself failed');
    const req = await call('dana', 'POST', '/promotions', { service: 'web', from: 'dev', to: 'prod' });
    assert.equal(req.status, 201, await req.clone().text());
    // The receiver is down: attempts fail and are logged; nothing is skipped.
    const failed = async () =>
      (await store.listDeliveries({ target: 'ops' })).filter((d) => d.status === 'failed');
    for (let i = 0; (await failed()).length === 0; i++) {
      assert.ok(
        i < 100,
        `a failed attempt is logged: ${JSON.stringify(await store.listDeliveries())} ${JSON.stringify((await store.listAudit()).slice(-4))} ${await store.notificationCursor('ops')}`,
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const got: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    receiver = createServer((rq, rs) => {
      let body = '';
      rq.on('data', (c) => {
        body += c;
      });
      rq.on('end', () => {
        got.push({ headers: rq.headers, body });
        rs.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver!.listen(hookPort, '127.0.0.1', r));
    for (let i = 0; got.length < 2; i++) {
      assert.ok(i < 200, `both events arrive after the receiver is back (got ${got.length})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const kinds = got.map((g) => (JSON.parse(g.body) as { event: string }).event);
    assert.deepEqual(kinds.slice(0, 2), ['release.failed', 'approval.requested']);
    for (const g of got) {
      assert.ok(verifySignature('s3cret', g.body, g.headers['x-slipway-signature'] as string), 'signed');
      assert.equal(g.headers['x-slipway-event'], (JSON.parse(g.body) as { event: string }).event);
    }
    const failure = JSON.parse(got[0]!.body) as { service: string; environment: string; summary: string };
    assert.equal(`${failure.service} ${failure.environment}`, 'web dev');
    assert.match(failure.summary, /deploy of web in dev failed/);
    const log = await store.listDeliveries({ target: 'ops' });
    assert.ok(log.some((d) => d.status === 'delivered' && d.event === 'approval.requested'));
    assert.ok(
      log.some((d) => d.status === 'failed' && /ECONNREFUSED/.test(d.error ?? '')),
      JSON.stringify(log),
    );
    const req2 = (await req.json()) as { id: number };
    assert.equal(
      (await call('dana', 'POST', `/promotions/${req2.id}/reject`, { reason: 'withdrawn' })).status,
      200,
    );
  });
});
