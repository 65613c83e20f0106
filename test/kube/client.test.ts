import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/kube/client.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import type { WatchEvent } from '../../src/shared/kube-types.ts';
import {
  configMap,
  deployment,
  startTestCluster,
  type TestCluster,
  waitFor,
  writeKubeconfig,
} from './support.ts';

const isType = (type: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SlipwayError, String(e));
  assert.equal(e.type, type, e.message);
  if (re) assert.match(`${e.message}\n${e.details.join('\n')}\n${e.hint ?? ''}`, re);
  return true;
};

describe('kube client against the local API server', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster('shop');
  });
  after(async () => {
    await c?.close();
  });

  test('apply creates, then updates in place', async () => {
    const created = await c.client.apply(deployment('booking', 'shop'));
    assert.equal(created.metadata.name, 'booking');
    assert.ok(created.metadata.uid);
    const changed = deployment('booking', 'shop', {}, 3);
    const updated = await c.client.apply(changed);
    assert.equal(updated.metadata.uid, created.metadata.uid);
    assert.equal((updated.spec as { replicas: number }).replicas, 3);
    const got = await c.client.get('apps/v1', 'Deployment', 'booking');
    assert.equal((got?.spec as { replicas?: number } | undefined)?.replicas, 3);
  });

  test('apply fills in the target namespace and dry-run does not persist', async () => {
    const obj = configMap('no-ns', 'x', { a: '1' });
    delete obj.metadata.namespace;
    const out = await c.client.apply(obj, { dryRun: true });
    assert.equal(out.metadata.namespace, 'shop');
    assert.equal(await c.client.get('v1', 'ConfigMap', 'no-ns'), undefined);
  });

  test('get of a missing object is undefined; delete answers whether it deleted', async () => {
    assert.equal(await c.client.get('v1', 'ConfigMap', 'nope'), undefined);
    await c.client.apply(configMap('gone', 'shop', { a: '1' }));
    assert.equal(await c.client.delete('v1', 'ConfigMap', 'gone'), true);
    assert.equal(await c.client.delete('v1', 'ConfigMap', 'gone'), false);
  });

  test('list by label selector, with apiVersion and kind on every item', async () => {
    await c.client.apply(configMap('l1', 'shop', { a: '1' }, { team: 'x' }));
    await c.client.apply(configMap('l2', 'shop', { a: '1' }, { team: 'y' }));
    const items = await c.client.list('v1', 'ConfigMap', { labelSelector: 'team=x' });
    assert.deepEqual(
      items.map((i) => i.metadata.name),
      ['l1'],
    );
    assert.equal(items[0]?.kind, 'ConfigMap');
    assert.equal(items[0]?.apiVersion, 'v1');
  });

  test('create refuses a taken name with conflict; replace with a stale resourceVersion is a conflict', async () => {
    const first = await c.client.create(configMap('cas', 'shop', { v: '1' }));
    await assert.rejects(c.client.create(configMap('cas', 'shop', { v: '1' })), isType('conflict'));
    const second = await c.client.replace({ ...first, data: { v: '2' } });
    assert.notEqual(second.metadata.resourceVersion, first.metadata.resourceVersion);
    await assert.rejects(
      c.client.replace({ ...first, data: { v: '3' } }),
      isType('conflict', /ConfigMap\/shop\/cas/),
    );
    const patched = await c.client.patch('v1', 'ConfigMap', 'cas', { data: { w: 'x' } });
    assert.deepEqual(patched.data, { v: '2', w: 'x' });
  });

  test('ensureNamespace is idempotent', async () => {
    await c.client.ensureNamespace('extra');
    await c.client.ensureNamespace('extra');
    assert.ok(await c.client.get('v1', 'Namespace', 'extra'));
  });

  test('prune deletes what is labelled but no longer kept', async () => {
    const sel = { 'slipway.dev/service': 'pr' };
    await c.client.apply(configMap('pr-a', 'shop', { a: '1' }, sel));
    await c.client.apply(configMap('pr-b', 'shop', { a: '1' }, sel));
    await c.client.apply(deployment('pr-web', 'shop', sel));
    await c.client.apply(configMap('other', 'shop', { a: '1' }));
    const deleted = await c.client.prune({
      labelSelector: 'slipway.dev/service=pr',
      keep: new Set(['ConfigMap/shop/pr-a', 'Deployment/shop/pr-web']),
      kinds: [
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { apiVersion: 'apps/v1', kind: 'Deployment' },
        { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
      ],
    });
    assert.deepEqual(deleted, ['ConfigMap/shop/pr-b']);
    assert.ok(await c.client.get('v1', 'ConfigMap', 'other'));
    assert.ok(await c.client.get('v1', 'ConfigMap', 'pr-a'));
  });

  for (const status of [409, 429, 503] as const) {
    test(`an injected ${status} is retried transparently`, async () => {
      c.api.setFault({ status, count: 2, match: { method: 'PATCH' } });
      const out = await c.client.apply(configMap(`retry-${status}`, 'shop', { a: '1' }));
      assert.equal(out.metadata.name, `retry-${status}`);
      c.api.setFault(undefined);
    });
  }

  test('a fault that outlasts the retries is reported as an api error naming the object', async () => {
    c.api.setFault({
      status: 500,
      count: 10,
      match: { method: 'GET', pathPrefix: '/api/v1/namespaces/shop/configmaps' },
    });
    try {
      await assert.rejects(c.client.get('v1', 'ConfigMap', 'x'), isType('api', /ConfigMap\/shop\/x.*500/));
    } finally {
      c.api.setFault(undefined);
    }
  });

  test('422 becomes a manifest error with the field path', async () => {
    const bad = deployment('bad', 'shop');
    (bad.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [];
    await assert.rejects(c.client.apply(bad), isType('manifest', /spec\.template\.spec\.containers/));
  });

  test('an unknown kind is a notFound error naming the kind', async () => {
    await assert.rejects(
      c.client.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
      isType('notFound', /Widget/),
    );
  });

  test('a dropped watch resumes without losing or repeating events', async () => {
    const events: WatchEvent[] = [];
    await c.client.apply(configMap('w-0', 'shop', { n: '0' }, { watch: 'yes' }));
    const w = await c.client.watch('v1', 'ConfigMap', { labelSelector: 'watch=yes' }, (e) => events.push(e));
    try {
      await waitFor(() => events.length === 1);
      assert.equal(events[0]?.type, 'ADDED');
      await c.client.apply(configMap('w-1', 'shop', { n: '1' }, { watch: 'yes' }));
      await waitFor(() => events.length === 2);
      c.api.dropWatches();
      // written while the watch is down: must still arrive once, in order
      await c.client.apply(configMap('w-2', 'shop', { n: '2' }, { watch: 'yes' }));
      await c.client.apply(configMap('w-1', 'shop', { n: '1b' }, { watch: 'yes' }));
      await c.client.delete('v1', 'ConfigMap', 'w-0');
      await waitFor(() => events.length >= 5);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata.name}`),
        ['ADDED w-0', 'ADDED w-1', 'ADDED w-2', 'MODIFIED w-1', 'DELETED w-0'],
      );
      assert.equal(events[3]?.object.kind, 'ConfigMap');
    } finally {
      w.stop();
    }
  });
});

describe('kube client errors before and without a server', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-kube-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an unknown context is a usage error listing the contexts, before any request', async () => {
    const path = writeKubeconfig(dir, 'http://127.0.0.1:1', ['dev', 'prod']);
    await assert.rejects(
      connect({ kubeconfigPath: path, context: 'stagin', namespace: 'x' }),
      isType('usage', /stagin[\s\S]*dev[\s\S]*prod/),
    );
  });

  test('a missing kubeconfig is a usage error', async () => {
    await assert.rejects(
      connect({ kubeconfigPath: join(dir, 'missing'), namespace: 'x' }),
      isType('usage', /does not exist/),
    );
  });

  test('a closed port → unreachable naming the server and context', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const path = writeKubeconfig(dir, `http://127.0.0.1:${port}`, ['dev']);
    const client = await connect({ kubeconfigPath: path, context: 'dev', namespace: 'x' });
    await assert.rejects(
      client.get('v1', 'ConfigMap', 'a'),
      isType(
        'unreachable',
        new RegExp(`127\\.0\\.0\\.1:${port}[\\s\\S]*context "dev"[\\s\\S]*slipway cluster up`),
      ),
    );
  });
});
