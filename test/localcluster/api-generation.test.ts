// metadata.generation per kind, as the API server's registry strategies keep it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { installBundledCrds } from '../../src/localcluster/resources/crds.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

function setup() {
  const s = createMemoryStore();
  const CM = s.resourceTypeFor('v1', 'ConfigMap');
  const CRD = s.resourceTypeFor('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  assert.ok(CM && CRD);
  return { s, CM, CRD };
}

const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { a: '1' },
});

describe('generation', () => {
  it('sets generation only on kinds whose strategy keeps one', () => {
    const { s, CM, CRD } = setup();
    const t = (apiVersion: string, kind: string) =>
      s.resourceTypeFor(apiVersion, kind) as NonNullable<ReturnType<typeof s.resourceTypeFor>>;
    const changed = s.update(CM, { ...s.create(CM, cm('c')), data: { a: '2' } });
    assert.equal(changed.metadata.generation, undefined);
    const given = s.create(CM, { ...cm('g'), metadata: { name: 'g', namespace: 'default', generation: 7 } });
    assert.equal(given.metadata.generation, undefined, 'a client cannot set it either');
    for (const [apiVersion, kind, spec] of [
      ['v1', 'Service', { ports: [{ port: 80 }] }],
      ['v1', 'Secret', undefined],
      ['coordination.k8s.io/v1', 'Lease', { holderIdentity: 'a' }],
      [
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        { maxReplicas: 2, scaleTargetRef: { kind: 'Deployment', name: 'd' } },
      ],
    ] as const) {
      const o = s.create(t(apiVersion, kind), {
        apiVersion,
        kind,
        metadata: { name: 'x', namespace: 'default' },
        ...(spec ? { spec } : {}),
      });
      assert.equal(o.metadata.generation, undefined, kind);
    }
    for (const [apiVersion, kind] of [
      ['batch/v1', 'Job'],
      ['policy/v1', 'PodDisruptionBudget'],
      ['networking.k8s.io/v1', 'NetworkPolicy'],
    ] as const) {
      const o = s.create(t(apiVersion, kind), {
        apiVersion,
        kind,
        metadata: { name: 'x', namespace: 'default' },
        spec: {},
      });
      assert.equal(o.metadata.generation, 1, kind);
    }
    installBundledCrds(s);
    const crd = s.list(CRD).items[0] as KubeObject;
    assert.equal(crd.metadata.generation, 1, 'CRDs have one');
    const vs = t('networking.istio.io/v1', 'VirtualService');
    const cr = s.create(vs, {
      apiVersion: `${vs.group}/${vs.version}`,
      kind: 'VirtualService',
      metadata: { name: 'v', namespace: 'default' },
      spec: { hosts: ['a'] },
    });
    assert.equal(cr.metadata.generation, 1, 'custom resources have one');
    const labelled = s.update(vs, { ...cr, metadata: { ...cr.metadata, labels: { a: 'b' } } });
    assert.equal(labelled.metadata.generation, 1);
    assert.equal(s.update(vs, { ...labelled, spec: { hosts: ['b'] } }).metadata.generation, 2);
  });
});
