import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { SlipwayError, SlipwayErrorList } from '../shared/errors.ts';
import {
  formatKeyPath,
  locationOf,
  MAX_YAML_BYTES,
  parseYaml,
  readYamlFile,
  stringifyYamlForKubernetes,
} from './yaml-source.ts';

function catchError(fn: () => unknown): SlipwayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SlipwayError, `expected a SlipwayError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

const SAMPLE = `name: shop
services:
  web:
    image: ghcr.io/x/web
    empty:
  api: {strategy: canary}
environments:
  - name: dev
  - name: prod
    policy: strict
`;

describe('parseYaml', () => {
  it('returns the plain value', () => {
    const f = parseYaml('p.yaml', SAMPLE);
    assert.equal(f.file, 'p.yaml');
    assert.equal(f.empty, false);
    assert.deepEqual(f.value, {
      name: 'shop',
      services: { web: { image: 'ghcr.io/x/web', empty: null }, api: { strategy: 'canary' } },
      environments: [{ name: 'dev' }, { name: 'prod', policy: 'strict' }],
    });
  });

  it('locates values, keys, list items and the nearest parent', () => {
    const f = parseYaml('p.yaml', SAMPLE);
    assert.deepEqual(f.locate([]), { line: 1, column: 1 });
    assert.deepEqual(f.locate(['services', 'web', 'image']), { line: 4, column: 12 });
    assert.deepEqual(f.locateKey(['services', 'web', 'image']), { line: 4, column: 5 });
    assert.deepEqual(f.locate(['services', 'api', 'strategy']), { line: 6, column: 19 });
    assert.deepEqual(f.locate(['environments', 1, 'policy']), { line: 10, column: 13 });
    assert.deepEqual(f.locateKey(['environments', 1]), { line: 9, column: 5 });
    // missing key: nearest existing parent
    assert.deepEqual(f.locate(['services', 'web', 'nope']), { line: 4, column: 5 });
    assert.deepEqual(f.locateKey(['services', 'web', 'nope']), { line: 4, column: 5 });
    assert.deepEqual(f.locate(['environments', 7]), { line: 8, column: 3 });
    // key with no value: the key
    assert.deepEqual(f.locate(['services', 'web', 'empty']), { line: 5, column: 5 });
    assert.deepEqual(f.locate(['services', 'web', 'empty', 'deeper']), { line: 5, column: 5 });
  });

  it('follows aliases when locating', () => {
    const f = parseYaml('a.yaml', 'base: &b\n  x: 1\nother: *b\n');
    assert.deepEqual(f.value, { base: { x: 1 }, other: { x: 1 } });
    assert.deepEqual(f.locate(['other', 'x']), { line: 2, column: 6 });
  });

  it('supports merge keys', () => {
    const f = parseYaml('m.yaml', 'a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n');
    assert.deepEqual(f.value, { a: { x: 1 }, b: { x: 1, y: 2 } });
  });

  it('reports syntax errors with file, line and column and a readable message', () => {
    const e = catchError(() => parseYaml('bad.yaml', 'a: 1\nb: [1, 2\nc: 3\n'));
    assert.equal(e.type, 'config');
    assert.equal(e.location?.file, 'bad.yaml');
    assert.ok(e.location?.line !== undefined && e.location.line >= 2);
    assert.match(e.explain(), /^bad\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('refuses duplicate keys, naming the key', () => {
    const e = catchError(() => parseYaml('dup.yaml', 'a: 1\nb: 2\na: 3\n'));
    assert.equal(e.type, 'config');
    assert.match(e.message, /duplicate key "a"/);
    assert.deepEqual([e.location?.line, e.location?.column], [3, 1]);
  });

  it('reports only the first syntax error, not the parser recovery that follows it', () => {
    const e = catchError(() => parseYaml('bad.yaml', '- a\nb: 1\n'));
    assert.ok(!(e instanceof SlipwayErrorList));
    assert.equal(e.location?.line, 2);
  });

  it('explains a key without a colon and a tab in the indentation', () => {
    const missing = catchError(() => parseYaml('bad.yaml', 'a: 1\nb\nc: 2\n'));
    assert.match(missing.message, /a key without ":" after it/);
    assert.deepEqual([missing.location?.line, missing.location?.column], [2, 1]);
    assert.match(missing.details.join('\n'), /2 \| b\n {2}\| \^/);
    const tab = catchError(() => parseYaml('bad.yaml', 'a:\n\tb: 1\n'));
    assert.match(tab.message, /tab is used for indentation/);
  });

  it('points an unclosed [ or { at its opener', () => {
    const e = catchError(() => parseYaml('bad.yaml', 'a: [1, [2, 3]\nb: 1\n'));
    assert.match(e.message, /this "\[" is never closed with "\]"/);
    assert.deepEqual([e.location?.line, e.location?.column], [1, 4]);
  });

  it('reports several duplicate keys together', () => {
    const e = catchError(() => parseYaml('dup.yaml', 'a: 1\na: 2\nb: 1\nb: 2\n'));
    assert.ok(e instanceof SlipwayErrorList);
    assert.equal(e.errors.length, 2);
  });

  it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    const e = catchError(() => parseYaml('bomb.yaml', bomb));
    assert.equal(e.type, 'config');
    assert.equal(e.location?.file, 'bomb.yaml');
    assert.match(e.message, /too many aliases.*alias bomb\?/);
  });

  it('refuses oversized input before parsing', () => {
    const big = `a: "${'x'.repeat(MAX_YAML_BYTES)}"\n`;
    const e = catchError(() => parseYaml('big.yaml', big));
    assert.match(e.message, /too large/);
  });

  it('refuses multi-document files', () => {
    const e = catchError(() => parseYaml('multi.yaml', 'a: 1\n---\nb: 2\n'));
    assert.match(e.message, /2 YAML documents/);
    assert.equal(e.location?.line, 2);
  });

  it('accepts one document with a leading ---', () => {
    assert.deepEqual(parseYaml('one.yaml', '---\na: 1\n').value, { a: 1 });
  });

  it('treats empty, comment-only and null documents as empty {}', () => {
    for (const text of ['', '# only a comment\n', '---\n', '~\n']) {
      const f = parseYaml('e.yaml', text);
      assert.equal(f.empty, true, JSON.stringify(text));
      assert.deepEqual(f.value, {});
      assert.equal(f.locate(['a']), undefined);
    }
  });
});

describe('readYamlFile', () => {
  it('reads a file, names it as displayed, and refuses large or missing files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-yaml-'));
    try {
      await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
      const f = await readYamlFile(join(dir, 'a.yaml'), 'a.yaml');
      assert.equal(f.file, 'a.yaml');
      assert.deepEqual(f.value, { a: 1 });

      await writeFile(join(dir, 'big.yaml'), Buffer.alloc(MAX_YAML_BYTES + 1, 0x61));
      await assert.rejects(readYamlFile(join(dir, 'big.yaml'), 'big.yaml'), (e: unknown) => {
        assert.ok(e instanceof SlipwayError);
        assert.match(e.explain(), /^big\.yaml: the file is too large/);
        return true;
      });
      await assert.rejects(readYamlFile(join(dir, 'none.yaml')), (e: unknown) => {
        assert.ok(e instanceof SlipwayError);
        assert.equal(e.type, 'notFound');
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('locationOf / formatKeyPath', () => {
  it('formats key paths', () => {
    assert.equal(formatKeyPath(['services', 'booking', 'strategy']), 'services.booking.strategy');
    assert.equal(formatKeyPath(['environments', 2, 'name']), 'environments[2].name');
    assert.equal(formatKeyPath(['env', 'a.b']), 'env["a.b"]');
  });
  it('builds a SourceLocation', () => {
    const f = parseYaml('p.yaml', SAMPLE);
    assert.deepEqual(locationOf(f, ['services', 'web', 'image'], true), {
      file: 'p.yaml',
      line: 4,
      column: 5,
      path: 'services.web.image',
    });
  });
});

describe('stringifyYamlForKubernetes', () => {
  it('quotes strings YAML 1.1 would read as something else', () => {
    const value = { a: 'yes', b: 'on', c: 'no', d: '0755', e: '12:30', f: 'y', g: 'Off', h: '~', i: '1_000' };
    const out = stringifyYamlForKubernetes(value);
    for (const v of Object.values(value)) assert.ok(out.includes(`"${v}"`), `${v} not quoted in\n${out}`);
    assert.deepEqual(parse(out, { version: '1.1' }), value);
  });
  it('is deterministic, keeps key order and never folds or aliases', () => {
    const shared = { x: 1 };
    const value = { kind: 'Pod', apiVersion: 'v1', long: 'word '.repeat(40).trim(), a: shared, b: shared };
    const out = stringifyYamlForKubernetes(value);
    assert.equal(out, stringifyYamlForKubernetes(structuredClone(value)));
    assert.ok(out.startsWith('kind: Pod\napiVersion: v1\n'));
    assert.ok(!out.includes('&') && !out.includes('*'));
    assert.equal(out.split('\n')[2], `long: ${value.long}`);
  });
});
