// The local stand-in for the External Secrets Operator and the Sealed Secrets controller: which values
// it reads (a SLIPWAY_SECRET_* variable over the local file; properties like ESO's fake provider), the
// one error listing every missing value, and the lines it prints (sources, never values).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { renderService } from '../render/index.ts';
import { context } from '../render/test-fixtures.ts';
import { isSlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  describeLocalTarget,
  localSecretEnvName,
  localTargetSecret,
  readLocalTargets,
} from './external-secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'slipway-local-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const local = { file: join(dir, 'secrets.local.yaml'), shown: '.slipway/secrets.local.yaml' };

const ESO = {
  externalSecrets: { store: { name: 'vault', kind: 'ClusterSecretStore' as const }, refreshInterval: '1h' },
};
const manifests = renderService(
  context(
    {
      secrets: {
        DATABASE_URL: { remoteRef: { key: 'orders/payment', property: 'database-url' } },
        API_TOKEN: { remoteRef: { key: 'orders/api-token' } },
      },
    },
    { secrets: ESO },
  ),
);
const sealed: KubeObject = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'payment-sealed', namespace: 'ns' },
  spec: { encryptedData: { API_KEY: 'AgB=' } },
};

test('variable names', () => {
  assert.equal(
    localSecretEnvName('orders/payment', 'database-url'),
    'SLIPWAY_SECRET_ORDERS_PAYMENT_DATABASE_URL',
  );
  assert.equal(localSecretEnvName('orders/api-token'), 'SLIPWAY_SECRET_ORDERS_API_TOKEN');
});

test('every missing value in one values error, before anything is read twice or applied', () => {
  try {
    readLocalTargets([...manifests, sealed], local, {});
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(isSlipwayError(e) && e.type === 'values');
    assert.match(
      e.message,
      /^no local value for ExternalSecret booking-secrets-[0-9a-f]{10}: API_TOKEN \("orders\/api-token"; or SLIPWAY_SECRET_ORDERS_API_TOKEN\)$/,
    );
    assert.equal(e.details.length, 2);
    assert.match(
      e.details[1]!,
      /SealedSecret payment-sealed: API_KEY \("payment-sealed" property "API_KEY"; or SLIPWAY_SECRET_PAYMENT_SEALED_API_KEY\)/,
    );
    assert.match(e.hint ?? '', /runs no External Secrets Operator or Sealed Secrets controller/);
  }
});

test('file values, a variable winning over the file; the Secret is owned by its ExternalSecret', () => {
  writeFileSync(
    local.file,
    'orders/payment:\n  database-url: postgres://x\norders/api-token: file-token\npayment-sealed:\n  API_KEY: k3y\n',
  );
  const targets = readLocalTargets([...manifests, sealed], local, {
    SLIPWAY_SECRET_ORDERS_API_TOKEN: 'env-token',
  });
  assert.equal(targets.length, 2);
  const [es, ss] = targets;
  const decoded = (t: typeof es) =>
    Object.fromEntries(Object.entries(t!.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  assert.deepEqual(decoded(es), { DATABASE_URL: 'postgres://x', API_TOKEN: 'env-token' });
  assert.deepEqual(decoded(ss), { API_KEY: 'k3y' });
  assert.equal(ss!.name, 'payment-sealed');
  const line = describeLocalTarget(es!);
  assert.match(
    line,
    /resolved locally from \.slipway\/secrets\.local\.yaml and SLIPWAY_SECRET_ORDERS_API_TOKEN — in a real cluster the External Secrets Operator does this \(store vault\)/,
  );
  assert.ok(!line.includes('env-token') && !line.includes('postgres://x'));
  assert.match(describeLocalTarget(ss!), /the local cluster cannot decrypt SealedSecret payment-sealed/);
  const applied = { ...es!.owner, metadata: { ...es!.owner.metadata, uid: 'u-1' } };
  const secret = localTargetSecret(es!, applied);
  assert.equal(secret.metadata.name, es!.name);
  assert.deepEqual(secret.metadata.ownerReferences?.[0]?.uid, 'u-1');
  assert.equal(
    secret.metadata.labels,
    undefined,
    'no ownership labels: prune leaves it to garbage collection',
  );
});

test('manifests without ExternalSecrets or SealedSecrets read nothing', () => {
  assert.deepEqual(
    readLocalTargets(renderService(context({})), { file: '/nonexistent', shown: 'x' }, {}),
    [],
  );
});
