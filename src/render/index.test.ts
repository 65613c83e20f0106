import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { matchSnapshot } from '../../test/support/snapshot.ts';
import type { Strategy } from '../config/schema.ts';
import { renderService, sortObjects, toYaml } from './index.ts';
import { context, richOverlay } from './test-fixtures.ts';

const STRATEGIES: Record<string, Strategy> = {
  rolling: { type: 'rolling' },
  'canary-istio': {
    type: 'canary',
    steps: [
      { setWeight: 5 },
      {
        setHeaderRoute: {
          name: 'x-canary',
          match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }],
        },
      },
      { pause: {} },
    ],
    trafficRouting: { istio: {} },
  },
  'blue-green': { type: 'blueGreen', autoPromotion: false, scaleDownDelay: '30s' },
};

describe('renderService', () => {
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    test(`snapshot: rich service, ${name}`, () => {
      const objects = renderService(context(richOverlay(), { strategy }));
      const text = toYaml(objects);
      matchSnapshot(`render-${name}`, text);
      const docs = parseAllDocuments(text, { version: '1.1' }) as Array<{
        toJS(): unknown;
        errors: unknown[];
      }>;
      assert.deepEqual(
        docs.map((d) => d.toJS()),
        JSON.parse(JSON.stringify(objects)),
      );
    });
  }

  test('deterministic: the same input gives byte-identical output, whatever the values key order', () => {
    const a = toYaml(renderService(context(richOverlay(), { strategy: STRATEGIES['canary-istio']! })));
    const b = toYaml(renderService(context(richOverlay(), { strategy: STRATEGIES['canary-istio']! })));
    assert.equal(a, b);
    const reversed = Object.fromEntries(Object.entries(richOverlay()).reverse());
    const c = toYaml(renderService(context(reversed, { strategy: STRATEGIES['canary-istio']! })));
    assert.equal(c, a);
  });

  test("sorted in Helm's install order, then by name; unknown kinds last", () => {
    const objects = renderService(context(richOverlay(), { strategy: STRATEGIES['canary-istio']! }));
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`).map((s) => s.replace(/-[0-9a-f]{10}$/, '-HASH')),
      [
        'NetworkPolicy/booking',
        'PodDisruptionBudget/booking',
        'ServiceAccount/booking',
        'Secret/booking-secrets-HASH',
        'ConfigMap/booking-config-HASH',
        'Service/booking',
        'Service/booking-canary',
        'Service/booking-canary-only',
        'Deployment/booking',
        'HorizontalPodAutoscaler/booking',
        'Ingress/booking',
        'DestinationRule/booking',
        'ServiceMonitor/booking',
        'VirtualService/booking',
      ],
    );
    const mixed = sortObjects([
      { apiVersion: 'x/v1', kind: 'Zebra', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'z' } },
    ]);
    assert.deepEqual(
      mixed.map((o) => `${o.kind}/${o.metadata.name}`),
      ['Namespace/z', 'Service/a', 'Service/b', 'Zebra/a'],
    );
  });

  test('every object carries the standard labels and the namespace', () => {
    for (const o of renderService(context(richOverlay(), { strategy: STRATEGIES['blue-green']! }))) {
      assert.equal(o.metadata.namespace, 'appointments-production');
      const l = o.metadata.labels ?? {};
      assert.equal(l['app.kubernetes.io/managed-by'], 'slipway', o.kind);
      assert.equal(l['slipway.dev/service'], 'booking');
      assert.equal(l['slipway.dev/environment'], 'production');
      assert.equal(l['slipway.dev/platform'], 'appointments');
      assert.equal(l['app.kubernetes.io/version'], '2.3.1');
    }
  });

  test('fast: 500 services × 4 environments rendered and printed well under 2 s', () => {
    const contexts = [];
    for (let i = 0; i < 2000; i++) {
      const strategy = Object.values(STRATEGIES)[i % 3]!;
      contexts.push({
        ...context(richOverlay(), { strategy }),
        service: `svc-${i % 500}`,
        environment: `env-${i % 4}`,
      });
    }
    // CPU time rather than wall time: other processes on a shared machine must not fail this test.
    const t0 = process.cpuUsage();
    let bytes = 0;
    for (const ctx of contexts) bytes += toYaml(renderService(ctx)).length;
    const used = process.cpuUsage(t0);
    const ms = (used.user + used.system) / 1000;
    assert.ok(bytes > 0);
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms of CPU`);
  });
});
