// The same flows through @kubernetes/client-node 1.4: server-side apply via KubernetesObjectApi,
// list with selectors, errors as ApiException, and Watch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiServer, startApiServer } from '../../src/localcluster/api/server.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';

type ClientNode = typeof import('@kubernetes/client-node');
let k8s: ClientNode;
let server: ApiServer;
let kc: InstanceType<ClientNode['KubeConfig']>;

before(async () => {
  k8s = await import('@kubernetes/client-node');
  server = await startApiServer({ store: createMemoryStore() });
  kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'local', token: 'local' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'local', namespace: 'default' }],
    currentContext: 'local',
  });
});
after(async () => {
  await server.close();
});

const deployment = (
  image: string,
  extraLabel?: string,
): import('@kubernetes/client-node').KubernetesObject & { spec: unknown } => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'api',
    namespace: 'default',
    labels: { app: 'api', ...(extraLabel ? { extra: extraLabel } : {}) },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'api' } },
    template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'app', image }] } },
  },
});

describe('@kubernetes/client-node against the local cluster', () => {
  it('server-side applies (create, update, removal), reads and lists', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const created = await api.patch(
      deployment('img:1', 'x'),
      undefined,
      undefined,
      'slipway',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    assert.equal(created.metadata?.generation, 1);
    const updated = await api.patch(
      deployment('img:2'),
      undefined,
      undefined,
      'slipway',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    assert.equal(updated.metadata?.generation, 2);
    assert.equal(updated.metadata?.labels?.extra, undefined);
    const read = await api.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default' },
    });
    assert.equal(
      (read as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec
        .containers[0]?.image,
      'img:2',
    );
    const list = await api.list(
      'apps/v1',
      'Deployment',
      'default',
      undefined,
      undefined,
      undefined,
      undefined,
      'app=api',
    );
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['api'],
    );
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const typed = await apps.listNamespacedDeployment({
      namespace: 'default',
      fieldSelector: 'metadata.name=api',
    });
    assert.equal(typed.items.length, 1);
  });

  it('surfaces API errors as ApiException with the Status body', async () => {
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    await assert.rejects(
      api.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'missing', namespace: 'default' },
      }),
      (e: unknown) => {
        const err = e as { code: number; body: string };
        assert.equal(err.code, 404);
        assert.equal(JSON.parse(err.body).reason, 'NotFound');
        return true;
      },
    );
  });

  it('watches from a list resourceVersion', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const listed = await core.listNamespacedConfigMap({ namespace: 'default' });
    const rv = listed.metadata?.resourceVersion;
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    let resolveDone: () => void = () => {};
    const got = new Promise<void>((r) => {
      resolveDone = r;
    });
    const ctl = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: rv, allowWatchBookmarks: true },
      (phase, obj) => {
        seen.push(`${phase} ${obj.metadata?.name ?? ''}`);
        if (seen.length === 2) resolveDone();
      },
      () => {},
    );
    try {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'w' }, data: { a: '1' } },
      });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w' });
      await got;
      assert.deepEqual(seen, ['ADDED w', 'DELETED w']);
    } finally {
      ctl.abort();
    }
  });
});
