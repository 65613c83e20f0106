// The chart's values schema: chart/values.schema.json is what values-schema.ts generates, the chart's
// own defaults pass it, and the image grammar takes what registries take.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import {
  imageDigestProblem,
  imageNameProblem,
  imageReferenceProblem,
  imageTagProblem,
} from '../shared/image-ref.ts';
import { checkValuesLayers } from './values-check.ts';
import { buildValuesSchema, publishedSchema } from './values-schema.ts';

const chart = parse(readFileSync(new URL('../../chart/values.yaml', import.meta.url), 'utf8'));

describe('chart values schema', () => {
  test('chart/values.schema.json is up to date (node --import tsx src/config/values-schema.ts)', () => {
    const file = JSON.parse(readFileSync(new URL('../../chart/values.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(file, publishedSchema(chart));
  });

  test("the chart's defaults pass their own schema", () => {
    const errors = checkValuesLayers(
      [{ kind: 'base', source: 'chart', values: chart }],
      buildValuesSchema(chart),
    );
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
    );
  });
});

describe('image reference grammar', () => {
  test('accepts what registries accept', () => {
    for (const n of [
      'nginx',
      'ghcr.io/org/svc',
      'localhost:5000/a/b',
      'a.b-c/d__e/f-g',
      'registry.example.com:443/x',
    ])
      assert.equal(imageNameProblem(n), undefined, n);
    for (const t of ['v1', 'V1.2.3', 'sha-4e1c9a7', '_x', 'a'.repeat(128)])
      assert.equal(imageTagProblem(t), undefined, t);
    assert.equal(imageDigestProblem(`sha256:${'0'.repeat(64)}`), undefined);
    assert.equal(imageReferenceProblem('flyway/flyway:10.1'), undefined);
    assert.equal(imageReferenceProblem(`a/b:1@sha256:${'f'.repeat(64)}`), undefined);
  });

  test('refuses the rest', () => {
    for (const n of ['Org/svc', 'a//b', 'a/b:', 'a b', '-a', `a/${'b'.repeat(255)}`])
      assert.ok(imageNameProblem(n), n);
    for (const t of ['a b', '.a', '-a', 'a:b', 'a/b', 'a'.repeat(129), 'v1\n'])
      assert.ok(imageTagProblem(t), t);
    for (const d of ['sha256:zz', `sha256:${'A'.repeat(64)}`, 'md5', `sha256:${'a'.repeat(63)}`])
      assert.ok(imageDigestProblem(d), d);
    assert.ok(imageReferenceProblem('a/b:'));
    assert.ok(imageReferenceProblem('a/b:c d'));
  });
});
