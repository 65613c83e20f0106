import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject, WatchEvent } from '../shared/kube-types.ts';
import { KubeHttpError } from './errors.ts';
import { startWatch, type WatchDeps } from './watch.ts';

const cm = (name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});
const line = (type: string, object: unknown) => JSON.stringify({ type, object });

/** Fake list/stream: each stream call plays the next script and records the resourceVersion asked for. */
function fake(
  lists: Array<{ items: KubeObject[]; resourceVersion: string }>,
  scripts: Array<(emit: (l: string) => void) => Promise<void>>,
) {
  const asked: string[] = [];
  let listCall = 0;
  let streamCall = 0;
  const deps: WatchDeps = {
    list: async () => lists[Math.min(listCall++, lists.length - 1)]!,
    stream: async (query, onLine, signal) => {
      asked.push(String(query.resourceVersion));
      const script = scripts[streamCall++];
      if (!script) return await new Promise<void>((r) => signal.addEventListener('abort', () => r()));
      await script(onLine);
    },
    describe: (e) => new SlipwayError('api', String(e)),
    apiVersion: 'v1',
    kind: 'ConfigMap',
  };
  return { deps, asked };
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

test('resumes from the last resourceVersion seen after the stream ends', async () => {
  const { deps, asked } = fake(
    [{ items: [cm('a', '1')], resourceVersion: '5' }],
    [async (emit) => emit(line('ADDED', cm('b', '6'))), async (emit) => emit(line('MODIFIED', cm('a', '7')))],
  );
  const events: WatchEvent[] = [];
  const w = await startWatch(deps, {}, (e) => events.push(e));
  await settle(600); // streams that end at once are re-opened after a short back-off
  w.stop();
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED a', 'ADDED b', 'MODIFIED a'],
  );
  assert.deepEqual(asked.slice(0, 3), ['5', '6', '7']);
});

test('410 Expired re-lists and emits only the differences', async () => {
  const { deps, asked } = fake(
    [
      { items: [cm('a', '1'), cm('b', '2')], resourceVersion: '5' },
      { items: [cm('a', '1'), cm('c', '9')], resourceVersion: '10' }, // b deleted, c added while away
    ],
    [
      async (emit) => emit(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired' })),
      async () => Promise.reject(new KubeHttpError(410, '{}')),
    ],
  );
  const events: WatchEvent[] = [];
  const w = await startWatch(deps, {}, (e) => events.push(e));
  await settle();
  w.stop();
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED a', 'ADDED b', 'ADDED c', 'DELETED b'],
  );
  assert.equal(asked[1], '10');
});

test('other failures are reported and retried; a throwing handler does not stop the watch', async () => {
  const errors: SlipwayError[] = [];
  const { deps } = fake(
    [{ items: [], resourceVersion: '1' }],
    [
      async () => Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })),
      async (emit) => emit(line('ADDED', cm('x', '2'))),
    ],
  );
  const events: WatchEvent[] = [];
  const w = await startWatch(deps, { onError: (e) => errors.push(e) }, (e) => {
    events.push(e);
    throw new Error('handler bug');
  });
  await settle();
  w.stop();
  assert.equal(errors.length, 1);
  assert.deepEqual(
    events.map((e) => e.object.metadata.name),
    ['x'],
  );
});
