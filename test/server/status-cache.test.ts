// The server's status cache against the local cluster, in process: after the first status request
// the environment's watches sync, later answers come from memory, and a deploy made meanwhile (by

// another process, here the engine directly) shows up in the cached status within a second.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import util from 'node:util';
import { deploy } from '../../src/release/engine.ts';
import { silentEvents } from '../../src/release/types.ts';
import { createApp } from '../../src/server/app.ts';
import type { Authenticator } from '../../src/server/auth.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { RunRegistry } from '../../src/server/runs.ts';
import { StatusCache } from '../../src/server/status-cache.ts';
import { openStore } from '../../src/store/index.ts';
import type { StateStore } from '../../src/store/types.ts';
import { type ReleaseTestEnv, startReleaseEnv } from '../release/support.ts';

const table: Authenticator = {
  authenticate: async (t) =>
    t === 't-vic' ? { name: 'vic', authenticated: true, source: 'test', credential: 't-vi…' } : undefined,
};

let env: ReleaseTestEnv;
let store: StateStore;
let cache: StatusCache;
let app: ReturnType<typeof createApp>;

before(async () => {
  env = await startReleaseEnv();
  store = await openStore(undefined, env.dir);
  cache = new StatusCache(async () => env.client);
  app = createApp({
    platform: () => env.platform,
    store,
    connect: async () => env.client,
    authenticators: [table],
    runs: new RunRegistry(),
    metrics: new ServerMetrics(),
    version: 'test',
    statusCache: cache,
  });
});
after(async () => {
  cache?.stop();
  await store?.close();
  await env?.close();
});

const status = async () => {
  const res = await app.request('/api/v1/environments/dev/status', {
    headers: { authorization: 'Bearer t-vic' },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Array<{ service: string; revision?: number; version?: string }>;
};

test('a deploy shows up in the cached status within a second', async () => {
  // The first request reads the cluster (and starts the watches); then the cache is synced.
  const first = await status();
  assert.ok(first.every((s) => s.revision === undefined));
  assert.equal(await cache.warm(env.platform, 'dev'), true);
  assert.ok(cache.statuses(env.platform, 'dev'), 'synced');

  const r = await deploy(
    env.client,
    {
      platform: env.platform,
      service: 'web',
      environment: 'dev',
      overrides: { imageTag: 'v7' },
      user: 'test',
      timeoutMs: 60_000,
    },
    silentEvents,
  );
  assert.equal(r.status, 'deployed', r.failure?.reason);
  const done = Date.now();
  let seen: { revision?: number; version?: string } | undefined;
  while (Date.now() - done < 1000) {
    seen = (await status()).find((s) => s.service === 'web');
    if (seen?.revision === r.revision) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.equal(seen?.revision, r.revision, `cached status after ${Date.now() - done} ms`);
  assert.equal(seen?.version, 'v7');
  // From memory, and the same answer as reading the cluster once the watch has delivered the lock's
  // release too (the lock is released after the revision is written, so it can lag by one event).
  const { releaseStatus } = await import('../../src/release/inspect.ts');
  const fresh = await releaseStatus(env.client, { platform: env.platform, environment: 'dev' });
  const settled = Date.now();
  while (Date.now() - settled < 1000 && !util.isDeepStrictEqual(cache.statuses(env.platform, 'dev'), fresh)) {
    await new Promise((res) => setTimeout(res, 20));
  }
  assert.deepEqual(cache.statuses(env.platform, 'dev'), fresh);
});
