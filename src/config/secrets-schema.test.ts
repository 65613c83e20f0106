// `secrets:` in slipway.yaml: a provider per platform or environment, checked with file:line errors
// (exit 2) like every other key; the environment's entry replaces the platform's.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_TYPES, isSlipwayError, SlipwayErrorList } from '../shared/errors.ts';
import { parsePlatform } from './load.ts';
import { chartSecretsFor, secretsProviderFor } from './load-secrets.ts';
import { parseYaml } from './yaml-source.ts';

const BASE = `apiVersion: slipway.dev/v1
kind: Platform
name: orders
services:
  payment: {}
`;

function problems(text: string): string[] {
  try {
    parsePlatform(parseYaml('slipway.yaml', text));
  } catch (e) {
    assert.ok(isSlipwayError(e));
    assert.equal(ERROR_TYPES[e.type].exitCode, 2);
    const all = e instanceof SlipwayErrorList ? e.errors : [e];
    return all.map((x) => `${x.location?.line}: ${x.location?.path}: ${x.message}`);
  }
  assert.fail('expected errors');
}

test('a provider per environment, and the platform default', () => {
  const platform = parsePlatform(
    parseYaml(
      'slipway.yaml',
      `${BASE}secrets:
  sealedSecrets: { directory: sealed }
environments:
  - name: staging
  - name: production
    secrets:
      externalSecrets:
        store: { name: aws }
`,
    ),
  );
  const p = { dir: '/p', platform, environments: platform.environments } as unknown as Parameters<
    typeof secretsProviderFor
  >[0];
  assert.deepEqual(secretsProviderFor(p, 'staging'), {
    sealedSecrets: { directory: 'sealed' },
    localValues: '.slipway/secrets.local.yaml',
  });
  assert.deepEqual(secretsProviderFor(p, 'production'), {
    externalSecrets: { store: { name: 'aws', kind: 'SecretStore' }, refreshInterval: '1h' },
    localValues: '.slipway/secrets.local.yaml',
  });
});

test('wrong providers are config errors at file:line', () => {
  const found = problems(`${BASE}environments:
  - name: production
    secrets:
      externalSecrets:
        store: { name: aws, kind: VaultStore }
        refreshInterval: 1d
        refresh: 1h
  - name: staging
    secrets:
      externalSecrets: { store: { name: aws } }
      sealedSecrets: { directory: sealed }
`);
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(
    found[0]!,
    /^10: environments\[0\]\.secrets\.externalSecrets\.store\.kind: .*SecretStore.*ClusterSecretStore/,
  );
  assert.match(
    found[1]!,
    /^11: environments\[0\]\.secrets\.externalSecrets\.refreshInterval: .*Go duration like 1h, 15m or 0/,
  );
  assert.match(found[2]!, /^12: environments\[0\]\.secrets\.externalSecrets\.refresh: .*refresh/);
  assert.match(
    found[3]!,
    /^15: environments\[1\]\.secrets: give exactly one of externalSecrets and sealedSecrets/,
  );
});

test("sealedSecrets: the service's file is read with positions, named relative to the platform", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sealed-'));
  try {
    mkdirSync(join(dir, 'sealed'));
    writeFileSync(
      join(dir, 'sealed', 'payment.yaml'),
      'kind: SealedSecret\nspec:\n  encryptedData: { A: x }\n',
    );
    const platform = parsePlatform(
      parseYaml(
        'slipway.yaml',
        `${BASE}secrets:\n  sealedSecrets: { directory: sealed }\nenvironments:\n  - name: prod\n`,
      ),
    );
    const p = { dir, platform, environments: platform.environments } as unknown as Parameters<
      typeof chartSecretsFor
    >[0];
    const s = await chartSecretsFor(p, 'prod', 'payment');
    assert.ok(s && 'sealedSecrets' in s && s.sealedSecrets.file);
    assert.equal(s.sealedSecrets.file.file, 'sealed/payment.yaml');
    assert.equal(s.sealedSecrets.file.locate(['spec', 'encryptedData'])?.line, 3);
    const none = await chartSecretsFor(p, 'prod', 'other');
    assert.deepEqual(none, { sealedSecrets: { directory: 'sealed', file: undefined } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
