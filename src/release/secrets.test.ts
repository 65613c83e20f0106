// Secret references resolved on the way to the cluster: each source read (environment, file relative
// to the platform directory), every problem named with its values key and source before anything is
// answered, and no value in a message, a check's summary or the unresolved manifests.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SECRET_SOURCE_ANNOTATION } from '../render/index.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { comparable, SECRET_NOT_COMPARED } from './diff.ts';
import { checkSecretSources, MAX_SECRET_FILE_BYTES, resolveSecrets, secretReferences } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'slipway-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const VALUE = 'postgresql://app:s3cr3t-value@db/app';

function secret(stringData: Record<string, string>, annotated = true): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'api-secrets-abc',
      ...(annotated ? { annotations: { [SECRET_SOURCE_ANNOTATION]: 'x' } } : {}),
    },
    type: 'Opaque',
    stringData,
  };
}
const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' } };

function inputError(fn: () => unknown): SlipwayError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SlipwayError, String(e));
    return e;
  }
  assert.fail('expected an error');
}

test('placeholders are read back as references; other Secrets and objects are not references', () => {
  const refs = secretReferences([
    secret({ b: '<from file certs/tls.key>', a: '<from env A_URL>', c: 'literal' }),
    secret({ d: '<from env D>' }, false),
    deployment,
  ]);
  assert.deepEqual(
    refs.map((r) => [r.key, r.ref]),
    [
      ['a', { fromEnv: 'A_URL' }],
      ['b', { fromFile: 'certs/tls.key' }],
    ],
  );
});

test('an environment variable and a file (relative to the platform directory) resolve into data', () => {
  mkdirSync(join(dir, 'certs'), { recursive: true });
  writeFileSync(join(dir, 'certs', 'tls.key'), 'KEY\n');
  const manifests = [secret({ url: '<from env APP_URL>', key: '<from file certs/tls.key>' }), deployment];
  const out = resolveSecrets(manifests, { dir, service: 'api', env: { APP_URL: VALUE } });
  assert.deepEqual(out[0]?.data, {
    url: Buffer.from(VALUE).toString('base64'),
    key: Buffer.from('KEY\n').toString('base64'), // a file's bytes as they are
  });
  assert.equal(out[0]?.stringData, undefined);
  assert.equal(out[1], deployment);
  // The input (what the release record keeps) still holds the references.
  assert.deepEqual(manifests[0]?.stringData, { url: '<from env APP_URL>', key: '<from file certs/tls.key>' });
  const summary = checkSecretSources(manifests, { dir, service: 'api', env: { APP_URL: VALUE } });
  assert.equal(
    summary,
    '2 secret values found: key (file certs/tls.key), url (environment variable APP_URL)',
  );
  assert.equal(checkSecretSources([deployment], { dir, service: 'api', env: {} }), undefined);
});

test('a missing or empty source is an input error naming service, key and source, and no value', () => {
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'big'), Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 1));
  const manifests = [
    secret({
      databaseUrl: '<from env RESERVATIONS_DATABASE_URL>',
      empty: '<from env EMPTY>',
      set: '<from env SET>',
      a: '<from file nope.txt>',
      b: '<from file empty>',
      c: '<from file certs>',
      d: '<from file big>',
    }),
  ];
  const env = { EMPTY: '', SET: VALUE };
  const e = inputError(() => resolveSecrets(manifests, { dir, service: 'reservations-api', env }));
  assert.equal(e.type, 'values');
  assert.equal(e.exitCode, 2);
  const all = [e.message, ...e.details];
  assert.equal(
    e.message,
    'reservations-api: secrets.a: file nope.txt does not exist (relative to the platform directory)',
  );
  for (const line of [
    'secrets.b: file empty is empty',
    'secrets.c: file certs is not a regular file',
    `secrets.d: file big is larger than 1 MiB (${MAX_SECRET_FILE_BYTES + 1} bytes)`,
    'secrets.databaseUrl: environment variable RESERVATIONS_DATABASE_URL is not set',
    'secrets.empty: environment variable EMPTY is empty',
  ])
    assert.ok(
      all.some((l) => l.endsWith(line)),
      `${line} in ${all.join(' | ')}`,
    );
  assert.ok(!JSON.stringify({ all, data: e.data, hint: e.hint }).includes(VALUE));
  // The check fails the same way, before anything is applied.
  assert.equal(
    inputError(() => checkSecretSources(manifests, { dir, service: 'reservations-api', env })).message,
    e.message,
  );
});

test('a diff compares no values of a Secret rendered from references (placeholders against values)', () => {
  const desired = secret({ url: '<from env APP_URL>' });
  const { stringData: _placeholders, ...rest } = desired;
  const live: KubeObject = { ...rest, data: { url: Buffer.from(VALUE).toString('base64') } };
  assert.deepEqual(comparable(desired), comparable(live));
  assert.deepEqual(comparable(live)?.data, { url: SECRET_NOT_COMPARED });
});
