// Patch semantics, table-driven: RFC 6902 JSON patch, RFC 7386 merge patch, strategic merge patch
// (merge keys and directives) and server-side apply (ownership, conflicts, removal).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverSideApply } from '../../src/localcluster/patch/apply.ts';
import { applyJsonPatch, applyMergePatch } from '../../src/localcluster/patch/json-patch.ts';
import type { Json, JsonObject } from '../../src/localcluster/patch/merge-keys.ts';
import { applyStrategicMergePatch } from '../../src/localcluster/patch/strategic.ts';
import { ApiStatusError } from '../../src/localcluster/store/errors.ts';

describe('JSON patch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2, 3] }, c: 'x', 'd/e': 1, 'f~g': 2 };
  const cases: Array<[string, unknown[], Json]> = [
    ['add member', [{ op: 'add', path: '/n', value: 1 }], { ...doc, n: 1 }],
    ['add to array end', [{ op: 'add', path: '/a/b/-', value: 4 }], { ...doc, a: { b: [1, 2, 3, 4] } }],
    ['insert in array', [{ op: 'add', path: '/a/b/0', value: 0 }], { ...doc, a: { b: [0, 1, 2, 3] } }],
    ['remove', [{ op: 'remove', path: '/c' }], { a: { b: [1, 2, 3] }, 'd/e': 1, 'f~g': 2 }],
    ['replace', [{ op: 'replace', path: '/a/b/1', value: 9 }], { ...doc, a: { b: [1, 9, 3] } }],
    [
      'escaped keys',
      [
        { op: 'replace', path: '/d~1e', value: 5 },
        { op: 'remove', path: '/f~0g' },
      ],
      { a: { b: [1, 2, 3] }, c: 'x', 'd/e': 5 },
    ],
    ['move', [{ op: 'move', from: '/c', path: '/m' }], { a: { b: [1, 2, 3] }, 'd/e': 1, 'f~g': 2, m: 'x' }],
    ['copy', [{ op: 'copy', from: '/a/b', path: '/z' }], { ...doc, z: [1, 2, 3] }],
    [
      'test then replace',
      [
        { op: 'test', path: '/c', value: 'x' },
        { op: 'replace', path: '/c', value: 'y' },
      ],
      { ...doc, c: 'y' },
    ],
  ];
  for (const [name, ops, want] of cases) {
    it(name, () => assert.deepEqual(applyJsonPatch(doc, ops), want));
  }
  const failures: Array<[string, unknown[]]> = [
    ['failed test', [{ op: 'test', path: '/c', value: 'nope' }]],
    ['missing path', [{ op: 'remove', path: '/nope/x' }]],
    ['bad op', [{ op: 'frobnicate', path: '/c' }]],
  ];
  for (const [name, ops] of failures) {
    it(`rejects: ${name}`, () => assert.throws(() => applyJsonPatch(doc, ops), ApiStatusError));
  }
  it('does not modify its input', () => {
    applyJsonPatch(doc, [{ op: 'add', path: '/a/b/-', value: 4 }]);
    assert.deepEqual(doc.a.b, [1, 2, 3]);
  });
});

describe('merge patch (RFC 7386)', () => {
  const cases: Array<[Json, Json, Json]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([target, patch, want], i) => {
    it(`RFC 7386 example ${i + 1}`, () => assert.deepEqual(applyMergePatch(target, patch), want));
  });
});

const podSpec = (containers: Json[], extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', finalizers: ['a', 'b'], labels: { x: '1' } },
  spec: { template: { spec: { containers, ...extra } } },
});
const app = {
  name: 'app',
  image: 'a:1',
  env: [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ],
  ports: [{ containerPort: 80 }],
};
const side = { name: 'side', image: 's:1' };

