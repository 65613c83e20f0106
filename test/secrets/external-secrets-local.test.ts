// An environment whose secrets come from the External Secrets Operator, deployed to the embedded local
// cluster, where no operator runs: slipway applies the ExternalSecret (installing the bundled CRD),
// writes its target Secret from .slipway/secrets.local.yaml (and a SLIPWAY_SECRET_* variable), says
// so, and the pod reads the values through envFrom — while the rendered manifests and the release
// record hold no value. A missing local value fails before anything is applied.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { prepareRelease } from '../../src/policy/prepare.ts';
import { deploy, RELEASE_STATUS } from '../../src/release/index.ts';
import { toYaml } from '../../src/render/index.ts';
import { isSlipwayError } from '../../src/shared/errors.ts';
import { type ReleaseTestEnv, recordingEvents, startFixtureEnv } from '../release/support.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'vault-shop');
const NAMESPACE = 'shop-dev';
const DB_URL = `postgres://web:pw-${process.pid}-db@127.0.0.1/shop`;
const TOKEN = `tok-${process.pid}-en`;
const TOKEN_VAR = 'SLIPWAY_SECRET_SHOP_WEB_API_TOKEN';
const SEALED_DB_URL = `${DB_URL}-sealed`;

let env: ReleaseTestEnv;
before(async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  env = await startFixtureEnv(
    FIXTURE,
    'slipway-eso-',
    `ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
  );
});
after(async () => {
  delete process.env[TOKEN_VAR];
  await env?.close();
});

const release = () =>
  deploy(
    env.client,
    { platform: env.platform, service: 'web', environment: 'dev', user: 'tester', timeoutMs: 20_000 },
    recordingEvents(),
  );

function assertNoValue(text: string, where: string): void {
  for (const v of [DB_URL, SEALED_DB_URL, TOKEN]) {
    assert.ok(!text.includes(v), `${where} contains a secret value`);
    assert.ok(!text.includes(Buffer.from(v).toString('base64')), `${where} contains a secret value (base64)`);
  }
}

/** The environments of the pods' processes (they run with the platform directory as cwd). */
function podEnvirons(dir: string): string[][] {
  const out: string[][] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      if (Number(p) !== process.pid && readlinkSync(`/proc/${p}/cwd`).startsWith(dir))
        out.push(readFileSync(`/proc/${p}/environ`, 'utf8').split('\0'));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

test('ExternalSecrets on the local cluster: resolved from the local file, seen by the pod, in no manifest', {
  timeout: 60_000,
}, async () => {
  // No local values: refused before anything is applied, naming the key, the file and the variable.
  await assert.rejects(release(), (e: unknown) => {
    assert.ok(isSlipwayError(e) && e.type === 'values', String(e));
    assert.match(
      e.message,
      /no local value for ExternalSecret web-secrets-[0-9a-f]{10}: API_TOKEN \("shop\/web-api-token"; or SLIPWAY_SECRET_SHOP_WEB_API_TOKEN\)/,
    );
    assert.match(e.explain(), /add the values to \.slipway\/secrets\.local\.yaml/);
    return true;
  });
  assert.deepEqual(await env.client.list('apps/v1', 'Deployment', { namespace: NAMESPACE }), []);

  writeFileSync(
    join(env.dir, '.slipway', 'secrets.local.yaml'),
    `shop/web:\n  database-url: ${JSON.stringify(DB_URL)}\nshop/web-api-token: from-the-file\n`,
  );
  process.env[TOKEN_VAR] = TOKEN; // a variable wins over the file
  const events = recordingEvents();
  const r = await deploy(
    env.client,
    { platform: env.platform, service: 'web', environment: 'dev', user: 'tester', timeoutMs: 20_000 },
    events,
  );
  assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
  const said = events.lines.join('\n');
  assert.match(said, /installed CRD externalsecrets\.external-secrets\.io/);
  assert.match(
    said,
    /Secret web-secrets-[0-9a-f]{10} resolved locally from \.slipway\/secrets\.local\.yaml and SLIPWAY_SECRET_SHOP_WEB_API_TOKEN — in a real cluster the External Secrets Operator does this \(store vault\)/,
  );

  // The ExternalSecret is there as in a real cluster; its target Secret is owned by it.
  const [es] = await env.client.list('external-secrets.io/v1beta1', 'ExternalSecret', {
    namespace: NAMESPACE,
  });
  assert.ok(es);
  const target = (es.spec as { target: { name: string } }).target.name;
  const secret = await env.client.get('v1', 'Secret', target, NAMESPACE);
  assert.ok(secret, 'the target Secret exists');
  assert.deepEqual(
    secret.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
    [`ExternalSecret/${es.metadata.name}`],
  );
  const data = secret.data as Record<string, string>;
  assert.equal(Buffer.from(data.DATABASE_URL ?? '', 'base64').toString(), DB_URL);
  assert.equal(Buffer.from(data.API_TOKEN ?? '', 'base64').toString(), TOKEN);

  // The pod reads them through envFrom.
  const environs = podEnvirons(env.dir);
  assert.ok(
    environs.some((e) => e.includes(`DATABASE_URL=${DB_URL}`)),
    "a pod's environment has DATABASE_URL",
  );
  assert.ok(
    environs.some((e) => e.includes(`API_TOKEN=${TOKEN}`)),
    "a pod's environment has API_TOKEN",
  );

  // Nowhere else: rendered manifests (no Secret at all), the release record, the deploy output.
  const prepared = await prepareRelease(env.platform, { service: 'web', environment: 'dev' });
  assert.deepEqual(
    prepared.objects.filter((o) => o.kind === 'Secret'),
    [],
  );
  assert.deepEqual(
    prepared.report.findings.filter((f) => f.checkId === 'SLW-SEC-016' || f.checkId === 'SLW-SCH-001'),
    [],
  );
  assertNoValue(toYaml(prepared.manifests), 'rendered manifests');
  assertNoValue(JSON.stringify(r), 'release record');
  assertNoValue(said, 'deploy output');
});

test('switching the environment to SealedSecrets: the local cluster cannot decrypt, so the Secret comes from the file', {
  timeout: 60_000,
}, async () => {
  const dev = env.platform.environments.find((e) => e.name === 'dev')!;
  dev.secrets = { sealedSecrets: { directory: 'sealed' }, localValues: '.slipway/secrets.local.yaml' };
  mkdirSync(join(env.dir, 'sealed'));
  writeFileSync(
    join(env.dir, 'sealed', 'web.yaml'),
    `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: web-sealed\n  namespace: ${NAMESPACE}\n` +
      'spec:\n  encryptedData:\n    DATABASE_URL: AgBy3i4OJSWK+PiTySYZZA==\n    API_TOKEN: AgCtr8LKxR3yJQ==\n',
  );
  writeFileSync(
    join(env.dir, '.slipway', 'secrets.local.yaml'),
    `web-sealed:\n  DATABASE_URL: ${JSON.stringify(SEALED_DB_URL)}\n  API_TOKEN: ${JSON.stringify(TOKEN)}\n`,
  );
  delete process.env[TOKEN_VAR];
  const events = recordingEvents();
  const r = await deploy(
    env.client,
    { platform: env.platform, service: 'web', environment: 'dev', user: 'tester', timeoutMs: 20_000 },
    events,
  );
  assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
  const said = events.lines.join('\n');
  assert.match(
    said,
    /Secret web-sealed written from \.slipway\/secrets\.local\.yaml: the local cluster cannot decrypt SealedSecret web-sealed/,
  );
  assert.match(said, /pruned ExternalSecret\//, 'the previous ExternalSecret is pruned');
  const secret = await env.client.get('v1', 'Secret', 'web-sealed', NAMESPACE);
  assert.equal(
    Buffer.from((secret?.data as Record<string, string>).DATABASE_URL ?? '', 'base64').toString(),
    SEALED_DB_URL,
  );
  assert.deepEqual(
    secret?.metadata.ownerReferences?.map((o) => o.kind),
    ['SealedSecret'],
  );
  assert.ok(
    podEnvirons(env.dir).some((e) => e.includes(`DATABASE_URL=${SEALED_DB_URL}`)),
    "a pod's environment has DATABASE_URL",
  );
  assertNoValue(JSON.stringify(r), 'release record');
  assertNoValue(said, 'deploy output');
});
