import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanaryStrategy } from '../../config/schema.ts';
import type { ChartContext } from '../../render/index.ts';
import { describeTraffic, routeObjects } from './traffic.ts';

const chart = (trafficRouting?: CanaryStrategy['trafficRouting']): ChartContext => ({
  platform: 'shop',
  service: 'cart',
  environment: 'dev',
  namespace: 'shop-dev',
  values: {
    image: { repository: 'x/cart', tag: 'v2' },
    ports: { http: 8080 },
    ingress: { hosts: ['cart.test'] },
  },
  strategy: { type: 'canary', steps: [{ setWeight: 5 }], ...(trafficRouting ? { trafficRouting } : {}) },
});
const header = { match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }] };

test('istio: header route first, then stable/canary by weight (document 003: 95/5)', () => {
  const [vs] = routeObjects(chart({ istio: {} }), 'istio', { weight: 5, headerRoute: header });
  const http = (vs!.spec as { http: Array<Record<string, unknown>> }).http;
  assert.equal(vs!.kind, 'VirtualService');
  assert.deepEqual(http[0]!.match, [{ headers: { 'x-canary': { exact: 'true' } } }]);
  assert.deepEqual(http[1]!.route, [
    { destination: { host: 'cart', subset: 'stable' }, weight: 95 },
    { destination: { host: 'cart', subset: 'canary' }, weight: 5 },
  ]);
});

test('gateway API: weights between the stable and canary Services', () => {
  const [route] = routeObjects(chart({ gatewayAPI: { parentRef: 'gw' } }), 'gatewayAPI', { weight: 30 });
  const rules = (route!.spec as { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> })
    .rules;
  assert.deepEqual(
    rules.at(-1)!.backendRefs.map((b) => [b.name, b.weight]),
    [
      ['cart', 70],
      // `<svc>-canary` selects both tracks (document 004); the canary track alone is `-canary-only`.
      ['cart-canary-only', 30],
    ],
  );
});

test('nginx: canary Ingress with weight and header; none at weight 0 without a header', () => {
  const [ing] = routeObjects(chart({ nginx: {} }), 'nginx', { weight: 20, headerRoute: header });
  const a = ing!.metadata.annotations!;
  assert.equal(ing!.metadata.name, 'cart-canary');
  assert.equal(a['nginx.ingress.kubernetes.io/canary-weight'], '20');
  assert.equal(a['nginx.ingress.kubernetes.io/canary-by-header'], 'x-canary');
  assert.equal(a['nginx.ingress.kubernetes.io/canary-by-header-value'], 'true');
  assert.deepEqual(routeObjects(chart({ nginx: {} }), 'nginx', { weight: 0 }), []);
});

test('no router: no objects, the replica ratio is the split', () => {
  assert.deepEqual(routeObjects(chart(), 'none', { weight: 50 }), []);
  assert.equal(describeTraffic('none', { weight: 50 }), 'replica ratio ~50 %');
  assert.equal(
    describeTraffic('istio', { weight: 5, headerRoute: header }),
    'istio: stable 95 % / canary 5 %, x-canary: true → canary',
  );
});
