// API server details clients depend on: boolean query parameters decoded as the API server does,
// IntOrString validation of a Deployment's rolling update, and metadata.managedFields.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiServer, startApiServer } from '../../src/localcluster/api/server.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';

let server: ApiServer;
before(async () => {
  server = await startApiServer({ store: createMemoryStore(), host: '127.0.0.1', port: 0 });
});
after(async () => {
  await server.close();
});

const D = '/apis/apps/v1/namespaces/default/deployments';
const CM = '/api/v1/namespaces/default/configmaps';

async function call(method: string, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(server.url + path, {
    method,
    headers: { 'Content-Type': type },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field
  const json = JSON.parse(text) as Record<string, any>;
  return { status: res.status, json, headers: res.headers };
}

/** Whether GET answered a watch stream (chunked, no Content-Length) rather than a list. */
async function isWatch(query: string): Promise<boolean> {
  const ac = new AbortController();
  const res = await fetch(`${server.url}${CM}?${query}&timeoutSeconds=1`, { signal: ac.signal });
  const watch = res.headers.get('content-length') === null;
  ac.abort();
  await res.body?.cancel().catch(() => {});
  return watch;
}

const deployment = (name: string, rollingUpdate: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    strategy: { type: 'RollingUpdate', rollingUpdate },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'a', image: 'i' }] } },
  },
});

describe('API server fidelity', () => {
  it('decodes boolean parameters like apimachinery: only absent, 0 and false (any case) are false', async () => {
    for (const v of ['true', 'True', 'TRUE', '1', 't', 'yes', ''])
      assert.equal(await isWatch(`watch=${v}`), true, v);
    for (const v of ['false', 'False', 'FALSE', '0']) assert.equal(await isWatch(`watch=${v}`), false, v);
    assert.equal(await isWatch('limit=1'), false);
  });

  it('validates maxSurge/maxUnavailable as IntOrString with the API server messages', async () => {
    const oops = await call('POST', D, deployment('a', { maxSurge: 'oops', maxUnavailable: 1 }));
    assert.equal(oops.status, 422);
    assert.equal(oops.json.reason, 'Invalid');
    assert.equal(
      oops.json.message,
      `Deployment.apps "a" is invalid: spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"oops"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    );
    assert.deepEqual(oops.json.details.causes, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"oops"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
        field: 'spec.strategy.rollingUpdate.maxSurge',
      },
    ]);
    const both = await call('POST', D, deployment('b', { maxSurge: 0, maxUnavailable: '0%' }));
    assert.equal(both.status, 422);
    assert.match(
      both.json.message,
      /maxUnavailable: Invalid value: intstr.IntOrString\{Type:1, IntVal:0, StrVal:"0%"\}: may not be 0 when `maxSurge` is 0/,
    );
    const several = await call('POST', D, deployment('c', { maxSurge: -1, maxUnavailable: '120%' }));
    assert.equal(several.status, 422);
    assert.match(
      several.json.message,
      /is invalid: \[spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0, .*must not be greater than 100%\]$/,
    );
    for (const ok of [{ maxSurge: '25%', maxUnavailable: 0 }, { maxSurge: 2 }, {}]) {
      const name = `ok${Object.keys(ok).length}`;
      assert.equal((await call('POST', D, deployment(name, ok))).status, 201, JSON.stringify(ok));
    }
    const patched = await call(
      'PATCH',
      `${D}/ok2`,
      { spec: { strategy: { rollingUpdate: { maxUnavailable: '1.5' } } } },
      'application/merge-patch+json',
    );
    assert.equal(patched.status, 422);
  });

  it('returns managedFields per manager and honours ownership written by a client', async () => {
    const applied = await call(
      'PATCH',
      `${CM}/owned?fieldManager=tool`,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'owned', labels: { a: 'b' } },
        data: { k: 'v' },
      },
      'application/apply-patch+yaml',
    );
    assert.equal(applied.status, 201);
    const [entry] = applied.json.metadata.managedFields;
    assert.equal(entry.manager, 'tool');
    assert.equal(entry.operation, 'Apply');
    assert.equal(entry.apiVersion, 'v1');
    assert.equal(entry.fieldsType, 'FieldsV1');
    assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(entry.fieldsV1, {
      'f:data': { 'f:k': {} },
      'f:metadata': { 'f:labels': { 'f:a': {} } },
    });
    const merged = await call(
      'PATCH',
      `${CM}/owned?fieldManager=editor`,
      { data: { j: 'w' } },
      'application/merge-patch+json',
    );
    assert.deepEqual(
      merged.json.metadata.managedFields.map((e: { manager: string; operation: string }) => [
        e.manager,
        e.operation,
      ]),
      [
        ['tool', 'Apply'],
        ['editor', 'Update'],
      ],
    );
    const listed = await call('GET', CM);
    const item = listed.json.items.find((o: { metadata: { name: string } }) => o.metadata.name === 'owned');
    assert.equal(item.metadata.managedFields.length, 2);
    // A read-modify-write that sends the managedFields back unchanged keeps them.
    const live = (await call('GET', `${CM}/owned`)).json;
    const put = await call('PUT', `${CM}/owned`, { ...live, data: { ...live.data, k: 'v2' } });
    assert.equal(put.status, 200);
    assert.ok(put.json.metadata.managedFields.some((e: { manager: string }) => e.manager === 'tool'));
    // A JSON patch replacing them is taken as the new ownership; [{}] strips it.
    const replaced = await call(
      'PATCH',
      `${CM}/owned`,
      [{ op: 'replace', path: '/metadata/managedFields', value: [{}] }],
      'application/json-patch+json',
    );
    assert.equal(replaced.status, 200);
    assert.equal(replaced.json.metadata.managedFields, undefined, 'stripped, as the Kubernetes docs show');
    assert.equal((await call('GET', `${CM}/owned`)).json.metadata.managedFields, undefined);
  });
});
