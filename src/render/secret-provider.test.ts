// Secrets under a provider (docs/secrets.md): an ExternalSecret per service whose target is the Secret
// the Deployment references, or the service's SealedSecret passed through after its checks; never a
// Secret with values, and never a value in the printed manifests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchSnapshot } from '../../test/support/snapshot.ts';
import type { ChartSecrets } from '../config/secrets-schema.ts';
import { parseYaml } from '../config/yaml-source.ts';
import { isSlipwayError, type SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { renderService, toYaml } from './index.ts';
import { context } from './test-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
type Json = Record<string, any>;

const ESO: ChartSecrets = {
  externalSecrets: {
    store: { name: 'aws-secrets-manager', kind: 'ClusterSecretStore' },
    refreshInterval: '1h',
  },
};
const SECRETS = {
  DATABASE_URL: {
    fromEnv: 'BOOKING_DB_URL',
    remoteRef: { key: 'appointments/booking', property: 'database-url' },
  },
  API_TOKEN: { remoteRef: { key: 'appointments/booking-api-token', version: 'AWSCURRENT' } },
};

const find = (objs: KubeObject[], kind: string) => objs.filter((o) => o.kind === kind) as Json[];
const envFrom = (objs: KubeObject[]) => find(objs, 'Deployment')[0]!.spec.template.spec.containers[0].envFrom;

function thrown(fn: () => unknown): SlipwayError {
  try {
    fn();
  } catch (e) {
    if (isSlipwayError(e)) return e;
    throw e;
  }
  assert.fail('expected a SlipwayError');
}

describe('externalSecrets', () => {
  test('one ExternalSecret; its target is the Secret the Deployment reads; no Secret rendered', () => {
    const objs = renderService(context({ secrets: SECRETS }, { secrets: ESO }));
    assert.deepEqual(find(objs, 'Secret'), []);
    const [es] = find(objs, 'ExternalSecret');
    assert.ok(es);
    assert.match(es.metadata.name, /^booking-secrets-[0-9a-f]{10}$/);
    assert.equal(es.spec.target.name, es.metadata.name);
    assert.deepEqual(envFrom(objs), [{ secretRef: { name: es.metadata.name } }]);
    const annotations = find(objs, 'Deployment')[0]!.spec.template.metadata.annotations;
    assert.match(annotations['checksum/secret'], /^[0-9a-f]{10}$/);
    matchSnapshot('render-external-secret', toYaml(objs.filter((o) => o.kind === 'ExternalSecret')));
  });

  test('a namePrefix reaches the ExternalSecret and its target as it reaches the envFrom reference', () => {
    const objs = renderService(context({ secrets: SECRETS }, { secrets: ESO, names: { prefix: 'prod-' } }));
    const [es] = find(objs, 'ExternalSecret');
    assert.match(es!.metadata.name, /^prod-booking-secrets-/);
    assert.deepEqual(envFrom(objs), [{ secretRef: { name: es!.spec.target.name } }]);
  });

  test('changing a remoteRef or the store renames the target (the pods roll); refs order does not', () => {
    const name = (secrets: Json, s: ChartSecrets = ESO) =>
      find(renderService(context({ secrets }, { secrets: s })), 'ExternalSecret')[0]!.metadata.name;
    const base = name(SECRETS);
    assert.equal(name({ API_TOKEN: SECRETS.API_TOKEN, DATABASE_URL: SECRETS.DATABASE_URL }), base);
    assert.notEqual(name({ ...SECRETS, API_TOKEN: { remoteRef: { key: 'other' } } }), base);
    const store: ChartSecrets = {
      externalSecrets: { store: { name: 'vault', kind: 'SecretStore' }, refreshInterval: '1h' },
    };
    assert.notEqual(name(SECRETS, store), base);
  });

  test('a key without remoteRef is a values error naming every such key', () => {
    const e = thrown(() =>
      renderService(context({ secrets: { A: { fromEnv: 'A' }, B: { fromFile: 'b' } } }, { secrets: ESO })),
    );
    assert.equal(e.type, 'values');
    assert.match(
      e.message,
      /secrets\.A has no remoteRef: environment production takes secrets from the External Secrets Operator/,
    );
    assert.deepEqual(e.details, ['secrets.B has no remoteRef']);
  });

  test('without a provider, a remoteRef-only key is an error and remoteRef beside fromEnv is left alone', () => {
    const e = thrown(() => renderService(context({ secrets: { API_TOKEN: SECRETS.API_TOKEN } })));
    assert.match(
      e.message,
      /secrets\.API_TOKEN has only a remoteRef, but environment production has no externalSecrets provider/,
    );
    const objs = renderService(context({ secrets: { DATABASE_URL: SECRETS.DATABASE_URL } }));
    assert.equal(find(objs, 'Secret')[0]!.stringData.DATABASE_URL, '<from env BOOKING_DB_URL>');
  });
});

const SEALED = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: booking-sealed
  namespace: appointments-production
spec:
  encryptedData:
    DATABASE_URL: AgBy3i4OJSWK+PiTySYZZA==
    API_TOKEN: AgCtr8LKxR3yJQ==
  template:
    type: Opaque
`;

function sealed(text: string | undefined): ChartSecrets {
  return {
    sealedSecrets: {
      directory: 'sealed',
      file: text === undefined ? undefined : parseYaml('sealed/booking.yaml', text),
    },
  };
}

describe('sealedSecrets', () => {
  const secrets = { DATABASE_URL: { fromEnv: 'X' }, API_TOKEN: { fromEnv: 'Y' } };

  test('passed through with its own name and the standard labels; the Deployment reads that Secret', () => {
    const objs = renderService(context({ secrets }, { secrets: sealed(SEALED), names: { prefix: 'prod-' } }));
    assert.deepEqual(find(objs, 'Secret'), []);
    const [s] = find(objs, 'SealedSecret');
    assert.equal(s!.metadata.name, 'booking-sealed', 'never renamed: the encryption is bound to the name');
    assert.equal(s!.metadata.labels['app.kubernetes.io/name'], 'booking');
    assert.deepEqual(s!.spec.encryptedData, {
      DATABASE_URL: 'AgBy3i4OJSWK+PiTySYZZA==',
      API_TOKEN: 'AgCtr8LKxR3yJQ==',
    });
    assert.deepEqual(envFrom(objs), [{ secretRef: { name: 'booking-sealed' } }]);
  });

  test('re-sealed values roll the pods (checksum of encryptedData)', () => {
    const checksum = (text: string) =>
      find(renderService(context({ secrets }, { secrets: sealed(text) })), 'Deployment')[0]!.spec.template
        .metadata.annotations['checksum/secret'];
    assert.notEqual(checksum(SEALED), checksum(SEALED.replace('AgCtr8LKxR3yJQ==', 'AgDifferent==')));
  });

  test('problems point at the file and line', () => {
    let e = thrown(() =>
      renderService(
        context({ secrets }, { secrets: sealed(SEALED.replace('appointments-production', 'other')) }),
      ),
    );
    assert.equal(e.type, 'config');
    assert.match(e.message, /sealed for namespace other, but production deploys to appointments-production/);
    assert.deepEqual([e.location?.file, e.location?.line], ['sealed/booking.yaml', 5]);
    e = thrown(() =>
      renderService(
        context({ secrets: { ...secrets, REDIS: { fromEnv: 'R' } } }, { secrets: sealed(SEALED) }),
      ),
    );
    assert.match(e.message, /secrets\.REDIS is not in the SealedSecret's encryptedData/);
    assert.equal(e.location?.line, 8);
    e = thrown(() =>
      renderService(context({ secrets }, { secrets: sealed('apiVersion: v1\nkind: Secret\n') })),
    );
    assert.match(e.message, /the file must hold one SealedSecret/);
    e = thrown(() => renderService(context({ secrets }, { secrets: sealed(undefined) })));
    assert.equal(e.type, 'values');
    assert.match(e.message, /sealed\/booking\.yaml does not exist/);
    assert.deepEqual(
      renderService(context({}, { secrets: sealed(undefined) })).filter((o) => o.kind.includes('Secret')),
      [],
    );
  });
});
