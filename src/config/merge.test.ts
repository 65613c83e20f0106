import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeValues } from './merge.ts';

describe('mergeValues (Helm coalesce rules)', () => {
  test('maps merge recursively, later scalars win', () => {
    assert.deepEqual(
      mergeValues(
        { image: { repository: 'r', tag: 'a' }, replicaCount: 2 },
        { image: { tag: 'b' }, extra: 1 },
      ),
      { image: { repository: 'r', tag: 'b' }, replicaCount: 2, extra: 1 },
    );
  });

  test('deeply nested maps merge', () => {
    assert.deepEqual(mergeValues({ a: { b: { c: { d: 1, e: 2 } } } }, { a: { b: { c: { e: 3, f: 4 } } } }), {
      a: { b: { c: { d: 1, e: 3, f: 4 } } },
    });
  });

  test('lists replace, never concatenate or merge by index', () => {
    assert.deepEqual(mergeValues({ l: [1, 2, 3], m: [{ a: 1 }] }, { l: [9], m: [{ b: 2 }] }), {
      l: [9],
      m: [{ b: 2 }],
    });
    assert.deepEqual(mergeValues({ l: [1] }, { l: [] }), { l: [] });
  });

  test('null deletes the key at every level', () => {
    const base = { a: 1, m: { x: 1, y: { z: 1, w: 2 } }, l: [1] };
    assert.deepEqual(mergeValues(base, { a: null }), { m: { x: 1, y: { z: 1, w: 2 } }, l: [1] });
    assert.deepEqual(mergeValues(base, { m: { x: null } }), { a: 1, m: { y: { z: 1, w: 2 } }, l: [1] });
    assert.deepEqual(mergeValues(base, { m: { y: { w: null } } }), {
      a: 1,
      m: { x: 1, y: { z: 1 } },
      l: [1],
    });
    assert.deepEqual(mergeValues(base, { m: null, l: null }), { a: 1 });
    assert.deepEqual(mergeValues(base, { missing: null }), base);
  });

  test('nulls in the base stay (chart defaults may be null); nulls inside lists stay', () => {
    assert.deepEqual(mergeValues({ pdb: { maxUnavailable: null } }, { other: 1 }), {
      pdb: { maxUnavailable: null },
      other: 1,
    });
    assert.deepEqual(mergeValues({}, { l: [null, 1] }), { l: [null, 1] });
  });

  test('a map replaces a scalar, a scalar replaces a map, a list replaces a map', () => {
    assert.deepEqual(mergeValues({ a: 'text' }, { a: { b: 1 } }), { a: { b: 1 } });
    assert.deepEqual(mergeValues({ a: { b: 1 } }, { a: 'text' }), { a: 'text' });
    assert.deepEqual(mergeValues({ a: { b: 1 } }, { a: [1] }), { a: [1] });
    assert.deepEqual(mergeValues({ a: [1] }, { a: { b: 1 } }), { a: { b: 1 } });
  });

  test('a map that replaces a non-map drops its null keys (nothing to delete)', () => {
    assert.deepEqual(mergeValues({ a: 1 }, { a: { b: null, c: { d: null, e: 2 } } }), { a: { c: { e: 2 } } });
  });

  test('empty maps: an empty overlay map keeps the base; an empty base map takes the overlay', () => {
    assert.deepEqual(mergeValues({ a: { b: 1 } }, { a: {} }), { a: { b: 1 } });
    assert.deepEqual(mergeValues({ a: {} }, { a: { b: 1 } }), { a: { b: 1 } });
  });

  test('false, 0 and empty string are values, not deletions', () => {
    assert.deepEqual(mergeValues({ a: true, b: 5, c: 'x' }, { a: false, b: 0, c: '' }), {
      a: false,
      b: 0,
      c: '',
    });
  });

  test('inputs are never mutated and the result shares nothing with them', () => {
    const base = { m: { x: 1 }, l: [{ a: 1 }] };
    const overlay = { m: { y: 2 }, n: { z: [1] } };
    const baseCopy = structuredClone(base);
    const overlayCopy = structuredClone(overlay);
    const out = mergeValues(base, overlay);
    assert.deepEqual(base, baseCopy);
    assert.deepEqual(overlay, overlayCopy);
    (out.m as Record<string, unknown>).x = 99;
    ((out.l as unknown[])[0] as Record<string, unknown>).a = 99;
    ((out.n as Record<string, unknown[]>).z as unknown[]).push(2);
    assert.deepEqual(base, baseCopy);
    assert.deepEqual(overlay, overlayCopy);
  });

  test('a __proto__ key is data, not a prototype', () => {
    const overlay = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = mergeValues({}, overlay);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(out), ['__proto__']);
  });
});
