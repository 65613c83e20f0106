import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SlipwayError } from '../shared/errors.ts';
import { type LoadedPlatform, loadPlatform } from './load.ts';
import {
  autoDeployNotes,
  environmentIndex,
  getEnvironment,
  getService,
  namespaceFor,
  serviceNames,
  strategyFor,
  suggest,
} from './model.ts';
import { BUILTIN_STRATEGIES } from './schema.ts';

const VALID = fileURLToPath(new URL('../../test/fixtures/config/valid', import.meta.url));

function notFound(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SlipwayError);
    assert.equal(e.type, 'notFound');
    assert.match(e.message, message);
    return true;
  });
}

describe('model', () => {
  let p: LoadedPlatform;
  before(async () => {
    p = await loadPlatform(VALID);
  });

  it('getEnvironment / getService, with did-you-mean', () => {
    assert.equal(getEnvironment(p, 'prod').policy, 'strict');
    assert.equal(getService(p, 'booking').image, 'ghcr.io/example/booking');
    notFound(() => getEnvironment(p, 'stagin'), /unknown environment "stagin" — did you mean "staging"\?/);
    notFound(() => getService(p, 'bookin'), /unknown service "bookin" — did you mean "booking"\?/);
    notFound(() => getService(p, 'constructor'), /unknown service "constructor"/);
  });

  it('serviceNames: by priority, then name', () => {
    assert.deepEqual(serviceNames(p), ['notifications', 'gateway', 'availability', 'booking']);
  });

  it('namespaceFor: the environment namespace, else <platform>-<env>', () => {
    assert.equal(namespaceFor(p, 'dev'), 'clinic-development');
    assert.equal(namespaceFor(p, 'prod'), 'clinic-prod');
    notFound(() => namespaceFor(p, 'qa'), /unknown environment "qa"/);
  });

  it('strategyFor: declared names, built-ins, default rolling', () => {
    const booking = strategyFor(p, 'booking');
    assert.equal(booking.type, 'canary');
    assert.equal(booking.type === 'canary' && booking.steps.length, 5);
    assert.deepEqual(strategyFor(p, 'availability'), BUILTIN_STRATEGIES.canary);
    assert.notEqual(strategyFor(p, 'availability'), BUILTIN_STRATEGIES.canary, 'built-ins are copied');
    assert.deepEqual(strategyFor(p, 'gateway'), {
      type: 'blueGreen',
      autoPromotion: false,
      scaleDownDelay: '30s',
      prePromotionAnalysis: { templates: ['success-rate'] },
    });
    assert.deepEqual(strategyFor(p, 'notifications'), { type: 'rolling' });
  });

  it('environmentIndex', () => {
    assert.deepEqual(
      ['dev', 'staging', 'prod'].map((e) => environmentIndex(p, e)),
      [0, 1, 2],
    );
    notFound(
      () => environmentIndex(p, 'production'),
      /unknown environment "production" — did you mean "prod"\?/,
    );
  });

  it('suggest: edit distance, else a unique prefix', () => {
    assert.equal(suggest('stagin', ['staging', 'prod']), 'staging');
    assert.equal(suggest('prod', ['staging', 'production']), 'production');
    assert.equal(suggest('pr', ['production']), undefined);
    assert.equal(suggest('production', ['dev', 'prod']), 'prod');
    assert.equal(suggest('x', ['staging', 'production']), undefined);
  });

  it('autoDeployNotes: one note per environment that sets autoDeploy, pointing at serve and apply', () => {
    const auto = p.environments.filter((e) => e.autoDeploy).map((e) => e.name);
    assert.ok(auto.length > 0, 'the fixture sets autoDeploy somewhere');
    const notes = autoDeployNotes(p);
    assert.equal(notes.length, auto.length);
    assert.match(notes[0]!, new RegExp(`^${auto[0]}: autoDeploy takes effect only under \`slipway serve\``));
    assert.match(notes[0]!, new RegExp(`slipway apply --env ${auto[0]}\``));
    const other = p.environments.find((e) => !e.autoDeploy)!.name;
    assert.deepEqual(autoDeployNotes(p, [other]), []);
  });
});
