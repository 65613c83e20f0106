import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSlipwayError } from '../shared/errors.ts';
import { renderConfigMap } from './configmap.ts';
import { SECRET_SOURCE_ANNOTATION } from './context.ts';
import { renderDeployment } from './deployment.ts';
import { renderService, toYaml } from './index.ts';
import { renderSecret } from './secret.ts';
import { context } from './test-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
type Json = Record<string, any>;

describe('ConfigMap', () => {
  test('named by a content hash that changes with the config and only with it', () => {
    const name = (overlay: Json) => (renderConfigMap(context(overlay))[0] as Json).metadata.name as string;
    const base = name({ config: { LOG_LEVEL: 'info', A: '1' } });
    assert.match(base, /^booking-config-[0-9a-f]{10}$/);
    assert.equal(name({ config: { A: '1', LOG_LEVEL: 'info' } }), base, 'key order does not matter');
    assert.equal(name({ config: { LOG_LEVEL: 'info', A: 1 } }), base, 'same string data');
    assert.equal(
      name({ config: { LOG_LEVEL: 'info', A: '1' }, replicaCount: 7, image: { tag: '9.9.9' } }),
      base,
    );
    assert.notEqual(name({ config: { LOG_LEVEL: 'debug', A: '1' } }), base);
    assert.deepEqual(renderConfigMap(context()), []);
  });

  test('a config change changes the pod template (so the pods roll)', () => {
    const template = (level: string) =>
      JSON.stringify((renderDeployment(context({ config: { LOG_LEVEL: level } }))[0] as Json).spec.template);
    assert.notEqual(template('info'), template('debug'));
    assert.equal(template('info'), template('info'));
  });

  test('data values are strings', () => {
    const cm = renderConfigMap(context({ config: { PORT: 8080, ON: true, LIST: [1, 2] } }))[0] as Json;
    assert.deepEqual(cm.data, { LIST: '[1,2]', ON: 'true', PORT: '8080' });
  });
});

describe('Secret', () => {
  const secrets = {
    'database-url': { fromEnv: 'BOOKING_DB_URL' },
    'tls.key': { fromFile: '/run/secrets/tls.key' },
  };
  const secretValue = 'postgres://booking:hunter2@db:5432/booking';

  test('without resolved data: placeholders and the source annotation, never a value', () => {
    const s = renderSecret(context({ secrets }))[0] as Json;
    assert.match(s.metadata.name, /^booking-secrets-[0-9a-f]{10}$/);
    assert.deepEqual(s.stringData, {
      'database-url': '<from env BOOKING_DB_URL>',
      'tls.key': '<from file /run/secrets/tls.key>',
    });
    assert.equal(s.data, undefined);
    assert.equal(
      s.metadata.annotations[SECRET_SOURCE_ANNOTATION],
      'database-url=env:BOOKING_DB_URL,tls.key=file:/run/secrets/tls.key',
    );
  });

  test('with resolved data: base64 in data, the same name; the printed YAML at render time has no value', () => {
    const plain = renderSecret(context({ secrets }))[0] as Json;
    const ctx = context({ secrets }, { secretData: { 'database-url': secretValue, 'tls.key': 'KEY' } });
    const resolved = renderSecret(ctx)[0] as Json;
    assert.equal(resolved.metadata.name, plain.metadata.name);
    assert.equal(resolved.stringData, undefined);
    assert.equal(Buffer.from(resolved.data['database-url'], 'base64').toString(), secretValue);
    const printed = toYaml(renderService(context({ secrets })));
    assert.ok(!printed.includes('hunter2'));
    assert.ok(!toYaml(renderService(ctx)).includes('hunter2'), 'only base64 even when resolved');
  });

  test('an unresolved key at deploy time and a malformed reference are values errors', () => {
    assert.throws(
      () => renderSecret(context({ secrets }, { secretData: { 'database-url': 'x' } })),
      (e: unknown) =>
        isSlipwayError(e) &&
        e.type === 'values' &&
        e.details[0] === 'tls.key (from file /run/secrets/tls.key)',
    );
    assert.throws(
      () => renderSecret(context({ secrets: { k: { value: 'plain' } } })),
      (e: unknown) => isSlipwayError(e) && /fromEnv/.test(e.message),
    );
  });
});
