import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlagdCore } from '@openfeature/flagd-core';
import { flagSchema } from '../config/schema.ts';
import { flagdDocument, planRollout, stateOfFlagd } from './model.ts';

const flag = flagSchema.parse({
  rollout: {
    steps: [
      { setPercent: 10 },
      { analysis: { templates: ['success-rate'] } },
      { setPercent: 50 },
      { pause: { duration: '2s' } },
      { analysis: { templates: ['success-rate'] } },
      { setPercent: 100 },
      { analysis: { templates: ['success-rate'] } },
    ],
  },
});

describe('flags model', () => {
  test('a partial share is flagd fractional targeting that flagd itself evaluates to that share', () => {
    const doc = flagdDocument(
      { flags: { 'new-flow': flag } },
      { 'new-flow': { variant: 'on', percent: 10 } },
    );
    const core = new FlagdCore();
    core.setConfigurations(JSON.stringify(doc)); // flagd's own schema validation
    let on = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++)
      if (core.resolveBooleanEvaluation('new-flow', false, { targetingKey: `req-${i}` }).value) on++;
    const sigma = Math.sqrt(n * 0.1 * 0.9);
    assert.ok(Math.abs(on - n * 0.1) < 4 * sigma, `${on} of ${n}`);
    assert.deepEqual(stateOfFlagd(flag, doc.flags['new-flow']!), { variant: 'on', percent: 10 });
  });

  test('off and 100 % need no targeting; the state reads back', () => {
    const doc = flagdDocument({ flags: { f: flag } }, { f: { variant: 'on', percent: 100 } });
    assert.equal(doc.flags.f!.defaultVariant, 'on');
    assert.equal(doc.flags.f!.targeting, undefined);
    const off = flagdDocument({ flags: { f: flag } }, {});
    assert.deepEqual(stateOfFlagd(flag, off.flags.f!), { variant: 'off', percent: 100 });
  });

  test('the rollout plan: steps up to the target, the ones already reached left out', () => {
    const kinds = (p: ReturnType<typeof planRollout>) =>
      p.map((s) => (s.kind === 'set' ? `set ${s.percent}` : s.kind));
    const off = { variant: 'off', percent: 100 };
    assert.deepEqual(kinds(planRollout(flag, off, { variant: 'on', percent: 100 })), [
      'set 10',
      'analysis',
      'set 50',
      'pause',
      'analysis',
      'set 100',
      'analysis',
    ]);
    assert.deepEqual(kinds(planRollout(flag, off, { variant: 'on', percent: 30 })), [
      'set 10',
      'analysis',
      'set 30',
      'pause',
      'analysis',
    ]);
    assert.deepEqual(
      kinds(planRollout(flag, { variant: 'on', percent: 50 }, { variant: 'on', percent: 100 })),
      ['set 100', 'analysis'],
    );
    assert.deepEqual(kinds(planRollout(flag, { variant: 'on', percent: 50 }, off)), ['set 100']);
    assert.deepEqual(kinds(planRollout(flag, off, { variant: 'on', percent: 100 }, { immediate: true })), [
      'set 100',
    ]);
  });

  test('the schema refuses a default variant that is not a variant and values of the wrong type', () => {
    assert.equal(flagSchema.safeParse({ defaultVariant: 'nope' }).success, false);
    assert.equal(
      flagSchema.safeParse({ type: 'string', variants: { a: 'x', b: 1 }, defaultVariant: 'a' }).success,
      false,
    );
    assert.equal(
      flagSchema.safeParse({ type: 'string', variants: { a: 'x', b: 'y' }, defaultVariant: 'a' }).success,
      true,
    );
  });
});
