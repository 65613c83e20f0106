import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReleaseRecord } from './history.ts';
import { interruptedError, sameRelease, stoppedAt } from './interrupted.ts';
import type { ServiceTarget } from './target.ts';

const record = (tag: string, values: Record<string, unknown> = { a: 1, b: { c: 2 } }) =>
  ({
    revision: 7,
    version: { tag },
    values,
    steps: [
      { name: 'apply', startedAt: 'x', endedAt: 'y', outcome: 'ok' },
      { name: 'step 2/2: pause (until promoted)', startedAt: 'z' },
    ],
  }) as unknown as ReleaseRecord;

test('sameRelease: version and values, key order aside', () => {
  assert.equal(sameRelease(record('can3'), record('can3', { b: { c: 2 }, a: 1 })), true);
  assert.equal(sameRelease(record('can3'), record('can4')), false);
  assert.equal(sameRelease(record('can3'), record('can3', { a: 2, b: { c: 2 } })), false);
});

test('the refusal names the service, revision, version and step, exits 2 and offers three ways on', () => {
  assert.equal(stoppedAt(record('can3')), 'step 2/2: pause (until promoted)');
  const t = { service: 'booking', environment: 'prod' } as ServiceTarget;
  const e = interruptedError(t, record('can3'), record('can4'));
  assert.equal(e.exitCode, 2);
  assert.equal(
    e.message,
    'revision 7 of booking in prod (can3) was interrupted at "step 2/2: pause (until promoted)"; not deploying can4 over it',
  );
  assert.match(
    e.hint ?? '',
    /slipway resume booking --env prod.*slipway abort booking --env prod.*--replace/,
  );
  assert.match(interruptedError(t, record('can3'), record('can3', {})).message, /can3 with other values/);
});
