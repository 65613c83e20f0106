import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Strategy } from '../config/schema.ts';
import { LABELS } from '../shared/kube-types.ts';
import { renderService } from './index.ts';
import { context } from './test-fixtures.ts';
import { renderHttpRoute, renderVirtualService } from './traffic.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
type Json = Record<string, any>;
const byName = (objs: unknown[], kind: string, name: string) =>
  (objs as Json[]).find((o) => o.kind === kind && o.metadata.name === name);
const names = (objs: unknown[]) => (objs as Json[]).map((o) => `${o.kind}/${o.metadata.name}`);
const sel = { [LABELS.name]: 'booking', [LABELS.instance]: 'booking' };

const istio: Strategy = {
  type: 'canary',
  steps: [
    { setWeight: 5 },
    { setHeaderRoute: { match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] } },
  ],
  trafficRouting: { istio: {} },
};

describe('canary', () => {
  test('Istio at rest: canary Services, VirtualService stable 100 / canary 0 without the header route, subsets by track', () => {
    const objs = renderService(context({}, { strategy: istio }));
    assert.deepEqual(
      names(objs).filter(
        (n) => !/^(NetworkPolicy|PodDisruptionBudget|ServiceAccount|HorizontalPodAutoscaler)/.test(n),
      ),
      [
        'Service/booking',
        'Service/booking-canary',
        'Service/booking-canary-only',
        'Deployment/booking',
        'DestinationRule/booking',
        'VirtualService/booking',
      ],
    );
    assert.deepEqual(
      byName(objs, 'Service', 'booking')!.spec.selector,
      sel,
      'Istio subsets need both tracks',
    );
    // Document 004: `<svc>-canary` "routes to both stable and canary"; `-canary-only` is the canary track.
    assert.deepEqual(byName(objs, 'Service', 'booking-canary')!.spec.selector, sel);
    assert.deepEqual(byName(objs, 'Service', 'booking-canary-only')!.spec.selector, {
      ...sel,
      [LABELS.track]: 'canary',
    });
    assert.deepEqual(byName(objs, 'VirtualService', 'booking')!.spec, {
      hosts: ['booking'],
      http: [
        {
          name: 'primary',
          route: [
            { destination: { host: 'booking', subset: 'stable' }, weight: 100 },
            { destination: { host: 'booking', subset: 'canary' }, weight: 0 },
          ],
        },
      ],
    });
    assert.deepEqual(byName(objs, 'DestinationRule', 'booking')!.spec.subsets, [
      { name: 'stable', labels: { [LABELS.track]: 'stable' } },
      { name: 'canary', labels: { [LABELS.track]: 'canary' } },
    ]);
  });

  test('the release engine renders weights and header routes', () => {
    const vs = renderVirtualService(context({}, { strategy: istio }), {
      canaryWeight: 5,
      headerRoute: { match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] },
    }) as Json;
    assert.deepEqual(vs.spec.http[0], {
      name: 'canary-header',
      match: [{ headers: { 'x-canary': { exact: 'true' } } }],
      route: [{ destination: { host: 'booking', subset: 'canary' } }],
    });
    assert.deepEqual(
      vs.spec.http[1].route.map((r: Json) => r.weight),
      [95, 5],
    );
  });

  test('Gateway API: HTTPRoute with two weighted backends; primary Service selects the stable track', () => {
    const strategy: Strategy = {
      type: 'canary',
      steps: [{ setWeight: 10 }],
      trafficRouting: { gatewayAPI: { parentRef: 'infra/gw' } },
    };
    const objs = renderService(context({}, { strategy }));
    const route = byName(objs, 'HTTPRoute', 'booking')!;
    assert.deepEqual(route.spec, {
      parentRefs: [{ namespace: 'infra', name: 'gw' }],
      rules: [
        {
          backendRefs: [
            { name: 'booking', port: 80, weight: 100 },
            { name: 'booking-canary-only', port: 80, weight: 0 },
          ],
        },
      ],
    });
    assert.equal(byName(objs, 'Service', 'booking')!.spec.selector[LABELS.track], 'stable');
    const stepped = renderHttpRoute(context({}, { strategy }), {
      canaryWeight: 30,
      headerRoute: { match: [{ headerName: 'x-beta', headerValue: { prefix: 'a.b' } }] },
    }) as Json;
    assert.deepEqual(stepped.spec.rules[0].matches, [
      { headers: [{ name: 'x-beta', type: 'RegularExpression', value: '^a\\.b.*' }] },
    ]);
  });

  test('NGINX and replica-ratio canaries add only the canary Services at rest', () => {
    for (const trafficRouting of [{ nginx: {} }, undefined]) {
      const strategy = {
        type: 'canary',
        steps: [{ setWeight: 10 }],
        ...(trafficRouting ? { trafficRouting } : {}),
      };
      const objs = renderService(context({}, { strategy: strategy as Strategy }));
      assert.deepEqual(
        names(objs).filter((n) => n.startsWith('Service/') || n.startsWith('Deployment/')),
        ['Service/booking', 'Service/booking-canary', 'Service/booking-canary-only', 'Deployment/booking'],
      );
      assert.ok(!names(objs).some((n) => /VirtualService|HTTPRoute|Ingress/.test(n)));
    }
  });
});

describe('blue-green', () => {
  const bg: Strategy = { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' };

  test('blue is active at rest: Deployment booking-blue, active/preview/-blue/-green Services', () => {
    const objs = renderService(context({}, { strategy: bg }));
    assert.deepEqual(
      names(objs).filter((n) => n.startsWith('Service/') || n.startsWith('Deployment/')),
      [
        'Service/booking',
        'Service/booking-blue',
        'Service/booking-green',
        'Service/booking-preview',
        'Deployment/booking-blue',
      ],
    );
    const track = (n: string) => byName(objs, 'Service', n)!.spec.selector[LABELS.track];
    assert.equal(track('booking'), 'blue');
    assert.equal(track('booking-preview'), 'blue');
    assert.equal(track('booking-blue'), 'blue');
    assert.equal(track('booking-green'), 'green');
    assert.equal(
      byName(objs, 'HorizontalPodAutoscaler', 'booking')!.spec.scaleTargetRef.name,
      'booking-blue',
    );
  });

  test('activeColor green switches the workload and the active Service', () => {
    const objs = renderService(context({}, { strategy: bg, activeColor: 'green' }));
    assert.ok(byName(objs, 'Deployment', 'booking-green'));
    assert.equal(byName(objs, 'Service', 'booking')!.spec.selector[LABELS.track], 'green');
  });
});
