import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../shared/kube-types.ts';
import { assessHealth, worstHealth } from './health.ts';

const obj = (
  apiVersion: string,
  kind: string,
  rest: Partial<KubeObject> = {},
  generation = 1,
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'booking', namespace: 'shop', generation },
  ...rest,
});
const deploy = (spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1) =>
  obj('apps/v1', 'Deployment', { spec, status }, generation);
const pod = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  obj('v1', 'Pod', { spec, status });

const cases: Array<[string, KubeObject | undefined, string, RegExp?]> = [
  ['missing object', undefined, 'Missing'],
  [
    'deployment rolled out',
    deploy({ replicas: 3 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }),
    'Healthy',
  ],
  [
    'deployment paused',
    deploy({ replicas: 3, paused: true }, { observedGeneration: 1 }),
    'Suspended',
    /paused/,
  ],
  [
    'deployment generation not observed',
    deploy({ replicas: 3 }, { observedGeneration: 1 }, 2),
    'Progressing',
    /generation/,
  ],
  [
    'deployment past its progress deadline',
    deploy(
      { replicas: 3 },
      {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    ),
    'Degraded',
    /exceeded its progress deadline/,
  ],
  [
    'deployment updating',
    deploy({ replicas: 3 }, { observedGeneration: 1, replicas: 4, updatedReplicas: 1 }),
    'Progressing',
    /1 out of 3 new replicas/,
  ],
  [
    'deployment old replicas left',
    deploy({ replicas: 3 }, { observedGeneration: 1, replicas: 4, updatedReplicas: 3 }),
    'Progressing',
    /1 old replicas/,
  ],
  [
    'deployment updated but not available',
    deploy({ replicas: 3 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }),
    'Progressing',
    /2 of 3 updated replicas are available/,
  ],
  ['deployment scaled to zero', deploy({ replicas: 0 }, { observedGeneration: 1 }), 'Healthy'],
  [
    'replicaset available',
    obj('apps/v1', 'ReplicaSet', {
      spec: { replicas: 2 },
      status: { observedGeneration: 1, availableReplicas: 2 },
    }),
    'Healthy',
  ],
  [
    'replicaset short',
    obj('apps/v1', 'ReplicaSet', {
      spec: { replicas: 2 },
      status: { observedGeneration: 1, availableReplicas: 1 },
    }),
    'Progressing',
  ],
  [
    'replicaset failure',
    obj('apps/v1', 'ReplicaSet', {
      spec: { replicas: 2 },
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'quota exceeded' }],
      },
    }),
    'Degraded',
    /quota/,
  ],
  ['pod ready', pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }), 'Healthy'],
  [
    'pod not ready',
    pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: false }] }),
    'Progressing',
    /app/,
  ],
  [
    'pod crash looping',
    pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
        },
      ],
    }),
    'Degraded',
    /container app is waiting: CrashLoopBackOff/,
  ],
  [
    'pod image pull failing',
    pod({
      phase: 'Pending',
      containerStatuses: [{ name: 'sidecar', state: { waiting: { reason: 'ImagePullBackOff' } } }],
    }),
    'Degraded',
    /sidecar.*ImagePullBackOff/,
  ],
  ['pod pending', pod({ phase: 'Pending' }), 'Progressing'],
  ['pod succeeded', pod({ phase: 'Succeeded' }), 'Healthy'],
  [
    'pod failed',
    pod({
      phase: 'Failed',
      containerStatuses: [{ name: 'app', state: { terminated: { reason: 'Error', exitCode: 3 } } }],
    }),
    'Degraded',
    /exit code 3/,
  ],
  ['service ClusterIP', obj('v1', 'Service', { spec: { type: 'ClusterIP' } }), 'Healthy'],
  [
    'service LoadBalancer without address',
    obj('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: {} }),
    'Progressing',
  ],
  [
    'service LoadBalancer with address',
    obj('v1', 'Service', {
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress: [{ ip: '127.0.0.2' }] } },
    }),
    'Healthy',
  ],
  [
    'ingress with address',
    obj('networking.k8s.io/v1', 'Ingress', { status: { loadBalancer: { ingress: [{ hostname: 'x' }] } } }),
    'Healthy',
  ],
  ['ingress without address', obj('networking.k8s.io/v1', 'Ingress', { status: {} }), 'Progressing'],
  [
    'job complete',
    obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }),
    'Healthy',
  ],
  [
    'job failed',
    obj('batch/v1', 'Job', {
      status: { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] },
    }),
    'Degraded',
    /Backoff/,
  ],
  ['job suspended', obj('batch/v1', 'Job', { spec: { suspend: true }, status: {} }), 'Suspended'],
  ['job running', obj('batch/v1', 'Job', { status: { active: 1 } }), 'Progressing'],
  [
    'hpa healthy',
    obj('autoscaling/v2', 'HorizontalPodAutoscaler', {
      status: { conditions: [{ type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' }] },
    }),
    'Healthy',
  ],
  [
    'hpa without metrics',
    obj('autoscaling/v2', 'HorizontalPodAutoscaler', {
      status: {
        conditions: [
          {
            type: 'ScalingActive',
            status: 'False',
            reason: 'FailedGetResourceMetric',
            message: 'no metrics',
          },
        ],
      },
    }),
    'Degraded',
    /no metrics/,
  ],
  ['hpa new', obj('autoscaling/v2', 'HorizontalPodAutoscaler', { status: {} }), 'Progressing'],
  [
    'pdb satisfied',
    obj('policy/v1', 'PodDisruptionBudget', {
      status: { observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2 },
    }),
    'Healthy',
  ],
  [
    'pdb short',
    obj('policy/v1', 'PodDisruptionBudget', {
      status: { observedGeneration: 1, currentHealthy: 1, desiredHealthy: 2 },
    }),
    'Degraded',
  ],
  [
    'statefulset rolled out',
    obj('apps/v1', 'StatefulSet', {
      spec: { replicas: 2 },
      status: {
        observedGeneration: 1,
        readyReplicas: 2,
        updatedReplicas: 2,
        currentRevision: 'r1',
        updateRevision: 'r1',
      },
    }),
    'Healthy',
  ],
  [
    'statefulset rolling',
    obj('apps/v1', 'StatefulSet', {
      spec: { replicas: 2 },
      status: {
        observedGeneration: 1,
        readyReplicas: 2,
        updatedReplicas: 1,
        currentRevision: 'r1',
        updateRevision: 'r2',
      },
    }),
    'Progressing',
  ],
  [
    'statefulset not ready',
    obj('apps/v1', 'StatefulSet', {
      spec: { replicas: 3 },
      status: { observedGeneration: 1, readyReplicas: 1 },
    }),
    'Progressing',
    /2 pods/,
  ],
  [
    'daemonset done',
    obj('apps/v1', 'DaemonSet', {
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        updatedNumberScheduled: 2,
        numberAvailable: 2,
      },
    }),
    'Healthy',
  ],
  [
    'daemonset updating',
    obj('apps/v1', 'DaemonSet', {
      status: { observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 1 },
    }),
    'Progressing',
  ],
  ['pvc bound', obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } }), 'Healthy'],
  ['pvc lost', obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Lost' } }), 'Degraded'],
  ['configmap', obj('v1', 'ConfigMap', { data: {} }), 'Healthy'],
  [
    'being deleted',
    obj('v1', 'ConfigMap', { metadata: { name: 'x', deletionTimestamp: '2026-01-01T00:00:00Z' } }),
    'Progressing',
  ],
];

for (const [name, input, status, message] of cases) {
  test(`health: ${name} → ${status}`, () => {
    const got = assessHealth(input);
    assert.equal(got.status, status, got.message);
    if (message) assert.match(got.message, message);
  });
}

test('worstHealth picks Degraded over Progressing over Healthy', () => {
  assert.equal(
    worstHealth([
      { status: 'Healthy', message: '' },
      { status: 'Progressing', message: '' },
    ]).status,
    'Progressing',
  );
  assert.equal(
    worstHealth([
      { status: 'Progressing', message: '' },
      { status: 'Degraded', message: 'x' },
    ]).status,
    'Degraded',
  );
  assert.equal(worstHealth([]).status, 'Healthy');
});
