// Offline schema validation: built-in kinds through kubernetes-models' validators plus the unknown-field
// walk, the custom resources' own schemas, unknown kinds, and the generated field table's freshness.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pointerToPath, validateObject } from '../src/policy/schema-validation.ts';
import { generateFieldTable } from '../src/policy/schemas/generate-fields.ts';
import { K8S_ROOTS, K8S_TYPES } from '../src/policy/schemas/k8s-fields.generated.ts';
import { renderService } from '../src/render/index.ts';
import { context } from '../src/render/test-fixtures.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';

type Json = Record<string, unknown>;

function deployment(): KubeObject & { spec: Json } {
  return renderService(context({ replicaCount: 3 })).find((o) => o.kind === 'Deployment') as KubeObject & {
    spec: Json;
  };
}
const podSpec = (d: KubeObject & { spec: Json }) => (d.spec.template as Json).spec as Json;

describe('validateObject', () => {
  it('accepts everything the chart renders, for every strategy and feature', () => {
    const overlay = {
      ingress: { enabled: true, hosts: ['a.example.com'], tls: true },
      serviceMonitor: { enabled: true },
      config: { A: '1' },
      secrets: { k: { fromEnv: 'K' } },
      serviceAccount: { irsaRoleArn: 'arn:aws:iam::1:role/x' },
    };
    for (const strategy of [
      { type: 'rolling' },
      { type: 'canary', steps: [{ setWeight: 10 }], trafficRouting: { istio: {} } },
      { type: 'canary', steps: [{ setWeight: 10 }], trafficRouting: { gatewayAPI: { parentRef: 'gw' } } },
      { type: 'canary', steps: [{ setWeight: 10 }], trafficRouting: { nginx: {} } },
      { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' },
    ] as const) {
      const objs = renderService(context(overlay, { strategy: strategy as never }));
      for (const o of objs)
        assert.deepEqual(validateObject(o), [], `${strategy.type} ${o.kind}/${o.metadata.name}`);
    }
  });

  it('reports unknown fields with their full path, as strict field validation does', () => {
    const d = deployment();
    (podSpec(d).containers as Json[])[0]!.foo = 1;
    podSpec(d).hostnetwork = true;
    (d.spec as Json).replica = 3;
    const problems = validateObject(d);
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      [
        ['spec.replica', 'unknown field "replica"'],
        ['spec.template.spec.containers[0].foo', 'unknown field "foo"'],
        ['spec.template.spec.hostnetwork', 'unknown field "hostnetwork"'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    assert.ok(problems.every((p) => p.object === 'Deployment/appointments-production/booking'));
  });

  it('reports wrong types, enums and missing required fields', () => {
    const d = deployment();
    (d.spec as Json).replicas = 'three';
    delete (d.spec as Json).selector;
    (podSpec(d).containers as Json[])[0]!.imagePullPolicy = 'Sometimes';
    const byPath = new Map(validateObject(d).map((p) => [p.path, p.message]));
    assert.equal(byPath.get('spec.replicas'), 'must be integer');
    assert.equal(byPath.get('spec.selector'), 'required field is missing');
    assert.match(
      byPath.get('spec.template.spec.containers[0].imagePullPolicy') ?? '',
      /must be one of "Always", "IfNotPresent", "Never"/,
    );
  });

  it('validates maps of objects (labels are free, resources are quantities) and metadata', () => {
    const d = deployment();
    d.metadata.labels = { anything: 'goes' };
    (d.metadata as Json).lables = {};
    assert.deepEqual(
      validateObject(d).map((p) => p.path),
      ['metadata.lables'],
    );
  });

  it('knows the custom resources the chart emits and reports their unknown fields', () => {
    const sm: KubeObject = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'booking', namespace: 'ns' },
      spec: { selector: { matchLabels: { a: 'b' } }, endpoints: [{ port: 'http', intervall: '30s' }] },
    };
    assert.deepEqual(validateObject(sm), [
      {
        object: 'ServiceMonitor/ns/booking',
        path: 'spec.endpoints[0].intervall',
        message: 'unknown field "intervall"',
      },
    ]);
    const vs: KubeObject = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'booking', namespace: 'ns' },
      spec: {
        hosts: ['booking'],
        http: [{ route: [{ destination: { host: 'booking', subset: 'stable' }, weight: '90' }] }],
      },
    };
    assert.deepEqual(
      validateObject(vs).map((p) => [p.path, p.message]),
      [['spec.http[0].route[0].weight', 'must be integer']],
    );
    const route: KubeObject = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r' },
      spec: { rules: [{ backendRefs: [{ port: 80 }] }] },
    };
    assert.deepEqual(
      validateObject(route).map((p) => p.path),
      ['spec.rules[0].backendRefs[0].name'],
    );
  });

  it('rejects unknown kinds and apiVersions, naming the known ones', () => {
    const [p] = validateObject({
      apiVersion: 'extensions/v1beta1',
      kind: 'Ingress',
      metadata: { name: 'x' },
    });
    assert.match(
      p!.message,
      /unknown kind Ingress in apiVersion extensions\/v1beta1 \(known for Ingress: networking.k8s.io\/v1\)/,
    );
    assert.equal(validateObject({ apiVersion: 'v1', kind: 'Pod2', metadata: { name: 'x' } }).length, 1);
  });

  it('converts JSON pointers to field paths', () => {
    assert.equal(
      pointerToPath('/spec/template/spec/containers/0/image'),
      'spec.template.spec.containers[0].image',
    );
    assert.equal(pointerToPath('/metadata/annotations/a~1b'), 'metadata.annotations.a/b');
  });

  it('is fast: 2,000 Deployments in well under a second once loaded', () => {
    const d = deployment();
    validateObject(d);
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) validateObject(d);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${ms} ms`);
  });
});

describe('generated field table', () => {
  it('is in sync with kubernetes-models (regenerate with node --import tsx src/policy/schemas/generate-fields.ts)', () => {
    const fresh = generateFieldTable();
    assert.deepEqual(K8S_ROOTS, fresh.roots);
    assert.deepEqual(K8S_TYPES, fresh.types);
  });
});