describe('strategic merge patch', () => {
  const base = podSpec([app, side], { tolerations: [{ key: 'k1' }], volumes: [{ name: 'v', emptyDir: {} }] });
  const tpl = (p: JsonObject): JsonObject => ({ spec: { template: { spec: p } } });
  const containersOf = (o: JsonObject) => ((o.spec as JsonObject).template as JsonObject).spec as JsonObject;
  const cases: Array<{ name: string; patch: JsonObject; check: (o: JsonObject) => void }> = [
    {
      name: 'containers merge by name',
      patch: tpl({ containers: [{ name: 'app', image: 'a:2' }] }),
      check: (o) =>
        assert.deepEqual(
          (containersOf(o).containers as JsonObject[]).map((c) => c.image),
          ['a:2', 's:1'],
        ),
    },
    {
      name: 'env merges by name; null deletes a field',
      patch: tpl({
        containers: [
          {
            name: 'app',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
            ports: null,
          },
        ],
      }),
      check: (o) => {
        const c = (containersOf(o).containers as JsonObject[])[0] as JsonObject;
        assert.deepEqual(c.env, [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ]);
        assert.equal(c.ports, undefined);
      },
    },
    {
      name: '$patch: delete removes a list element',
      patch: tpl({ containers: [{ name: 'side', $patch: 'delete' }] }),
      check: (o) =>
        assert.deepEqual(
          (containersOf(o).containers as JsonObject[]).map((c) => c.name),
          ['app'],
        ),
    },
    {
      name: '$patch: replace on a list replaces it',
      patch: tpl({ containers: [{ name: 'new', image: 'n' }, { $patch: 'replace' }] }),
      check: (o) => assert.deepEqual(containersOf(o).containers, [{ name: 'new', image: 'n' }]),
    },
    {
      name: '$patch: replace on a map replaces it',
      patch: { metadata: { labels: { y: '2', $patch: 'replace' } } },
      check: (o) => assert.deepEqual((o.metadata as JsonObject).labels, { y: '2' }),
    },
    {
      name: '$patch: delete on a map removes it',
      patch: { metadata: { labels: { $patch: 'delete' } } },
      check: (o) => assert.equal((o.metadata as JsonObject).labels, undefined),
    },
    {
      name: 'tolerations (no merge key) are replaced',
      patch: tpl({ tolerations: [{ key: 'k2' }] }),
      check: (o) => assert.deepEqual(containersOf(o).tolerations, [{ key: 'k2' }]),
    },
    {
      name: '$setElementOrder orders the merged list',
      patch: tpl({
        '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
        containers: [{ name: 'side', image: 's:2' }],
      }),
      check: (o) =>
        assert.deepEqual(
          (containersOf(o).containers as JsonObject[]).map((c) => `${c.name}=${c.image}`),
          ['side=s:2', 'app=a:1'],
        ),
    },
    {
      name: 'finalizers merge as a set; $deleteFromPrimitiveList removes',
      patch: { metadata: { finalizers: ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] } },
      check: (o) => assert.deepEqual((o.metadata as JsonObject).finalizers, ['a', 'c']),
    },
    {
      name: '$retainKeys drops keys not listed',
      patch: tpl({ volumes: [{ name: 'v', configMap: { name: 'c' }, $retainKeys: ['configMap', 'name'] }] }),
      check: (o) => assert.deepEqual(containersOf(o).volumes, [{ name: 'v', configMap: { name: 'c' } }]),
    },
  ];
  for (const c of cases) {
    it(c.name, () => c.check(applyStrategicMergePatch(structuredClone(base), c.patch, 'Deployment')));
  }
  it('Service ports merge by port, conditions by type, ownerReferences by uid', () => {
    const svc = {
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https' },
        ],
      },
    };
    const out = applyStrategicMergePatch(
      svc,
      { spec: { ports: [{ port: 443, targetPort: 8443 }] } },
      'Service',
    );
    assert.deepEqual((out.spec as JsonObject).ports, [
      { port: 80, name: 'http' },
      { port: 443, name: 'https', targetPort: 8443 },
    ]);
    const st = {
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'X', status: 'True' },
        ],
      },
    };
    const out2 = applyStrategicMergePatch(
      st,
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      'Pod',
    );
    assert.deepEqual((out2.status as JsonObject).conditions, [
      { type: 'Ready', status: 'True' },
      { type: 'X', status: 'True' },
    ]);
    const m = { metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } };
    const out3 = applyStrategicMergePatch(
      m,
      { metadata: { ownerReferences: [{ uid: '2', name: 'b' }] } },
      'Pod',
    );
    assert.equal(((out3.metadata as JsonObject).ownerReferences as Json[]).length, 2);
  });
  it('an element without its merge key is a BadRequest', () => {
    assert.throws(
      () => applyStrategicMergePatch(base, tpl({ containers: [{ image: 'x' }] }), 'Deployment'),
      (e: unknown) => e instanceof ApiStatusError && e.code === 400,
    );
  });
});

