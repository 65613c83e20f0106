import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadedPlatform } from '../config/load.ts';
import type { KubeClient } from '../kube/client.ts';
import type { SlipwayError } from '../shared/errors.ts';
import { SlipwayError as Err } from '../shared/errors.ts';
import type { WatchEvent } from '../shared/kube-types.ts';
import { StatusCache } from './status-cache.ts';

const platform = {
  platform: { name: 'shop', services: { web: {} }, environments: [{ name: 'dev' }] },
  environments: [{ name: 'dev' }],
  services: { web: {} },
} as unknown as LoadedPlatform;

/** A client whose watches list nothing and hand their onError out, counting starts. */
function fakeClient() {
  const errors: Array<(e: SlipwayError) => void> = [];
  let starts = 0;
  let stops = 0;
  const client = {
    target: { namespace: 'shop-dev' },
    async watch(
      _a: string,
      _k: string,
      o: { onError?: (e: SlipwayError) => void },
      _f: (e: WatchEvent) => void,
    ) {
      starts++;
      if (o.onError) errors.push(o.onError);
      return { stop: () => void stops++ };
    },
  } as unknown as KubeClient;
  return { client, errors, counts: () => ({ starts, stops }) };
}

test('a watch failure drops the index (answers fall back) and the watches start over from new lists', async () => {
  const f = fakeClient();
  const logged: string[] = [];
  const cache = new StatusCache(
    async () => f.client,
    (l) => logged.push(l),
  );
  try {
    assert.equal(cache.statuses(platform, 'dev'), undefined, 'not synced on the first request');
    assert.equal(await cache.warm(platform, 'dev'), true);
    assert.equal(cache.statuses(platform, 'dev')?.[0]?.service, 'web');
    assert.deepEqual(f.counts(), { starts: 3, stops: 0 });
    f.errors[0]!(new Err('unreachable', 'connection reset'));
    assert.equal(cache.statuses(platform, 'dev'), undefined, 'stale index dropped');
    assert.equal(f.counts().stops, 3);
    assert.match(logged[0] ?? '', /connection reset.*retrying/);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(f.counts().starts, 6);
    assert.ok(cache.statuses(platform, 'dev'), 'synced again');
  } finally {
    cache.stop();
  }
});

test('no cluster: not synced, retried later; stop() ends the retries', async () => {
  let asked = 0;
  const cache = new StatusCache(async () => {
    asked++;
    return undefined;
  });
  assert.equal(await cache.warm(platform, 'dev'), false);
  cache.stop();
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(asked, 1);
});
