import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SlipwayError, SlipwayErrorList } from '../shared/errors.ts';
import { parsePlatform } from './load.ts';
import { allowedKeysAt, describeValue, valueAt } from './load-issues.ts';
import { platformSchema } from './schema.ts';
import { parseYaml, stringifyYamlForKubernetes } from './yaml-source.ts';

const VALID = fileURLToPath(new URL('../../test/fixtures/config/valid/slipway.yaml', import.meta.url));

describe('load-issues helpers', () => {
  it('allowedKeysAt walks objects, records, arrays and unions', () => {
    assert.ok(allowedKeysAt(platformSchema, []).has('services'));
    assert.ok(allowedKeysAt(platformSchema, ['services', 'web']).has('strategy'));
    assert.ok(allowedKeysAt(platformSchema, ['environments', 3]).has('promotion'));
    const step = allowedKeysAt(platformSchema, ['strategies', 'x', 'steps', 0]);
    assert.deepEqual([...step].sort(), [
      'analysis',
      'pause',
      'setCanaryScale',
      'setHeaderRoute',
      'setWeight',
    ]);
    // union of the three strategy types
    const strategy = allowedKeysAt(platformSchema, ['strategies', 'x']);
    for (const k of ['steps', 'autoPromotion', 'maxUnavailable']) assert.ok(strategy.has(k), k);
    assert.equal(allowedKeysAt(platformSchema, ['nope', 'deeper']).size, 0);
  });

  it('describeValue and valueAt', () => {
    assert.equal(describeValue('3'), 'the string "3"');
    assert.equal(describeValue(3), 'the number 3');
    assert.equal(describeValue(null), 'an empty value (null)');
    assert.equal(describeValue([]), 'a list');
    assert.equal(describeValue({}), 'a mapping');
    assert.equal(valueAt({ a: [{ b: 1 }] }, ['a', 0, 'b']), 1);
    assert.equal(valueAt({ a: 1 }, ['toString']), undefined);
  });
});

describe('parsePlatform on random damage (seeded)', () => {
  it('always throws located, jargon-free SlipwayErrors', () => {
    const base = parseYaml('x', readFileSync(VALID, 'utf8')).value;
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const samples: unknown[] = ['str', 7, null, [1, 'a'], { foo: 1 }, true, {}, 'canary', -1, 1.5];
    const damage = (v: unknown): unknown => {
      if (v === null || typeof v !== 'object' || rnd() < 0.15)
        return samples[Math.floor(rnd() * samples.length)];
      if (Array.isArray(v)) {
        if (v.length === 0) return samples[0];
        const copy = [...v];
        const i = Math.floor(rnd() * v.length);
        copy[i] = damage(copy[i]);
        return copy;
      }
      const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(copy);
      if (keys.length === 0) return samples[1];
      const k = keys[Math.floor(rnd() * keys.length)]!;
      if (rnd() < 0.1) {
        copy[`${k.slice(0, -1)}x`] = copy[k];
        delete copy[k];
      } else {
        copy[k] = damage(copy[k]);
      }
      return copy;
    };
    for (let i = 0; i < 150; i++) {
      const text = stringifyYamlForKubernetes(damage(damage(base)));
      let thrown: unknown;
      try {
        parsePlatform(parseYaml('slipway.yaml', text));
      } catch (e) {
        thrown = e;
      }
      if (thrown === undefined) continue;
      assert.ok(thrown instanceof SlipwayError, `not a SlipwayError for:\n${text}\n${String(thrown)}`);
      const errors = thrown instanceof SlipwayErrorList ? thrown.errors : [thrown];
      for (const e of errors) {
        assert.equal(e.type, 'config');
        if (/is empty/.test(e.message)) continue;
        assert.ok(e.location?.line !== undefined, `no line: ${e.explain()}\n${text}`);
        assert.doesNotMatch(e.message, /Invalid input|received|zod|\$Zod/, `${e.explain()}\n${text}`);
      }
    }
  });
});
