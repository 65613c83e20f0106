import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import { FREEZE_MARKER, type FreezeMarker, freezeMarkerObject } from '../freeze-marker.ts';
import type { StrategyContext } from '../types.ts';
import { gateName, holdWhileFrozen, waitGated } from './canary-runtime.ts';
import { forgetHeld, HoldClock, heldSoFar, withHeldDeadline } from './freeze-hold.ts';

const marker: FreezeMarker = { id: 3, environment: 'prod', reason: 'INC-1', by: 'ada' };

/** A context whose cluster holds the freeze marker and gate the test sets. */
function fakeContext(
  revision: number,
  state: { marker?: KubeObject | undefined; gate?: KubeObject | undefined },
): StrategyContext & { logs: string[] } {
  const client = {
    get: async (_v: string, kind: string, name: string) => {
      if (kind !== 'ConfigMap') return undefined;
      if (name === FREEZE_MARKER) return state.marker;
      return name === gateName('web') ? state.gate : undefined;
    },
    delete: async () => true,
    target: { namespace: 'ns' },
  } as unknown as KubeClient;
  const logs: string[] = [];
  return {
    client,
    namespace: 'ns',
    service: 'web',
    deadline: 1_000,
    release: { revision } as StrategyContext['release'],
    events: { step() {}, progress() {}, log: (l: string) => logs.push(l) },
    logs,
  } as unknown as StrategyContext & { logs: string[] };
}

const later = (ms: number, fn: () => void) => setTimeout(fn, ms);

describe('freeze hold: the clock', () => {
  test('a hold starts, grows and ends; the total counts every hold', () => {
    const c = new HoldClock();
    assert.equal(c.observe(false, 0), undefined);
    assert.deepEqual(c.observe(true, 100), { started: true });
    assert.equal(c.observe(true, 150), undefined);
    assert.equal(c.held(180), 80);
    assert.deepEqual(c.observe(false, 200), { ended: 100 });
    assert.equal(c.frozen, false);
    c.observe(true, 300);
    c.observe(false, 350);
    assert.equal(c.held(1000), 150);
  });

  test("the release deadline moves by the release's total held", () => {
    const ctx = fakeContext(41, {});
    assert.equal(withHeldDeadline(ctx), ctx, 'nothing held: the same context');
    forgetHeld(ctx);
  });
});

describe('freeze hold: waits and steps (fake cluster)', () => {
  test('a pause holds while frozen; neither the pause nor its deadline runs out meanwhile', async () => {
    const state: { marker?: KubeObject | undefined } = {};
    const ctx = fakeContext(42, state);
    later(100, () => {
      state.marker = freezeMarkerObject(marker, 'ns');
    });
    later(900, () => {
      state.marker = undefined;
    });
    const started = Date.now();
    // Without the hold this pause ends at 300 ms, and the deadline (500 ms) would fail it at 900 ms.
    const r = await waitGated(ctx, { ms: 300, deadline: started + 500, what: 'step 2/4: pause 300ms' });
    const took = Date.now() - started;
    assert.deepEqual(r, { by: 'time' });
    assert.ok(took >= 900, `held until the unfreeze, ended after ${took} ms`);
    assert.ok(
      ctx.logs.some((l) => l === 'held: prod is frozen (#3 by ada: INC-1) during step 2/4: pause 300ms'),
      ctx.logs.join('\n'),
    );
    assert.ok(ctx.logs.some((l) => /^unfrozen after \d+\.\ds: step 2\/4: pause 300ms goes on$/.test(l)));
    assert.ok(heldSoFar(ctx) >= 600, `the release's total grew (${heldSoFar(ctx)} ms)`);
    assert.equal(withHeldDeadline(ctx).deadline, ctx.deadline + heldSoFar(ctx));
    forgetHeld(ctx);
  });

  test('a promote gate waits for the unfreeze; an abort ends a hold at once', async () => {
    const state: { marker?: KubeObject | undefined; gate?: KubeObject } = {
      marker: freezeMarkerObject(marker, 'ns'),
      gate: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: gateName('web') },
        data: { revision: '43', action: 'promote', user: 'alice', at: '' },
      },
    };
    const ctx = fakeContext(43, state);
    let ended = false;
    const waiting = waitGated(ctx, { deadline: Date.now() + 200, what: 'pause', promotable: true }).then(
      (r) => {
        ended = true;
        return r;
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(ended, false, 'no promote and no timeout while frozen');
    state.marker = undefined;
    assert.deepEqual(await waiting, { by: 'promote', user: 'alice' });

    state.marker = freezeMarkerObject(marker, 'ns');
    state.gate = { ...state.gate!, data: { revision: '43', action: 'abort', user: 'bob', at: '' } };
    await assert.rejects(holdWhileFrozen(ctx, 'step 3/4: setWeight 60'), /aborted by bob while held/);
    forgetHeld(ctx);
  });

  test('before a step: no marker passes at once; a marker holds until removed; an expired one is gone', async () => {
    const state: { marker?: KubeObject | undefined } = {};
    const ctx = fakeContext(44, state);
    assert.equal(await holdWhileFrozen(ctx, 'step 1/2'), 0);
    state.marker = freezeMarkerObject({ ...marker, until: new Date(Date.now() - 1000).toISOString() }, 'ns');
    assert.equal(await holdWhileFrozen(ctx, 'step 1/2'), 0, 'an expired marker holds nothing');
    state.marker = freezeMarkerObject(marker, 'ns');
    later(400, () => {
      state.marker = undefined;
    });
    const ms = await holdWhileFrozen(ctx, 'step 1/2: setWeight 20');
    assert.ok(ms >= 350, `held ${ms} ms`);
    assert.ok(ctx.logs.includes('held: prod is frozen (#3 by ada: INC-1) before step 1/2: setWeight 20'));
    assert.equal(heldSoFar(ctx), ms);
    forgetHeld(ctx);
  });
});
