// Service, HPA, PDB, ServiceAccount, NetworkPolicy, ServiceMonitor, Ingress.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSlipwayError } from '../shared/errors.ts';
import { LABELS } from '../shared/kube-types.ts';
import { PRIMARY_SERVICE_LABEL } from './context.ts';
import { renderHpa } from './hpa.ts';
import { renderIngress } from './ingress.ts';
import { renderNetworkPolicy } from './networkpolicy.ts';
import { renderPdb } from './pdb.ts';
import { renderServices } from './service.ts';
import { renderServiceAccount } from './serviceaccount.ts';
import { renderServiceMonitor } from './servicemonitor.ts';
import { context } from './test-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
type Json = Record<string, any>;
const one = (objs: unknown[]) => {
  assert.equal(objs.length, 1);
  return objs[0] as Json;
};
const selector = { [LABELS.name]: 'booking', [LABELS.instance]: 'booking' };

describe('Service', () => {
  test('http on service.port plus extra ports by name; selects every track for rolling', () => {
    const s = one(
      renderServices(context({ ports: { grpc: 50051 }, service: { extraPorts: { grpc: 50051 } } })),
    );
    assert.equal(s.metadata.name, 'booking');
    assert.equal(s.metadata.labels[PRIMARY_SERVICE_LABEL], 'true');
    assert.deepEqual(s.spec, {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'grpc', port: 50051, targetPort: 'grpc' },
      ],
    });
    assert.throws(
      () => renderServices(context({ service: { extraPorts: { admin: 9000 } } })),
      (e: unknown) => isSlipwayError(e) && /names no container port/.test(e.message),
    );
  });

  test('the metrics port is exposed when a ServiceMonitor scrapes it', () => {
    const s = one(
      renderServices(
        context({
          ports: { metrics: 9090 },
          metrics: { port: 'metrics' },
          serviceMonitor: { enabled: true },
        }),
      ),
    );
    assert.deepEqual(s.spec.ports.at(-1), { name: 'metrics', port: 9090, targetPort: 'metrics' });
  });
});

describe('HorizontalPodAutoscaler', () => {
  test('autoscaling/v2 with cpu 70 %, memory 80 % and document-000 behaviour', () => {
    const h = one(renderHpa(context()));
    assert.equal(h.apiVersion, 'autoscaling/v2');
    assert.deepEqual(h.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'booking' });
    assert.equal(h.spec.minReplicas, 2);
    assert.equal(h.spec.maxReplicas, 10);
    assert.deepEqual(h.spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    assert.deepEqual(h.spec.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      },
    });
  });

  test('pods metric, production stabilisation, replaced policies, and the blue-green target', () => {
    const h = one(
      renderHpa(
        context(
          {
            autoscaling: {
              podsMetric: { name: 'http_requests_per_second', averageValue: 1000 },
              behavior: {
                scaleDown: { stabilizationWindowSeconds: 600 },
                scaleUp: {
                  policies: [
                    { type: 'Percent', value: 100, periodSeconds: 15 },
                    { type: 'Pods', value: 4, periodSeconds: 15 },
                  ],
                },
              },
            },
          },
          { strategy: { type: 'blueGreen', autoPromotion: true, scaleDownDelay: '30s' } },
        ),
      ),
    );
    assert.deepEqual(h.spec.metrics[2], {
      type: 'Pods',
      pods: {
        metric: { name: 'http_requests_per_second' },
        target: { type: 'AverageValue', averageValue: '1000' },
      },
    });
    assert.equal(h.spec.behavior.scaleDown.stabilizationWindowSeconds, 600);
    assert.equal(h.spec.behavior.scaleUp.policies.length, 2);
    assert.equal(h.spec.scaleTargetRef.name, 'booking-blue');
  });

  test('disabled → none; max below min and bad policies are values errors', () => {
    assert.deepEqual(renderHpa(context({ autoscaling: { enabled: false } })), []);
    assert.throws(
      () => renderHpa(context({ autoscaling: { minReplicas: 5, maxReplicas: 3 } })),
      /below minReplicas/,
    );
    assert.throws(
      () => renderHpa(context({ autoscaling: { behavior: { scaleUp: { selectPolicy: 'Most' } } } })),
      /selectPolicy/,
    );
  });
});

describe('PodDisruptionBudget', () => {
  test('minAvailable by default, maxUnavailable when minAvailable is nulled, both is an error', () => {
    assert.deepEqual(one(renderPdb(context({ pdb: { minAvailable: 2 } }))).spec, {
      minAvailable: 2,
      selector: { matchLabels: selector },
    });
    assert.deepEqual(one(renderPdb(context({ pdb: { minAvailable: null, maxUnavailable: '25%' } }))).spec, {
      maxUnavailable: '25%',
      selector: { matchLabels: selector },
    });
    assert.throws(() => renderPdb(context({ pdb: { maxUnavailable: 1 } })), /exactly one/);
    assert.deepEqual(renderPdb(context({ pdb: { enabled: false } })), []);
  });
});

describe('ServiceAccount', () => {
  test('own account with the IRSA role annotation and no token automount', () => {
    const sa = one(
      renderServiceAccount(context({ serviceAccount: { irsaRoleArn: 'arn:aws:iam::1:role/booking' } })),
    );
    assert.equal(sa.metadata.name, 'booking');
    assert.equal(sa.metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::1:role/booking');
    assert.equal(sa.automountServiceAccountToken, false);
    assert.equal(one(renderServiceAccount(context())).metadata.annotations, undefined);
    assert.deepEqual(renderServiceAccount(context({ serviceAccount: { create: false } })), []);
  });
});

describe('NetworkPolicy', () => {
  test('whole namespace by default; listed pods and namespaces otherwise; container ports only', () => {
    assert.deepEqual(one(renderNetworkPolicy(context())).spec, {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    const np = one(
      renderNetworkPolicy(
        context({
          networkPolicy: { allowFrom: [{ app: 'gateway' }], allowNamespaces: [{ name: 'ingress-nginx' }] },
        }),
      ),
    );
    assert.deepEqual(np.spec.ingress[0].from, [
      { podSelector: { matchLabels: { app: 'gateway' } } },
      { namespaceSelector: { matchLabels: { name: 'ingress-nginx' } } },
    ]);
  });
});

describe('ServiceMonitor and Ingress', () => {
  test('ServiceMonitor only when enabled, selecting the primary Service', () => {
    assert.deepEqual(renderServiceMonitor(context()), []);
    const sm = one(
      renderServiceMonitor(context({ serviceMonitor: { enabled: true, labels: { release: 'prom' } } })),
    );
    assert.equal(sm.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(sm.metadata.labels.release, 'prom');
    assert.deepEqual(sm.spec, {
      selector: { matchLabels: { ...selector, [PRIMARY_SERVICE_LABEL]: 'true' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    });
  });

  test('Ingress only when enabled, one rule per host, TLS on request', () => {
    assert.deepEqual(renderIngress(context()), []);
    const ing = one(
      renderIngress(context({ ingress: { enabled: true, hosts: ['a.example.com'], tls: true } })),
    );
    assert.deepEqual(ing.spec, {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'a.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'booking', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
      tls: [{ hosts: ['a.example.com'], secretName: 'booking-tls' }],
    });
  });
});