describe('server-side apply', () => {
  const cfg = (data: JsonObject, labels?: JsonObject): JsonObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', ...(labels ? { labels } : {}) },
    data,
  });
  it('creates, merges with other managers, and removes fields a manager stops applying', () => {
    const first = serverSideApply(
      undefined,
      cfg({ a: '1', b: '2' }, { l: '1' }),
      'alice',
      {},
      'ConfigMap',
      false,
    );
    const second = serverSideApply(first.object, cfg({ c: '3' }), 'bob', first.managers, 'ConfigMap', false);
    assert.deepEqual(second.object.data, { a: '1', b: '2', c: '3' });
    const third = serverSideApply(
      second.object,
      cfg({ a: '1' }),
      'alice',
      second.managers,
      'ConfigMap',
      false,
    );
    assert.deepEqual(third.object.data, { a: '1', c: '3' }, 'b removed, c kept (bob owns it)');
    assert.equal((third.object.metadata as JsonObject).labels, undefined, 'labels removed and pruned');
  });
  it('conflicts name the manager and field unless forced; equal values are shared', () => {
    const a = serverSideApply(undefined, cfg({ x: '1' }), 'alice', {}, 'ConfigMap', false);
    const shared = serverSideApply(a.object, cfg({ x: '1' }), 'bob', a.managers, 'ConfigMap', false);
    assert.deepEqual(shared.conflicts, []);
    const clash = serverSideApply(a.object, cfg({ x: '2' }), 'bob', a.managers, 'ConfigMap', false);
    assert.deepEqual(clash.conflicts, [{ manager: 'alice', field: '.data.x' }]);
    const forced = serverSideApply(a.object, cfg({ x: '2' }), 'bob', a.managers, 'ConfigMap', true);
    assert.deepEqual(forced.conflicts, []);
    assert.deepEqual(forced.object.data, { x: '2' });
    assert.equal(forced.managers['apply:alice'], undefined, 'alice lost the field');
  });
  it('merges associative lists per key and removes owned elements', () => {
    const d = (containers: Json[]): JsonObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { template: { spec: { containers } } },
    });
    const a = serverSideApply(
      undefined,
      d([{ name: 'app', image: 'a:1' }]),
      'alice',
      {},
      'Deployment',
      false,
    );
    const b = serverSideApply(
      a.object,
      d([{ name: 'side', image: 's:1' }]),
      'bob',
      a.managers,
      'Deployment',
      false,
    );
    const names = (o: JsonObject) =>
      ((((o.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[]).map(
        (c) => c.name,
      );
    assert.deepEqual(names(b.object), ['app', 'side']);
    const c = serverSideApply(b.object, d([]), 'bob', b.managers, 'Deployment', false);
    assert.deepEqual(names(c.object), ['app']);
    const clash = serverSideApply(
      b.object,
      d([{ name: 'app', image: 'a:2' }]),
      'bob',
      b.managers,
      'Deployment',
      false,
    );
    assert.deepEqual(clash.conflicts, [
      { manager: 'alice', field: '.spec.template.spec.containers[name="app"].image' },
    ]);
  });
});
