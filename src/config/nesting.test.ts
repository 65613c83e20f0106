import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Parser } from 'yaml';
import { SlipwayError } from '../shared/errors.ts';
import { MAX_NESTING_DEPTH, tooDeepPath, yamlTooDeepOffset } from './nesting.ts';
import { mergeJsonObject, parseSet } from './strvals.ts';
import { parseYaml } from './yaml-source.ts';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

function assertTooDeep(f: () => unknown, type: 'values' | 'config', text: RegExp) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof SlipwayError, `expected a SlipwayError, got ${String(e)}`);
    assert.equal(e.type, type);
    assert.equal(e.exitCode, 2);
    assert.match(e.explain(), /nested more than 100 levels deep/);
    assert.match(e.explain(), text);
    return true;
  });
}

describe('nesting limits', () => {
  it('tooDeepPath finds the first collection past the limit, iteratively', () => {
    assert.equal(tooDeepPath({ a: [1, { b: 2 }] }, 3), undefined);
    assert.deepEqual(tooDeepPath({ a: [1, { b: [] }] }, 3), ['a', 1, 'b']);
    assert.equal(tooDeepPath(JSON.parse(nested(MAX_NESTING_DEPTH))), undefined);
    assert.equal(tooDeepPath(JSON.parse(nested(100_000)))?.length, MAX_NESTING_DEPTH);
  });

  it('yamlTooDeepOffset reads the syntax tree, block and flow alike', () => {
    const tokens = (s: string) => Array.from(new Parser().parse(s));
    assert.equal(yamlTooDeepOffset(tokens('a:\n  b: [1, {c: 2}]\n'), 4), undefined);
    assert.equal(yamlTooDeepOffset(tokens('a:\n  b: [1, {c: 2}]\n'), 3), 12); // the {
    assert.equal(yamlTooDeepOffset(tokens(`a: ${nested(100_000)}`)), 3 + MAX_NESTING_DEPTH - 1);
  });

  it('--set-json: 5,000 nested brackets are a values error, as a value or a whole object', () => {
    assertTooDeep(() => parseSet(`a=${nested(5000)}`, 'json'), 'values', /invalid --set-json/);
    assertTooDeep(() => mergeJsonObject(`{"a":${nested(5000)}}`, {}), 'values', /invalid --set-json/);
    // the key path counts too: a.b holds a list 98 deep → 100 levels, allowed; one more is not
    assert.ok(parseSet(`a.b=${nested(98)}`, 'json'));
    assertTooDeep(() => parseSet(`a.b=${nested(99)}`, 'json'), 'values', /invalid --set-json/);
  });

  it('--set and --set-literal: nested list indices are limited too (names stay at Helm’s 30)', () => {
    assertTooDeep(() => parseSet(`a${'[0]'.repeat(5000)}=1`, 'set'), 'values', /invalid --set "a\[0\]/);
    assertTooDeep(() => parseSet(`a${'[0].b'.repeat(60)}=1`, 'literal'), 'values', /invalid --set-literal/);
    assert.ok(parseSet(`a${'[0]'.repeat(98)}=1`, 'set'));
  });

  it('YAML: deep flow or block nesting is a config error with file and line, never a stack overflow', () => {
    assertTooDeep(
      () => parseYaml('values.yaml', `x: 1\ny: ${nested(5000)}\n`),
      'config',
      /^values\.yaml:2:103:/,
    );
    const block = Array.from({ length: 150 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    assertTooDeep(
      () => parseYaml('environments/staging.yaml', `${block} 1\n`),
      'config',
      /staging\.yaml:101:/,
    );
    assert.doesNotThrow(() => parseYaml('ok.yaml', `a: ${nested(99)}`));
  });

  it('YAML: aliases that nest an anchor past the limit are caught after expansion', () => {
    const text = `a: &a ${nested(60)}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n`;
    assertTooDeep(() => parseYaml('v.yaml', text), 'config', /^v\.yaml/);
  });
});
