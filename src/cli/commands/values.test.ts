// `slipway values` end to end: spawns bin/slipway.js on the fixture platform.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const bin = fileURLToPath(new URL('../../../bin/slipway.js', import.meta.url));
const dir = fileURLToPath(new URL('../../config/__fixtures__/values-basic', import.meta.url));

function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // execFile kills the child on timeout; every run ends before its test does.
    execFile(
      process.execPath,
      [bin, '-C', dir, ...args],
      { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1', SLIPWAY_FROM_SOURCE: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('slipway values', { concurrency: true }, () => {
  test('prints the merged values as YAML', async () => {
    const r = await run('values', 'booking', '--env', 'production', '--set', 'image.tag=abc,replicaCount=9');
    assert.equal(r.code, 0, r.stderr);
    const v = parse(r.stdout);
    assert.equal(v.image.tag, 'abc');
    assert.equal(v.replicaCount, 9);
    assert.equal(v.serviceName, 'booking');
    assert.equal(v.env.FEATURE_X, 'on'); // stays a string in YAML 1.1 output
  });

  test('--output json, repeatable flags by type order, --image-tag last', async () => {
    const r = await run(
      'values',
      'booking',
      '--env',
      'production',
      '-o',
      'json',
      '--set-string',
      'config.x=2',
      '--set',
      'config.x=1',
      '--set',
      'config.y=true',
      '--set-json',
      'config.z={"a":[1]}',
      '--set-literal',
      'config.w=a,b',
      '--image-tag',
      'v9',
    );
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout);
    // A free-form map of the chart (config), so the keys pass the values schema.
    assert.equal(v.config.x, '2');
    assert.equal(v.config.y, true);
    assert.deepEqual(v.config.z, { a: [1] });
    assert.equal(v.config.w, 'a,b');
    assert.equal(v.image.tag, 'v9');
  });

  test('--explain prints every leaf with its file:line or flag, aligned', async () => {
    const r = await run('values', 'booking', '--env', 'production', '--explain', '--set', 'image.tag=abc');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const find = (p: string) => lines.find((l) => l.startsWith(`${p} = `));
    assert.match(find('image.tag')!, /^image\.tag = "abc" +# --set image\.tag=abc$/);
    assert.match(find('image.repository')!, /# values\/booking\.yaml:2$/);
    assert.match(find('image.pullPolicy')!, /# chart default chart\/values\.yaml:\d+$/);
    assert.match(find('replicaCount')!, /^replicaCount = 7 +# environments\/production\.yaml:18$/);
    const columns = new Set(lines.filter((l) => l.indexOf('#') < 76).map((l) => l.indexOf('    # ')));
    assert.equal(columns.size, 1, 'comments aligned');
  });

  test('--explain --output json is an array of {path, value, source, line}', async () => {
    const r = await run('values', 'booking', '--env', 'production', '--explain', '--output', 'json');
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      rows.find((x) => x.path === 'env.REGION'),
      { path: 'env.REGION', value: 'us-east-1', source: 'environments/production.yaml', line: 12 },
    );
  });

  test('a bad --set exits 2 with one paragraph and no stack trace', async () => {
    const r = await run('values', 'booking', '--env', 'production', '--set', 'name1.=x');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid --set "name1\.=x": key map "name1" has no value/);
    assert.match(r.stderr, /\n {4}name1\.=x\n {4}\^/);
    assert.match(r.stderr, /hint: /);
    assert.doesNotMatch(r.stderr, /\n\s*at /);
    assert.doesNotMatch(r.stderr.trim(), /\n\s*\n/);
  });

  test('unknown service exits 2; bad --output exits 2', async () => {
    assert.equal((await run('values', 'nope', '--env', 'production')).code, 2);
    const r = await run('values', 'booking', '--env', 'production', '-o', 'xml');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--output must be one of yaml, json/);
  });
});
