// The names and Services of two source documents, checked on the examples that reproduce them:
// document 003's overlays (namePrefix staging- and prod-) on examples/orders, and document 004's
// Service list (names, types, selectors) on examples/budget and examples/budget/canary.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadPlatform } from '../src/config/load.ts';
import { renderPlatform } from '../src/render/platform.ts';
import { type KubeObject, LABELS } from '../src/shared/kube-types.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

async function rendered(example: string, env: string): Promise<KubeObject[]> {
  return (await renderPlatform(await loadPlatform(join(EXAMPLES, example)), env)).flatMap((r) => r.objects);
}

const names = (objs: KubeObject[], kind: string) =>
  objs
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name!)
    .sort();

describe('examples/orders: document 003 overlays (namePrefix staging-, prod-)', () => {
  for (const [env, prefix] of [
    ['staging', 'staging-'],
    ['production', 'prod-'],
  ] as const) {
    test(`${env}: the base's objects carry ${prefix}, references follow, selectors keep the labels`, async () => {
      const objs = await rendered('orders', env);
      const p = (n: string) => `${prefix}${n}`;
      // The base's Deployments, Services and HPAs, renamed as the overlay renames them.
      for (const kind of ['Service', 'HorizontalPodAutoscaler', 'ServiceAccount']) {
        for (const s of ['order-service', 'payment-service', 'api-gateway'])
          assert.ok(names(objs, kind).includes(p(s)), `${kind}/${p(s)}`);
      }
      assert.deepEqual(names(objs, 'Deployment'), [
        p('api-gateway-blue'), // the document's blue-green: api-gateway-blue (and -green during a release)
        p('order-service'),
        p('payment-service'),
      ]);
      // The document's Istio canary: VirtualService and DestinationRule route to the renamed host.
      const vs = objs.find((o) => o.kind === 'VirtualService') as { spec: { hosts: string[] } } | undefined;
      assert.deepEqual(vs?.spec.hosts, [p('order-service')]);
      for (const o of objs) {
        assert.ok(o.metadata.name!.startsWith(prefix), `${o.kind}/${o.metadata.name} has no ${prefix}`);
        const svc = o.metadata.labels?.[LABELS.service];
        assert.ok(svc && !svc.startsWith(prefix), 'label values are not prefixed');
      }
      const gateway = objs.find((o) => o.kind === 'Service' && o.metadata.name === p('api-gateway'));
      assert.equal(
        (gateway?.spec as { selector: Record<string, string> }).selector[LABELS.name],
        'api-gateway',
      );
      // Every HPA scales a Deployment that is rendered.
      for (const h of objs.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        const target = (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
        assert.ok(names(objs, 'Deployment').includes(target), `HPA ${h.metadata.name} → ${target}`);
      }
    });
  }
});

/**
 * Document 004's Services, by its names. slipway names a service's Services after the service
 * (`backend`, not `backend-service`): the document's `<x>-service<rest>` is slipway's `<x><rest>`.
 * `track` is the selected track (undefined: every pod of the service).
 */
interface DocService {
  name: string;
  type: 'ClusterIP' | 'LoadBalancer';
  track?: string;
}
const BLUE_GREEN: DocService[] = [
  { name: 'backend-service', type: 'ClusterIP', track: 'blue' }, // "switches between blue/green"
  { name: 'backend-service-blue', type: 'ClusterIP', track: 'blue' },
  { name: 'backend-service-green', type: 'ClusterIP', track: 'green' },
  { name: 'frontend-service', type: 'LoadBalancer', track: 'blue' }, // "Frontend Service LoadBalancer"
  { name: 'frontend-service-blue', type: 'ClusterIP', track: 'blue' },
  { name: 'frontend-service-green', type: 'ClusterIP', track: 'green' },
];
const CANARY: DocService[] = [
  { name: 'backend-service', type: 'ClusterIP' },
  { name: 'backend-service-canary', type: 'ClusterIP' }, // "Routes to both stable and canary"
  { name: 'frontend-service', type: 'LoadBalancer' },
  { name: 'frontend-service-canary', type: 'ClusterIP' },
];
/** What slipway adds to the document's list: the blue-green preview, the canary track's own Service. */
const ADDED_BLUE_GREEN = ['backend-preview', 'frontend-preview'];
const ADDED_CANARY = ['backend-canary-only', 'frontend-canary-only'];

const slipwayName = (doc: string) => doc.replace(/^(backend|frontend)-service/, '$1');

function serviceList(objs: KubeObject[]): DocService[] {
  return objs
    .filter((o) => o.kind === 'Service')
    .map((o) => {
      const spec = o.spec as { type: DocService['type']; selector: Record<string, string> };
      const track = spec.selector[LABELS.track];
      return { name: o.metadata.name!, type: spec.type, ...(track ? { track } : {}) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe('examples/budget: document 004 Service list', () => {
  for (const [example, doc, added] of [
    ['budget', BLUE_GREEN, ADDED_BLUE_GREEN],
    ['budget/canary', CANARY, ADDED_CANARY],
  ] as const) {
    for (const env of ['staging', 'production']) {
      test(`${example} ${env}: names, types and selectors as the document has them`, async () => {
        const list = serviceList(await rendered(example, env));
        const expected = doc.map((s) => ({ ...s, name: slipwayName(s.name) }));
        assert.deepEqual(
          list.filter((s) => !(added as readonly string[]).includes(s.name)),
          expected.sort((a, b) => a.name.localeCompare(b.name)),
        );
        for (const name of added) {
          const s = list.find((x) => x.name === name);
          assert.equal(s?.type, 'ClusterIP', `${name} is ClusterIP`);
        }
        assert.equal(list.length, doc.length + added.length);
      });
    }
  }
});
