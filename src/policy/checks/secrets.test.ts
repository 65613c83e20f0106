// SLW-SEC-016 plain-secret-in-manifest: what the chart renders (placeholders, ExternalSecret,
// SealedSecret) is clean; a value that slipped into a Secret or a template is an error at every level,
// naming the object, the field path and what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderService } from '../../render/index.ts';
import { context } from '../../render/test-fixtures.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import { runChecks } from '../catalogue.ts';
import type { PolicyLevel } from '../types.ts';

const ESO = {
  externalSecrets: { store: { name: 'vault', kind: 'SecretStore' as const }, refreshInterval: '1h' },
};

function findings(objects: KubeObject[], level: PolicyLevel = 'relaxed') {
  return runChecks({ environment: 'development', level, services: [{ service: 'booking', objects }] })
    .filter((f) => f.checkId === 'SLW-SEC-016')
    .map((f) => `${f.severity} ${f.object} ${f.path}: ${f.message}`);
}

test('references rendered by the chart are clean', () => {
  const refs = renderService(
    context({ secrets: { DB_PASSWORD: { fromEnv: 'X', remoteRef: { key: 'db' } } } }),
  );
  assert.deepEqual(findings(refs), []);
  const eso = renderService(
    context({ secrets: { DB_PASSWORD: { remoteRef: { key: 'db' } } } }, { secrets: ESO }),
  );
  assert.deepEqual(findings(eso), []);
});

test('a Secret with data, or stringData that is not a reference, is an error even at relaxed', () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'booking-extra', namespace: 'ns' },
    data: { API_TOKEN: Buffer.from('t0k3n').toString('base64'), EMPTY: '' },
    stringData: { URL: '<from env URL>', PASSWORD: 'hunter2' },
  };
  assert.deepEqual(findings([secret]), [
    'error Secret/ns/booking-extra data.API_TOKEN: Secret booking-extra holds a value for API_TOKEN in the rendered manifest',
    'error Secret/ns/booking-extra stringData.PASSWORD: Secret booking-extra holds a value for PASSWORD in the rendered manifest',
  ]);
});

test('plain text under a secret-looking key of an ExternalSecret or SealedSecret template', () => {
  const [es] = renderService(
    context({ secrets: { DB_PASSWORD: { remoteRef: { key: 'db' } } } }, { secrets: ESO }),
  ).filter((o) => o.kind === 'ExternalSecret') as Array<
    KubeObject & { spec: Record<string, Record<string, unknown>> }
  >;
  es!.spec.target!.template = {
    data: { DSN: 'postgres://{{ .DB_PASSWORD }}@db', ADMIN_PASSWORD: 'admin', MODE: 'x' },
  };
  const sealed: KubeObject = {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 's', namespace: 'ns' },
    spec: { encryptedData: { A: 'AgB=' }, template: { data: { API_KEY: 'abc' } } },
  };
  const found = findings([es!, sealed]);
  assert.equal(found.length, 2);
  assert.match(
    found[0]!,
    /spec\.target\.template\.data\.ADMIN_PASSWORD: ExternalSecret .* carries ADMIN_PASSWORD as plain text/,
  );
  assert.match(
    found[1]!,
    /SealedSecret\/ns\/s spec\.template\.data\.API_KEY: SealedSecret s carries API_KEY as plain text/,
  );
});
