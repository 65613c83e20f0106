// planEnvironment, pure: what counts as a change, as drift (server defaults do not; an HPA's replicas
// do not) and how a service is summarised.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../shared/kube-types.ts';
import { type AppliedRelease, type DesiredService, planEnvironment } from './plan.ts';

const NS = 'shop-prod';

function deployment(
  name: string,
  tag: string,
  replicas: number | undefined,
  extra: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { 'app.kubernetes.io/version': tag } },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      template: {
        metadata: { labels: { 'app.kubernetes.io/version': tag } },
        spec: { containers: [{ name, image: `example.test/${name}:${tag}`, ...extra }] },
      },
    },
  };
}

const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS },
  data,
});

const desired = (service: string, tag: string, manifests: KubeObject[]): DesiredService => ({
  service,
  version: { tag },
  manifests,
});

const applied = (revision: number, tag: string, manifests: KubeObject[]): AppliedRelease => ({
  revision,
  status: 'deployed',
  version: { tag },
  manifests,
});

/** What the API server answers: the applied object plus defaults and status. */
function live(o: KubeObject, patch: (spec: Record<string, unknown>) => void = () => {}): KubeObject {
  const copy = structuredClone(o) as KubeObject & { spec?: Record<string, unknown> };
  copy.metadata = { ...copy.metadata, uid: 'u1', resourceVersion: '7' };
  if (copy.kind === 'Deployment') {
    copy.spec = { ...copy.spec, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 };
    patch(copy.spec);
    (copy as Record<string, unknown>).status = { replicas: 3 };
  }
  return copy;
}

describe('planEnvironment', () => {
  test('in sync despite server defaults; version and replicas summarised without the fields they explain', () => {
    const a = [deployment('booking', 'v1.2.0', 3), configMap('booking', { LOG: 'info' })];
    const plan = planEnvironment({
      environment: 'prod',
      namespace: NS,
      desired: [
        desired('booking', 'v1.3.0', [
          deployment('booking', 'v1.3.0', 5),
          configMap('booking', { LOG: 'debug' }),
        ]),
        desired('search', 'v2.0.0', [deployment('search', 'v2.0.0', 2)]),
        desired('notification', 'v0.9.0', [deployment('notification', 'v0.9.0', 1)]),
      ],
      applied: new Map([
        ['booking', applied(4, 'v1.2.0', a)],
        ['search', applied(1, 'v2.0.0', [deployment('search', 'v2.0.0', 2)])],
        ['legacy', applied(9, 'v0.1.0', [])],
      ]),
      live: [...a.map((o) => live(o)), live(deployment('search', 'v2.0.0', 2))],
    });
    assert.deepEqual(
      plan.services.map((s) => s.summary),
      [
        'booking: v1.2.0 → v1.3.0 (image), replicas 3 → 5, ConfigMap/booking changed (data.LOG)',
        'search: in sync (v2.0.0, revision 1)',
        'notification: not deployed (v0.9.0 to install)',
        'legacy: not in the desired state (runs v0.1.0, revision 9; left as it is)',
      ],
    );
    assert.deepEqual(plan.counts, { 'in-sync': 1, install: 1, update: 1, drift: 0, unmanaged: 1 });
    assert.equal(plan.changes, true);
  });

  test('drift: a field changed by hand, a deleted object; an HPA-managed replica count is not drift', () => {
    const web = deployment('web', 'v1', 2);
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: NS },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 2 },
    };
    const api = deployment('api', 'v1', 2);
    const cm = configMap('web', { A: '1' });
    const plan = planEnvironment({
      environment: 'prod',
      namespace: NS,
      desired: [desired('web', 'v1', [web, cm]), desired('api', 'v1', [api, hpa])],
      applied: new Map([
        ['web', applied(2, 'v1', [web, cm])],
        ['api', applied(3, 'v1', [api, hpa])],
      ]),
      live: [
        live(web, (spec) => {
          const c = (spec.template as { spec: { containers: Array<Record<string, unknown>> } }).spec
            .containers[0]!;
          c.image = 'example.test/web:hotpatched';
        }),
        live(api, (spec) => {
          spec.replicas = 7;
        }),
        live(hpa),
      ],
    });
    const [w, a] = plan.services;
    assert.equal(w!.action, 'drift');
    assert.deepEqual(w!.drift, [
      {
        key: `Deployment/${NS}/web`,
        fields: [
          'spec.template.spec.containers[0].image: example.test/web:v1 applied, example.test/web:hotpatched live',
        ],
      },
      { key: `ConfigMap/${NS}/web`, fields: ['deleted (it is not in the cluster)'] },
    ]);
    assert.equal(a!.action, 'in-sync', a!.summary);
    assert.equal(plan.changes, true);
  });
});
