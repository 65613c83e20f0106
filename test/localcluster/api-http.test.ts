// The API server over HTTP: discovery and OpenAPI shapes, CRUD and Status errors, validation modes,
// patches, subresources, logs, watch streaming/resume/expiry/bookmarks, fault injection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiServer, startApiServer } from '../../src/localcluster/api/server.ts';
import {
  createMemoryStore,
  HISTORY_LIMIT,
  type MemoryStore,
} from '../../src/localcluster/store/memory-store.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

let server: ApiServer;
let store: MemoryStore;
const D = '/apis/apps/v1/namespaces/default/deployments';
const CM = '/api/v1/namespaces/default/configmaps';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}

const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'img:1' }] },
    },
    ...extra,
  },
});

/** Reads newline-delimited JSON events from a watch until `n` arrived or the stream ended. */
async function watchEvents(
  path: string,
  n: number,
  onOpen?: () => Promise<void>,
  headers: Record<string, string> = {},
) {
  const ac = new AbortController();
  const res = await fetch(server.url + path, { signal: ac.signal, headers });
  assert.equal(res.status, 200);
  const events: Array<{ type: string; object: KubeObject & Record<string, unknown> }> = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const pending = onOpen?.();
  let buf = '';
  const dec = new TextDecoder();
  try {
    while (events.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i = buf.indexOf('\n');
      while (i >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    }
  } finally {
    await pending;
    ac.abort();
  }
  return events;
}

before(async () => {
  store = createMemoryStore();
  server = await startApiServer({
    store,
    bookmarkIntervalMs: 50,
    validate: (o) => {
      const out: Array<{ path: string; message: string }> = [];
      const spec = o.spec as Record<string, unknown> | undefined;
      if (spec && 'bogus' in spec) out.push({ path: 'spec.bogus', message: 'unknown field' });
      if (typeof spec?.replicas === 'number' && spec.replicas < 0) {
        out.push({ path: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' });
      }
      return out;
    },
    logs: (_ns, pod, container, { follow }) => {
      if (!follow) return `log of ${pod}/${container}\n`;
      return (async function* () {
        yield 'line 1\n';
        yield 'line 2\n';
      })();
    },
  });
});
after(async () => {
  await server.close();
});

describe('API server: discovery', () => {
  it('serves version, aggregated and legacy discovery, OpenAPI v3', async () => {
    const v = await call('GET', '/version');
    assert.deepEqual([v.json.major, v.json.minor, v.json.gitVersion], ['1', '32', 'v1.32.0']);
    const accept = {
      Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    };
    const agg = await call('GET', '/apis', undefined, accept);
    assert.equal(
      agg.headers.get('content-type'),
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const apps = (
      agg.json.items as Array<{
        metadata: { name: string };
        versions: Array<{ resources: Array<Record<string, unknown>> }>;
      }>
    ).find((g) => g.metadata.name === 'apps');
    const deploy = apps?.versions[0]?.resources.find((r) => r.resource === 'deployments');
    assert.deepEqual(deploy?.shortNames, ['deploy']);
    assert.deepEqual(deploy?.categories, ['all']);
    assert.deepEqual(
      ((deploy?.subresources ?? []) as Array<{ subresource: string }>).map((s) => s.subresource),
      ['status', 'scale'],
    );
    const core = await call('GET', '/api', undefined, accept);
    assert.equal((core.json.items as unknown[]).length, 1);
    assert.deepEqual((await call('GET', '/api')).json.versions, ['v1']);
    const list = await call('GET', '/api/v1');
    const pods = (list.json.resources as Array<Record<string, unknown>>).find((r) => r.name === 'pods');
    assert.deepEqual([pods?.namespaced, pods?.kind, pods?.shortNames], [true, 'Pod', ['po']]);
    assert.ok((list.json.resources as Array<{ name: string }>).some((r) => r.name === 'pods/log'));
    const groups = await call('GET', '/apis');
    assert.ok((groups.json.groups as Array<{ name: string }>).some((g) => g.name === 'autoscaling'));
    const appsV1 = await call('GET', '/apis/apps/v1');
    const scale = (appsV1.json.resources as Array<Record<string, unknown>>).find(
      (r) => r.name === 'deployments/scale',
    );
    assert.deepEqual([scale?.group, scale?.version, scale?.kind], ['autoscaling', 'v1', 'Scale']);
    const root = await call('GET', '/openapi/v3');
    const paths = root.json.paths as Record<string, { serverRelativeURL: string }>;
    assert.ok(paths['api/v1'] && paths['apis/apps/v1'] && paths['apis/policy/v1']);
    const doc = await call('GET', (paths['apis/apps/v1'] as { serverRelativeURL: string }).serverRelativeURL);
    const op = (doc.json.paths as Record<string, { patch: Record<string, unknown> }>)[
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'
    ]?.patch;
    assert.deepEqual(op?.['x-kubernetes-group-version-kind'], {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    assert.equal(((op?.parameters ?? []) as Array<{ name: string }>)[0]?.name, 'fieldValidation');
    assert.deepEqual(doc.json.components, { schemas: {} });
    assert.equal((await call('GET', '/openapi/v2')).status, 404);
  });
});

describe('API server: objects', () => {
  it('creates, reads, lists as Table, and answers errors as metav1.Status', async () => {
    const c = await call('POST', D, deployment('web'));
    assert.equal(c.status, 201);
    assert.equal((c.json.metadata as { generation: number }).generation, 1);
    const again = await call('POST', D, deployment('web'));
    assert.equal(again.status, 409);
    assert.equal(again.json.reason, 'AlreadyExists');
    const missing = await call('GET', `${D}/nope`);
    assert.deepEqual(missing.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    const noNs = await call('POST', '/api/v1/namespaces/ghost/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    assert.equal(noNs.status, 404);
    assert.equal(noNs.json.message, 'namespaces "ghost" not found');
    const table = await call('GET', `${D}?limit=500`, undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(table.json.kind, 'Table');
    assert.deepEqual(
      (table.json.columnDefinitions as Array<{ name: string; priority: number }>)
        .filter((c) => c.priority === 0)
        .map((c) => c.name),
      ['Name', 'Ready', 'Up-to-date', 'Available', 'Age'],
    );
    const row = (table.json.rows as Array<{ cells: unknown[]; object: { kind: string } }>)[0];
    assert.deepEqual(row?.cells.slice(0, 4), ['web', '0/1', 0, 0]);
    assert.equal(row?.object.kind, 'PartialObjectMetadata');
    const svc = await call('POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ port: 80 }] },
    });
    assert.equal(svc.status, 201);
    const st = await call('GET', '/api/v1/namespaces/default/services', undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    const cells = (st.json.rows as Array<{ cells: unknown[] }>)[0]?.cells;
    assert.equal(cells?.[1], 'ClusterIP');
    assert.match(String(cells?.[2]), /^10\.96\./);
    assert.deepEqual(cells?.slice(3, 5), ['<none>', '80/TCP']);
  });

  it('enforces optimistic concurrency and validation modes', async () => {
    const live = (await call('GET', `${D}/web`)).json as KubeObject;
    const ok = await call('PUT', `${D}/web`, { ...live, spec: { ...(live.spec as object), replicas: 2 } });
    assert.equal(ok.status, 200);
    assert.equal((ok.json.metadata as { generation: number }).generation, 2);
    const stale = await call('PUT', `${D}/web`, { ...live, spec: { ...(live.spec as object), replicas: 3 } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.equal(
      stale.json.message,
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
    const strict = await call('POST', `${D}?fieldValidation=Strict`, deployment('b1', { bogus: 1 }));
    assert.equal(strict.status, 400);
    assert.equal(strict.json.message, 'strict decoding error: unknown field "spec.bogus"');
    const warn = await call('POST', `${D}?fieldValidation=Warn`, deployment('b2', { bogus: 1 }));
    assert.equal(warn.status, 201);
    assert.equal(warn.headers.get('warning'), '299 - "unknown field \\"spec.bogus\\""');
    const ignore = await call('POST', `${D}?fieldValidation=Ignore`, deployment('b3', { bogus: 1 }));
    assert.equal(ignore.headers.get('warning'), null);
    const bad = await call('POST', D, deployment('b4', { replicas: -1 }));
    assert.equal(bad.status, 422);
    assert.equal(bad.json.reason, 'Invalid');
    assert.deepEqual((bad.json.details as { causes: unknown[] }).causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -1: must be greater than or equal to 0',
        field: 'spec.replicas',
      },
    ]);
    const dry = await call('POST', `${D}?dryRun=All`, deployment('dry'));
    assert.equal(dry.status, 201);
    assert.equal((await call('GET', `${D}/dry`)).status, 404);
    const mismatch = await call('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'other' },
    });
    assert.equal(mismatch.status, 400);
  });

  it('patches with every patch type and server-side apply', async () => {
    const merge = await call(
      'PATCH',
      `${D}/web`,
      { metadata: { labels: { tier: 'web' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal((merge.json.metadata as { labels: Record<string, string> }).labels.tier, 'web');
    const json = await call('PATCH', `${D}/web`, [{ op: 'replace', path: '/spec/replicas', value: 4 }], {
      'Content-Type': 'application/json-patch+json',
    });
    assert.equal((json.json.spec as { replicas: number }).replicas, 4);
    const smp = await call(
      'PATCH',
      `${D}/web`,
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'img:2' }] } } } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    const c = (smp.json.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template
      .spec.containers;
    assert.deepEqual(
      c.map((x) => x.image),
      ['img:2'],
    );
    const apply = (name: string, data: Record<string, string>, q = 'fieldManager=kubectl&force=false') =>
      call(
        'PATCH',
        `${CM}/${name}?${q}`,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
        { 'Content-Type': 'application/apply-patch+yaml' },
      );
    assert.equal((await apply('ssa', { a: '1', b: '2' })).status, 201);
    const upd = await apply('ssa', { a: '1' });
    assert.equal(upd.status, 200);
    assert.deepEqual(upd.json.data, { a: '1' });
    const clash = await apply('ssa', { a: '2' }, 'fieldManager=other&force=false');
    assert.equal(clash.status, 409);
    assert.equal(
      clash.json.message,
      'Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.a',
    );
    assert.equal((await apply('ssa', { a: '2' }, 'fieldManager=other&force=true')).status, 200);
    const yaml = await call(
      'PATCH',
      `${CM}/y?fieldManager=m`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n',
      { 'Content-Type': 'application/apply-patch+yaml' },
    );
    assert.equal(yaml.status, 201);
    const unsupported = await call('PATCH', `${D}/web`, {}, { 'Content-Type': 'text/plain' });
    assert.equal(unsupported.status, 415);
  });

  it('serves /scale, /status and pod logs', async () => {
    const s = await call('GET', `${D}/web/scale`);
    assert.deepEqual(
      [s.json.kind, s.json.apiVersion, (s.json.spec as { replicas: number }).replicas],
      ['Scale', 'autoscaling/v1', 4],
    );
    assert.equal((s.json.status as { selector: string }).selector, 'app=web');
    const put = await call('PUT', `${D}/web/scale`, { ...s.json, spec: { replicas: 6 } });
    assert.equal((put.json.spec as { replicas: number }).replicas, 6);
    const p = await call(
      'PATCH',
      `${D}/web/scale`,
      { spec: { replicas: 2 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal((p.json.spec as { replicas: number }).replicas, 2);
    const live = (await call('GET', `${D}/web`)).json as KubeObject;
    const st = await call('PUT', `${D}/web/status`, {
      ...live,
      spec: { replicas: 99 },
      status: { replicas: 2, observedGeneration: 5 },
    });
    assert.deepEqual(st.json.status, { replicas: 2, observedGeneration: 5 });
    assert.equal((st.json.spec as { replicas: number }).replicas, 2, 'status writes leave spec alone');
    await call('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    const log = await call('GET', '/api/v1/namespaces/default/pods/p/log');
    assert.equal(log.text, 'log of p/c\n');
    const follow = await call('GET', '/api/v1/namespaces/default/pods/p/log?follow=true');
    assert.equal(follow.text, 'line 1\nline 2\n');
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/p/log?container=zz')).status, 400);
  });

  it('deletes: Status on removal, the object while finalizers remain', async () => {
    const gone = await call('DELETE', `${D}/b2`, { propagationPolicy: 'Background' });
    assert.deepEqual([gone.json.kind, gone.json.status], ['Status', 'Success']);
    await call('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fin', finalizers: ['x'] },
    });
    const held = await call('DELETE', `${CM}/fin`);
    assert.equal(held.json.kind, 'ConfigMap');
    assert.ok((held.json.metadata as { deletionTimestamp: string }).deletionTimestamp);
  });
});

describe('API server: watch', () => {
  it('flushes headers at once, streams events, filters by field selector and resumes', async () => {
    const rv = store.currentResourceVersion();
    const events = await watchEvents(
      `${CM}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Dw1`,
      3,
      async () => {
        await call('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w0' } });
        await call('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1' } });
        await call(
          'PATCH',
          `${CM}/w1`,
          { data: { a: 'b' } },
          { 'Content-Type': 'application/merge-patch+json' },
        );
        await call('DELETE', `${CM}/w1`);
      },
    );
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED w1', 'MODIFIED w1', 'DELETED w1'],
    );
    const replay = await watchEvents(`${CM}?watch=1&resourceVersion=${rv}`, 4);
    assert.deepEqual(
      replay.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED w0', 'ADDED w1', 'MODIFIED w1', 'DELETED w1'],
    );
  });

  it('sends bookmarks when asked, honours timeoutSeconds, rows as Table', async () => {
    const ev = await watchEvents(
      `${CM}?watch=true&allowWatchBookmarks=true&resourceVersion=${store.currentResourceVersion()}`,
      1,
    );
    assert.equal(ev[0]?.type, 'BOOKMARK');
    assert.equal(ev[0]?.object.metadata.resourceVersion, store.currentResourceVersion());
    const t0 = Date.now();
    const none = await watchEvents(
      `${CM}?watch=true&timeoutSeconds=1&resourceVersion=${store.currentResourceVersion()}`,
      1,
    );
    assert.deepEqual(none, []);
    assert.ok(Date.now() - t0 < 3000);
    const rows = await watchEvents(`${D}?watch=true&fieldSelector=metadata.name%3Dweb`, 1, undefined, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    assert.equal(rows[0]?.object.kind, 'Table');
  });

  it('answers a too-old resourceVersion with an ERROR 410 Expired event', async () => {
    const old = store.currentResourceVersion();
    const cmType = store.resourceTypeFor('v1', 'ConfigMap');
    assert.ok(cmType);
    for (let i = 0; i < HISTORY_LIMIT * 1.2; i++)
      store.create(cmType, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `bulk-${i}`, namespace: 'default' },
      });
    const ev = await watchEvents(`${CM}?watch=true&resourceVersion=${old}`, 1);
    assert.equal(ev[0]?.type, 'ERROR');
    assert.deepEqual([ev[0]?.object.code, ev[0]?.object.reason], [410, 'Expired']);
  });

  it('100 watchers each receive every event', async () => {
    const rv = store.currentResourceVersion();
    const watchers = Array.from({ length: 100 }, () =>
      watchEvents(`/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${rv}`, 20),
    );
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 20; i++)
      await call('POST', '/api/v1/namespaces/default/secrets', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `s${i}` },
      });
    const all = await Promise.all(watchers);
    for (const evs of all) assert.equal(evs.length, 20);
  });
});

describe('API server: fault injection', () => {
  it('answers the next n matching requests with the fault, then recovers', async () => {
    server.setFault({ status: 429, count: 2, match: { method: 'GET', pathPrefix: '/apis/apps' } });
    assert.equal((await call('GET', '/api/v1/namespaces')).status, 200, 'not matching');
    const first = await call('GET', `${D}/web`);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '1');
    assert.equal(first.json.reason, 'TooManyRequests');
    assert.equal((await call('GET', `${D}/web`)).status, 429);
    assert.equal((await call('GET', `${D}/web`)).status, 200);
    server.setFault({ status: 503, count: 1 });
    assert.equal((await call('GET', '/version')).status, 503);
  });

  it('drops open watch connections', async () => {
    const events = watchEvents(`${CM}?watch=true&resourceVersion=${store.currentResourceVersion()}`, 5);
    await new Promise((r) => setTimeout(r, 100));
    server.dropWatches();
    assert.deepEqual(await events, []);
  });
});

describe('API server: versions', () => {
  it('serves autoscaling/v1 HorizontalPodAutoscalers converted to and from autoscaling/v2', async () => {
    const v1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
    const body = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 50,
      },
    };
    assert.equal((await call('POST', v1, body)).status, 201);
    const v2 = await call('GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/h');
    assert.deepEqual((v2.json.spec as { metrics: unknown }).metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ]);
    const patched = await call(
      'PATCH',
      `${v1}/h`,
      { spec: { targetCPUUtilizationPercentage: 65 } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(patched.json.apiVersion, 'autoscaling/v1');
    assert.equal(
      (patched.json.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage,
      65,
    );
    const list = await call('GET', '/apis/autoscaling/v2/horizontalpodautoscalers');
    assert.equal((list.json.items as unknown[]).length, 1);
  });
});

describe('API server: watch-list', () => {
  it('sendInitialEvents streams the current state, then the initial-events-end bookmark', async () => {
    const ev = await watchEvents(
      '/api/v1/namespaces?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      5,
    );
    assert.deepEqual(
      ev.slice(0, 4).map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED default', 'ADDED kube-system', 'ADDED kube-public', 'ADDED kube-node-lease'],
    );
    assert.equal(ev[4]?.type, 'BOOKMARK');
    assert.equal(ev[4]?.object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
  });
});
