import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freezeMarkerObject, heldMessage, markerInForce, parseFreezeMarker } from './freeze-marker.ts';

describe('freeze marker', () => {
  const m = { id: 7, environment: 'prod', reason: 'INC-4711', by: 'ada', until: '2030-01-01T00:00:00.000Z' };

  test('round-trips through its ConfigMap', () => {
    const cm = freezeMarkerObject(m, 'shop-prod');
    assert.equal(cm.metadata.name, 'slipway-freeze');
    assert.equal(cm.metadata.namespace, 'shop-prod');
    assert.deepEqual(parseFreezeMarker(cm), m);
    const { until: _, ...open } = m;
    assert.deepEqual(parseFreezeMarker(freezeMarkerObject(open, 'ns')), open);
  });

  test('a malformed ConfigMap is no marker', () => {
    assert.equal(parseFreezeMarker(undefined), undefined);
    const cm = freezeMarkerObject(m, 'ns');
    assert.equal(parseFreezeMarker({ ...cm, data: { ...(cm.data as object), id: 'x' } }), undefined);
  });

  test('in force until `until`; without one until removed', () => {
    const end = Date.parse(m.until);
    assert.equal(markerInForce(m, end - 1), true);
    assert.equal(markerInForce(m, end), false);
    assert.equal(markerInForce({ ...m, until: undefined }, end * 2), true);
    assert.equal(markerInForce(undefined, 0), false);
  });

  test('the held line names the environment, the freeze, who and why', () => {
    assert.equal(heldMessage(m), 'held: prod is frozen (#7 by ada: INC-4711)');
  });
});
