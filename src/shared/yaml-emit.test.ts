import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from './kube-types.ts';
import { stringifyManifest, toYaml } from './yaml-emit.ts';

const TRICKY = [
  'yes',
  'Yes',
  'YES',
  'no',
  'on',
  'off',
  'ON',
  'y',
  'n',
  'Y',
  'N',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  '0755',
  '0o17',
  '0x10',
  '1e3',
  '1.5',
  '.5',
  '-1',
  '+1',
  '1_000',
  '12:30',
  '1:20:30',
  '2024-01-01',
  '2024-01-01T10:00:00Z',
  '.inf',
  '-.Inf',
  '.NaN',
  'nan',
  '<<',
  '=',
  '-',
  '- x',
  '? x',
  ': x',
  'a: b',
  'a #b',
  'a#b',
  'http://x:80/y',
  'image:tag',
  'ends:',
  '#comment',
  '&anchor',
  '*alias',
  '!tag',
  '%dir',
  '@at',
  '`tick',
  '|',
  '>',
  "'single'",
  '"double"',
  '{a}',
  '[a]',
  'a, b',
  ' lead',
  'trail ',
  'tab\there',
  'multi\nline',
  'multi\nline\n',
  'two\n\n',
  '\n',
  ' x\ny',
  'x\n y',
  'trail \nx',
  'carriage\r\nreturn',
  'bell\u0007',
  'del\u007f',
  'nel\u0085',
  'ls\u2028',
  'bom\ufeff',
  'ünïcödé',
  '日本語',
  'emoji 🚀',
  '\\backslash',
  'quote"in',
  "apos'in",
  '--- doc',
  '...',
  'a...b',
  '$HOME',
  '$'.concat('{VAR}'),
  '^caret',
  '/path/to',
  'key=value',
  '<from env X>',
  'sha256:ab',
  '100m',
  '1Gi',
  '10ms',
  '1e3m',
  '0x1g',
  '12h',
  '1.5Gi',
  'repo@sha256:ab',
  'a@b',
  '256Mi',
  '1.2.3',
  'v1.2.3',
  'x'.repeat(300),
];

function roundTrip(value: unknown): void {
  const text = stringifyManifest(value);
  assert.deepEqual(parse(text, { version: '1.1' }), value, text);
  assert.deepEqual(parse(text, { version: '1.2' }), value, text);
}

describe('toYaml', () => {
  test('YAML 1.1 pitfalls stay strings', () => {
    const text = stringifyManifest({ a: 'yes', b: 'on', c: 'no', d: '0755', e: '12:30', f: 'y' });
    assert.equal(text, 'a: "yes"\nb: "on"\nc: "no"\nd: "0755"\ne: "12:30"\nf: "y"\n');
  });

  test('every tricky string round-trips as a value, a key and a list item under YAML 1.1 and 1.2', () => {
    for (const s of TRICKY) {
      roundTrip({ k: s });
      roundTrip({ [s]: 1 });
      roundTrip({ list: [s, { x: s }] });
    }
  });

  test('nested shapes round-trip: empty maps and lists, lists of lists, numbers, booleans, null', () => {
    roundTrip({
      a: {},
      b: [],
      c: [[], [1, [2, 'x']], {}, { d: [{ e: {} }] }],
      n: [0, -1, 1.5, 1e-7, 123456789],
      t: [true, false, null],
      deep: { x: { y: { z: ['multi\nline', 'two'] } } },
    });
  });

  test('random strings round-trip (seeded)', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = 'ab01:#- \n\t"\'{}[],&*!|>%@`?=<~.+yYnNmMiexXtTzZ\\é';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const len = Math.floor(rnd() * 8);
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      roundTrip({ [s || 'k']: s, l: [s] });
    }
  });

  test('multi-document, conventional key order, no anchors for shared objects', () => {
    const labels = { app: 'x' };
    const objs: KubeObject[] = [
      {
        spec: { a: labels },
        kind: 'ConfigMap',
        metadata: { labels, name: 'b', namespace: 'ns' },
        apiVersion: 'v1',
      },
      { data: { k: 'v' }, apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } },
    ];
    const text = toYaml(objs);
    assert.ok(
      text.startsWith('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: ns\n  labels:\n'),
    );
    assert.ok(!/[&*]\w/.test(text));
    const docs = parseAllDocuments(text, { version: '1.1' }) as Array<{ toJS(): unknown }>;
    assert.equal(docs.length, 2);
    assert.deepEqual(
      docs.map((d) => d.toJS()),
      JSON.parse(JSON.stringify(objs)),
    );
    assert.equal(toYaml([]), '');
  });

  test('reads back the same as the yaml library’s own YAML 1.1 output', () => {
    // Without the key `<<`: the library writes it plain, and YAML 1.1 then reads a merge key.
    const keys = TRICKY.filter((s) => s !== '<<');
    const value = { a: TRICKY, b: Object.fromEntries(keys.map((s, i) => [s || `empty${i}`, s])) };
    assert.deepEqual(
      parse(stringifyManifest(value), { version: '1.1' }),
      parse(stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false }), {
        version: '1.1',
      }),
    );
  });
});
