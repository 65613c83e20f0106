// The local cluster refuses what the API server refuses, with 422 Invalid naming the field: a negative
// replica count (which the Deployment controller would otherwise read as "delete every pod"), a port
// outside 1–65535, a ConfigMap over 1 MiB, an invalid label. The checks are shared with slipway's own
// validation (shared/api-validation.ts).
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

async function post(path: string, body: unknown) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as { message: string; details?: { causes?: Array<{ field: string }> } },
  };
}

const deployment = (
  name: string,
  o: { replicas?: number; port?: number; labels?: Record<string, string> } = {},
) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: o.labels ?? {} },
  spec: {
    ...(o.replicas === undefined ? {} : { replicas: o.replicas }),
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'a', image: 'i', ports: [{ containerPort: o.port ?? 8080 }] }] },
    },
  },
});

const D = '/apis/apps/v1/namespaces/default/deployments';

describe('local cluster validation of the fields slipway checks', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['replicas < 0', D, deployment('neg', { replicas: -1 }), 'spec.replicas'],
    [
      'container port 70000',
      D,
      deployment('port', { port: 70000 }),
      'spec.template.spec.containers[0].ports[0].containerPort',
    ],
    ['label value with a space', D, deployment('label', { labels: { team: 'a b' } }), 'metadata.labels'],
    [
      'Service port 0',
      '/api/v1/namespaces/default/services',
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 0 }] } },
      'spec.ports[0].port',
    ],
    [
      'ConfigMap over 1 MiB',
      '/api/v1/namespaces/default/configmaps',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'big' },
        data: { a: 'x'.repeat(2 * 1024 * 1024) },
      },
      '[]',
    ],
  ];
  for (const [what, path, body, field] of cases) {
    it(`${what}: 422 naming ${field}`, async () => {
      const r = await post(path, body);
      assert.equal(r.status, 422, JSON.stringify(r.json));
      assert.ok(r.json.message.includes(field), r.json.message);
      assert.ok(
        r.json.details?.causes?.some((c) => c.field === field),
        JSON.stringify(r.json.details),
      );
    });
  }

  it('accepts the valid forms (replicas 0, port 65535, empty label value)', async () => {
    const r = await post(D, deployment('ok', { replicas: 0, port: 65535, labels: { team: '' } }));
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
});
