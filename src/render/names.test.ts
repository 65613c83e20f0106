// Kustomize-style namePrefix / nameSuffix: every object the chart renders is renamed, and every
// reference to one of them follows (Kustomize's nameReference transformer), while labels, selectors
// and references to objects the chart does not render stay as they are. Snapshots with a prefix.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchSnapshot } from '../../test/support/snapshot.ts';
import type { Strategy } from '../config/schema.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { objectName } from '../shared/names.ts';
import { renderNginxCanaryIngress, renderService, toYaml } from './index.ts';
import { context, richOverlay } from './test-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
type Json = any;

const STRATEGIES: Record<string, Strategy> = {
  'canary-istio': { type: 'canary', steps: [{ setWeight: 5 }], trafficRouting: { istio: {} } },
  'canary-gateway': {
    type: 'canary',
    steps: [{ setWeight: 5 }],
    trafficRouting: { gatewayAPI: { parentRef: 'infra/gw' } },
  },
  'blue-green': { type: 'blueGreen', autoPromotion: false, scaleDownDelay: '30s' },
};

const names = { prefix: 'staging-', suffix: '-v2' };
const renamed = (base: string) => objectName(base, names);
const render = (strategy: Strategy, overlay = richOverlay()) =>
  renderService(context(overlay, { strategy, names }));
const named = (objs: KubeObject[], kind: string) =>
  new Set(objs.filter((o) => o.kind === kind).map((o) => o.metadata.name));

/** Every name the pod template, HPA, Ingress and routing objects refer to, by the kind it names. */
function references(objs: KubeObject[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const o of objs as Json[]) {
    if (o.kind === 'Deployment') {
      const pod = o.spec.template.spec;
      if (pod.serviceAccountName) out.push(['ServiceAccount', pod.serviceAccountName]);
      for (const e of pod.containers[0].envFrom ?? []) {
        if (e.configMapRef) out.push(['ConfigMap', e.configMapRef.name]);
        if (e.secretRef) out.push(['Secret', e.secretRef.name]);
      }
    }
    if (o.kind === 'HorizontalPodAutoscaler') out.push(['Deployment', o.spec.scaleTargetRef.name]);
    if (o.kind === 'Ingress') {
      for (const r of o.spec.rules) out.push(['Service', r.http.paths[0].backend.service.name]);
    }
    if (o.kind === 'HTTPRoute') {
      for (const r of o.spec.rules) for (const b of r.backendRefs) out.push(['Service', b.name]);
    }
    if (o.kind === 'VirtualService') {
      for (const h of o.spec.hosts) out.push(['Service', h]);
      for (const r of o.spec.http) for (const d of r.route) out.push(['Service', d.destination.host]);
    }
    if (o.kind === 'DestinationRule') out.push(['Service', o.spec.host]);
  }
  return out;
}

describe('namePrefix and nameSuffix', () => {
  for (const [name, strategy] of Object.entries(STRATEGIES)) {
    test(`${name}: every object renamed, every reference follows, labels untouched`, () => {
      const objs = render(strategy);
      matchSnapshot(`render-names-${name}`, toYaml(objs));
      for (const o of objs) {
        const n = o.metadata.name!;
        // The content hash of a generated ConfigMap/Secret comes after the suffix, as Kustomize puts it.
        assert.match(n, /^staging-booking(-[a-z-]+)?-v2(-[0-9a-f]{10})?$/, `${o.kind}/${n}`);
        assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'booking', `${o.kind}/${n} label`);
      }
      for (const [kind, ref] of references(objs)) {
        assert.ok(named(objs, kind).has(ref), `a reference to ${kind}/${ref} that is not rendered`);
      }
      for (const o of objs.filter((x) => x.kind === 'Service') as Json[]) {
        assert.equal(o.spec.selector['app.kubernetes.io/name'], 'booking', 'selectors keep label values');
      }
      const pod = (objs.find((o) => o.kind === 'Deployment') as Json).spec.template.spec;
      assert.equal(pod.containers[0].name, 'booking', 'container names are not object names');
      // A reference to an object the chart does not render is not renamed (Kustomize leaves it).
      const redis = pod.containers[0].env.find((e: Json) => e.name === 'REDIS_URL');
      assert.equal(redis.valueFrom.configMapKeyRef.name, 'shared-config');
    });
  }

  test('the names a Kustomize user would expect', () => {
    const canary = render(STRATEGIES['canary-gateway']!);
    assert.deepEqual(
      [...named(canary, 'Service')].sort(),
      [renamed('booking'), renamed('booking-canary'), renamed('booking-canary-only')].sort(),
    );
    const bg = render(STRATEGIES['blue-green']!);
    assert.deepEqual([...named(bg, 'Deployment')], [renamed('booking-blue')]);
    assert.deepEqual((bg.find((o) => o.kind === 'HorizontalPodAutoscaler') as Json).spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'staging-booking-blue-v2',
    });
    for (const kind of ['PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'ServiceAccount'])
      assert.deepEqual([...named(bg, kind)], ['staging-booking-v2'], kind);
  });

  test('the NGINX canary Ingress is renamed and sends to the renamed canary-only Service', () => {
    const ctx = context(richOverlay(), {
      strategy: { type: 'canary', steps: [{ setWeight: 5 }], trafficRouting: { nginx: {} } },
      names,
    });
    const ing = renderNginxCanaryIngress(ctx, 10) as Json;
    assert.equal(ing.metadata.name, 'staging-booking-canary-v2');
    assert.equal(ing.spec.rules[0].http.paths[0].backend.service.name, 'staging-booking-canary-only-v2');
  });

  test('a ServiceAccount the chart does not create keeps its name; one it creates is renamed', () => {
    const external = render(STRATEGIES['blue-green']!, {
      ...richOverlay(),
      serviceAccount: { create: false, name: 'shared-runner' },
    });
    const pod = (external.find((o) => o.kind === 'Deployment') as Json).spec.template.spec;
    assert.equal(pod.serviceAccountName, 'shared-runner');
    assert.equal(named(external, 'ServiceAccount').size, 0);
    const own = render(STRATEGIES['blue-green']!, { ...richOverlay(), serviceAccount: { name: 'runner' } });
    assert.deepEqual([...named(own, 'ServiceAccount')], ['staging-runner-v2']);
    const ownPod = (own.find((o) => o.kind === 'Deployment') as Json).spec.template.spec;
    assert.equal(ownPod.serviceAccountName, 'staging-runner-v2');
  });

  test('an explicit istio.host is used as written; without affixes nothing changes', () => {
    const strategy: Strategy = {
      type: 'canary',
      steps: [{ setWeight: 5 }],
      trafficRouting: { istio: { host: 'booking.example.com' } },
    };
    const vs = render(strategy).find((o) => o.kind === 'VirtualService') as Json;
    assert.deepEqual(vs.spec.hosts, ['booking.example.com']);
    assert.equal(vs.metadata.name, 'staging-booking-v2');
    const plain = renderService(context(richOverlay(), { strategy: STRATEGIES['canary-istio']! }));
    const prefixedEmpty = renderService(
      context(richOverlay(), { strategy: STRATEGIES['canary-istio']!, names: {} }),
    );
    assert.equal(toYaml(prefixedEmpty), toYaml(plain));
  });
});
