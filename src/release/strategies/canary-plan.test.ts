import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanaryStrategy } from '../../config/schema.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { currentWeight, nginxHeader, planCanary, routerOf } from './canary-plan.ts';

const strategy = (o: Partial<CanaryStrategy>): CanaryStrategy => ({
  type: 'canary',
  steps: [{ setWeight: 10 }],
  ...o,
});
const summary = (s: CanaryStrategy, n: number) =>
  planCanary(s, { replicas: n }).targets.map(
    (t) => `${t.label}|${t.weight}|${t.canaryReplicas}/${t.stableReplicas}|${t.wait.kind}`,
  );

describe('current weight', () => {
  const steps: CanaryStrategy['steps'] = [
    { pause: {} },
    { setWeight: 10 },
    { pause: { duration: '1s' } },
    { setWeight: 50 },
    { analysis: { templates: ['success-rate'] } },
  ];
  const table: Array<[number, boolean, number]> = [
    [0, false, 0], // before any setWeight
    [1, false, 10],
    [2, false, 10],
    [3, false, 50],
    [4, false, 50],
    [5, false, 100], // past the last step
    [9, false, 100],
    [3, true, 0], // aborted
  ];
  for (const [i, aborted, w] of table)
    test(`step ${i}${aborted ? ' aborted' : ''} → ${w}`, () =>
      assert.equal(currentWeight(steps, i, aborted), w));
});

describe('canary plan', () => {
  test('without a router the weight is the replica ratio (Argo basic canary)', () => {
    const s = strategy({
      maxSurge: 1,
      steps: [
        { setWeight: 10 },
        { pause: { duration: '2s' } },
        { setWeight: 50 },
        { pause: {} },
        { setWeight: 90 },
      ],
    });
    assert.deepEqual(summary(s, 4), [
      'setWeight 10|10|1/4|none', // 1 of 5 with surge: 20 % is closer than 1/4 = 25 %
      'pause 2s|10|1/4|pause',
      'setWeight 50|50|2/2|none',
      'pause (until promoted)|50|2/2|promote',
      'setWeight 90|90|4/1|none',
    ]);
    assert.equal(planCanary(s, { replicas: 4 }).router, 'none');
    assert.deepEqual(planCanary(s, { replicas: 4 }).targets[1]!.wait, { kind: 'pause', ms: 2000 });
  });

  test('with a router stable stays N and the canary is ceil(N·w/100) or setCanaryScale', () => {
    const s = strategy({
      trafficRouting: { istio: {} },
      steps: [
        { setCanaryScale: { replicas: 1 } },
        { setWeight: 5 },
        { setWeight: 30 },
        { setCanaryScale: { weight: 50 } },
        { setCanaryScale: { matchTrafficWeight: true } },
        { setWeight: 60 },
      ],
    });
    assert.deepEqual(summary(s, 10), [
      'setCanaryScale replicas 1|0|1/10|none',
      'setWeight 5|5|1/10|none',
      'setWeight 30|30|1/10|none', // the explicit scale holds until changed
      'setCanaryScale weight 50|30|5/10|none',
      'setCanaryScale matchTrafficWeight|30|3/10|none',
      'setWeight 60|60|6/10|none',
    ]);
  });

  test('setCanaryScale without a router is ignored: the ratio is the traffic', () => {
    const s = strategy({ steps: [{ setCanaryScale: { replicas: 5 } }, { setWeight: 20 }] });
    assert.deepEqual(summary(s, 4), ['setCanaryScale replicas 5|0|0/4|none', 'setWeight 20|20|1/4|none']);
  });

  test('header route (document 003): kept until removed, at least one canary pod to reach', () => {
    const route = { headerName: 'x-canary', headerValue: { exact: 'true' } };
    const s = strategy({
      trafficRouting: { istio: {} },
      steps: [
        { setHeaderRoute: { name: 'canary-header', match: [route] } },
        { setWeight: 5 },
        { pause: { duration: '1s' } },
        { setHeaderRoute: { name: 'canary-header' } },
        { setWeight: 20 },
      ],
    });
    const t = planCanary(s, { replicas: 3 }).targets;
    assert.deepEqual(t[0]!.headerRoute, { name: 'canary-header', match: [route] });
    assert.equal(t[0]!.canaryReplicas, 1);
    assert.ok(t[2]!.headerRoute);
    assert.equal(t[3]!.headerRoute, undefined);
    assert.equal(t[4]!.headerRoute, undefined);
    assert.equal(t[4]!.canaryReplicas, 1);
  });

  test('analysis steps and background analysis from startingStep', () => {
    const s = strategy({
      trafficRouting: { gatewayAPI: { parentRef: 'gw' } },
      steps: [
        { setWeight: 10 },
        { analysis: { templates: ['success-rate'], args: { a: 'b' } } },
        { setWeight: 40 },
      ],
      backgroundAnalysis: { templates: ['latency-p99'], startingStep: 1 },
    });
    const p = planCanary(s, { replicas: 2 });
    assert.equal(p.router, 'gatewayAPI');
    assert.deepEqual(p.background, { templates: ['latency-p99'], startingStep: 1 });
    assert.deepEqual(
      p.targets.map((t) => t.background),
      [false, true, true],
    );
    assert.deepEqual(p.targets[1]!.wait, { kind: 'analysis', templates: ['success-rate'], args: { a: 'b' } });
  });

  test('refuses what the router cannot do', () => {
    const header = { setHeaderRoute: { match: [{ headerName: 'x', headerValue: { regex: 'a.*' } }] } };
    assert.throws(
      () => planCanary(strategy({ steps: [header] }), { replicas: 2 }),
      (e) =>
        e instanceof SlipwayError &&
        e.type === 'config' &&
        /step 1: setHeaderRoute needs a traffic router/.test(e.message),
    );
    assert.throws(
      () => planCanary(strategy({ trafficRouting: { nginx: {} }, steps: [header] }), { replicas: 2 }),
      /NGINX canary annotations route by one header/,
    );
    assert.doesNotThrow(() =>
      planCanary(strategy({ trafficRouting: { istio: {} }, steps: [header] }), { replicas: 2 }),
    );
  });

  test('routers and the NGINX header', () => {
    assert.equal(routerOf({}), 'none');
    assert.equal(routerOf({ trafficRouting: { nginx: {} } }), 'nginx');
    assert.equal(routerOf({ trafficRouting: { istio: {} } }), 'istio');
    assert.deepEqual(nginxHeader({ match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] }), {
      name: 'x-canary',
      value: 'true',
    });
    assert.equal(nginxHeader(undefined), undefined);
  });

  test('an HPA-driven N: the canary follows the weight of the live count', () => {
    const s = strategy({ trafficRouting: { istio: {} }, steps: [{ setWeight: 10 }] });
    assert.equal(planCanary(s, { replicas: 3 }).targets[0]!.canaryReplicas, 1);
    assert.equal(planCanary(s, { replicas: 17 }).targets[0]!.canaryReplicas, 2);
    assert.equal(planCanary(s, { replicas: 17 }).targets[0]!.stableReplicas, 17);
  });
});
