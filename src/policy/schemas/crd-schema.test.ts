// The bundled ExternalSecret and SealedSecret CRDs validate rendered objects offline: what the chart
// renders passes; a wrong enum, a missing required field and an unknown field are reported with their
// field paths, as an API server with the CRD's structural schema would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderService } from '../../render/index.ts';
import { context } from '../../render/test-fixtures.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import { validateObject } from '../schema-validation.ts';
import { secretCrds } from './crd-schema.ts';

const ESO = {
  externalSecrets: { store: { name: 'vault', kind: 'SecretStore' as const }, refreshInterval: '15m' },
};

function externalSecret(): KubeObject & { spec: Record<string, unknown> } {
  const objs = renderService(
    context({ secrets: { A: { remoteRef: { key: 'k', property: 'p' } } } }, { secrets: ESO }),
  );
  return structuredClone(objs.find((o) => o.kind === 'ExternalSecret')) as KubeObject & {
    spec: Record<string, unknown>;
  };
}

test('the bundled CRDs are the two kinds, served at the versions slipway renders', () => {
  assert.deepEqual(
    secretCrds().map((c) => c.metadata.name),
    ['externalsecrets.external-secrets.io', 'sealedsecrets.bitnami.com'],
  );
});

test('a rendered ExternalSecret is valid; schema problems name the field', () => {
  assert.deepEqual(validateObject(externalSecret()), []);
  const bad = externalSecret();
  (bad.spec.secretStoreRef as Record<string, unknown>).kind = 'Vault';
  (bad.spec.target as Record<string, unknown>).creationPolicy = 'Always';
  (bad.spec.data as Array<Record<string, unknown>>)[0] = {
    secretKey: 'A',
    remoteRef: { property: 'p', versoin: '1' },
  };
  bad.spec.refresh = '1h';
  const problems = validateObject(bad).map((p) => `${p.path}: ${p.message}`);
  assert.deepEqual(problems.sort(), [
    'spec.data[0].remoteRef.key: required field is missing',
    'spec.data[0].remoteRef.versoin: unknown field "versoin"',
    'spec.refresh: unknown field "refresh"',
    'spec.secretStoreRef.kind: must be one of "SecretStore", "ClusterSecretStore"',
    'spec.target.creationPolicy: must be one of "Owner", "Orphan", "Merge", "None"',
  ]);
});

test('a SealedSecret needs encryptedData of strings; template is checked too', () => {
  const sealed = (spec: Record<string, unknown>): KubeObject =>
    ({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 's', namespace: 'n' },
      spec,
    }) as KubeObject;
  assert.deepEqual(
    validateObject(sealed({ encryptedData: { A: 'AgB=' }, template: { type: 'Opaque' } })),
    [],
  );
  const problems = validateObject(sealed({ encryptedData: { A: 1 }, template: { tpye: 'Opaque' } })).map(
    (p) => `${p.path}: ${p.message}`,
  );
  assert.deepEqual(problems, [
    'spec.encryptedData.A: must be string',
    'spec.template.tpye: unknown field "tpye"',
  ]);
  assert.deepEqual(
    validateObject(sealed({})).map((p) => p.path),
    ['spec.encryptedData'],
  );
});
