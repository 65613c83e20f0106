import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSlipwayError } from '../shared/errors.ts';
import { LABELS } from '../shared/kube-types.ts';
import { renderDeployment, renderWorkload } from './deployment.ts';
import { context } from './test-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
type Json = Record<string, any>;

function deployment(overlay: Json = {}, o: Json = {}): Json {
  const [d] = renderDeployment(context(overlay, o));
  return d as Json;
}
const podSpec = (d: Json) => d.spec.template.spec;
const container = (d: Json) => podSpec(d).containers[0];

function assertValuesError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => isSlipwayError(e) && e.type === 'values' && pattern.test(e.message));
}

describe('Deployment', () => {
  test('pod and container security contexts are the document-000 defaults', () => {
    const d = deployment();
    assert.deepEqual(podSpec(d).securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(container(d).securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    assert.equal(podSpec(d).hostNetwork, undefined);
    assert.equal(podSpec(d).automountServiceAccountToken, false);
    assert.equal(podSpec(d).serviceAccountName, 'booking');
  });

  test('scratch volumes are emptyDirs mounted at their paths; null removes one', () => {
    const d = deployment();
    assert.deepEqual(podSpec(d).volumes, [
      { name: 'cache', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ]);
    assert.deepEqual(container(d).volumeMounts, [
      { name: 'cache', mountPath: '/app/.cache' },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
    const without = deployment({ scratchVolumes: { cache: null } });
    assert.deepEqual(podSpec(without).volumes, [{ name: 'tmp', emptyDir: {} }]);
  });

  test('no CPU limit by default; memory is limited; a CPU limit only when set', () => {
    assert.deepEqual(container(deployment()).resources, {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    });
    assert.equal(
      container(deployment({ resources: { limits: { cpu: '500m' } } })).resources.limits.cpu,
      '500m',
    );
  });

  test('image: digest wins over tag; the tag stays the version label', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const d = deployment({ image: { tag: '1.2.3', digest } });
    assert.equal(container(d).image, `ghcr.io/acme/booking@${digest}`);
    assert.equal(d.metadata.labels[LABELS.version], '1.2.3');
    assert.equal(container(deployment({ image: { tag: '1.2.3' } })).image, 'ghcr.io/acme/booking:1.2.3');
    assertValuesError(() => deployment({ image: { repository: '' } }), /image\.repository is empty/);
  });

  test('rolling update 1/0 by default, the strategy overrides values, both zero is an error', () => {
    assert.deepEqual(deployment().spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const s = deployment({}, { strategy: { type: 'rolling', maxSurge: '25%', maxUnavailable: 1 } });
    assert.deepEqual(s.spec.strategy.rollingUpdate, { maxSurge: '25%', maxUnavailable: 1 });
    assertValuesError(() => deployment({ rollingUpdate: { maxSurge: 0 } }), /both 0/);
  });

  test('probes: http by default, tcp and exec on request, disabled ones omitted', () => {
    const d = deployment();
    assert.deepEqual(container(d).startupProbe, {
      httpGet: { path: '/health/startup', port: 'http' },
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 30,
      successThreshold: 1,
    });
    assert.deepEqual(container(d).readinessProbe.httpGet, { path: '/health/ready', port: 'http' });
    assert.deepEqual(container(d).livenessProbe.httpGet, { path: '/health/live', port: 'http' });
    const other = deployment({
      probes: {
        startup: { enabled: false },
        readiness: { type: 'tcp', port: 5432 },
        liveness: { type: 'exec', command: ['cat', '/tmp/healthy'] },
      },
    });
    assert.equal(container(other).startupProbe, undefined);
    assert.deepEqual(container(other).readinessProbe.tcpSocket, { port: 5432 });
    assert.deepEqual(container(other).livenessProbe.exec, { command: ['cat', '/tmp/healthy'] });
    assertValuesError(() => deployment({ probes: { liveness: { type: 'exec' } } }), /command is empty/);
    assertValuesError(() => deployment({ probes: { liveness: { type: 'grpc' } } }), /http, tcp or exec/);
  });

  test('env sorted by name with string values; envFrom references; config and secret by hashed name', () => {
    const d = deployment({
      env: { ZED: 'z', PORT: 3000, DEBUG: false, LEGACY: 'yes' },
      envFrom: {
        DATABASE_URL: { secretKeyRef: { name: 'order-service-secrets', key: 'database-url' } },
        REDIS_URL: { configMapKeyRef: { name: 'shared-config', key: 'redis-url' } },
      },
      config: { LOG_LEVEL: 'info' },
      secrets: { token: { fromEnv: 'TOKEN' } },
    });
    assert.deepEqual(container(d).env, [
      {
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: 'order-service-secrets', key: 'database-url' } },
      },
      { name: 'DEBUG', value: 'false' },
      { name: 'LEGACY', value: 'yes' },
      { name: 'PORT', value: '3000' },
      { name: 'REDIS_URL', valueFrom: { configMapKeyRef: { name: 'shared-config', key: 'redis-url' } } },
      { name: 'ZED', value: 'z' },
    ]);
    const [cm, secret] = container(d).envFrom;
    assert.match(cm.configMapRef.name, /^booking-config-[0-9a-f]{10}$/);
    assert.match(secret.secretRef.name, /^booking-secrets-[0-9a-f]{10}$/);
    const ann = d.spec.template.metadata.annotations;
    assert.match(ann['checksum/config'], /^[0-9a-f]{10}$/);
    assert.match(ann['checksum/secret'], /^[0-9a-f]{10}$/);
    assert.equal(container(deployment()).envFrom, undefined);
    assertValuesError(
      () => deployment({ env: { A: '1' }, envFrom: { A: { secretKeyRef: { name: 's', key: 'k' } } } }),
      /both env and envFrom/,
    );
    assertValuesError(() => deployment({ env: { A: { nested: 1 } } }), /env\.A must be a string/);
    assertValuesError(() => deployment({ envFrom: { A: { secretRef: {} } } }), /envFrom\.A/);
  });

  test('replicas: max(replicaCount, minReplicas) under an HPA, replicaCount without', () => {
    assert.equal(deployment({ replicaCount: 1, autoscaling: { minReplicas: 3 } }).spec.replicas, 3);
    assert.equal(deployment({ replicaCount: 5, autoscaling: { minReplicas: 3 } }).spec.replicas, 5);
    assert.equal(deployment({ replicaCount: 1, autoscaling: { enabled: false } }).spec.replicas, 1);
  });

  test('scheduling: node selector, tolerations, anti-affinity and topology spread on stable labels', () => {
    const d = deployment({
      nodeSelector: { workload: 'search' },
      tolerations: [{ key: 'workload', operator: 'Equal', value: 'search', effect: 'NoSchedule' }],
    });
    const selector = { [LABELS.name]: 'booking', [LABELS.instance]: 'booking' };
    assert.deepEqual(podSpec(d).nodeSelector, { workload: 'search' });
    assert.equal(podSpec(d).tolerations[0].effect, 'NoSchedule');
    assert.deepEqual(podSpec(d).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution, [
      {
        weight: 100,
        podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
      },
    ]);
    assert.deepEqual(podSpec(d).topologySpreadConstraints, [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
      },
    ]);
    const required = deployment({
      podAntiAffinity: { type: 'required', topologyKey: 'topology.kubernetes.io/zone' },
    });
    assert.equal(
      podSpec(required).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]
        .topologyKey,
      'topology.kubernetes.io/zone',
    );
    const none = deployment({ podAntiAffinity: { type: 'none' }, topologySpread: { enabled: false } });
    assert.equal(podSpec(none).affinity, undefined);
    assert.equal(podSpec(none).topologySpreadConstraints, undefined);
  });

  test('Prometheus scrape annotations resolve the metrics port name to its number', () => {
    const d = deployment({ ports: { metrics: 9090 }, metrics: { port: 'metrics' } });
    assert.deepEqual(d.spec.template.metadata.annotations, {
      'prometheus.io/path': '/metrics',
      'prometheus.io/port': '9090',
      'prometheus.io/scrape': 'true',
    });
    assert.deepEqual(deployment({ metrics: { enabled: false } }).spec.template.metadata.annotations, {});
  });

  test('selectors use stable labels only; the version is on the pods but never in a selector', () => {
    const d = deployment();
    assert.deepEqual(d.spec.selector.matchLabels, { [LABELS.name]: 'booking', [LABELS.instance]: 'booking' });
    const labels = d.spec.template.metadata.labels;
    for (const k of [LABELS.version, LABELS.partOf, LABELS.managedBy, LABELS.service, LABELS.environment]) {
      assert.ok(labels[k], k);
    }
    assert.equal(labels[LABELS.managedBy], 'slipway');
    assert.equal(labels[LABELS.partOf], 'appointments');
  });

  test('tracks: canary at rest is the stable track; renderWorkload builds any track', () => {
    const canary = { type: 'canary', steps: [{ setWeight: 10 }] };
    const stable = deployment({}, { strategy: canary });
    assert.equal(stable.metadata.name, 'booking');
    assert.equal(stable.spec.selector.matchLabels[LABELS.track], 'stable');
    const c = renderWorkload(context({}, { strategy: canary as never }), {
      name: 'booking-canary',
      track: 'canary',
      replicas: 1,
    }) as Json;
    assert.equal(c.metadata.name, 'booking-canary');
    assert.equal(c.spec.replicas, 1);
    assert.equal(c.spec.selector.matchLabels[LABELS.track], 'canary');
    assert.equal(c.spec.template.metadata.labels[LABELS.track], 'canary');
    const bg = deployment({}, { strategy: { type: 'blueGreen' }, activeColor: 'green' });
    assert.equal(bg.metadata.name, 'booking-green');
    assert.equal(bg.spec.selector.matchLabels[LABELS.track], 'green');
  });

  test('a value of the wrong type is a values error naming the key', () => {
    assertValuesError(() => deployment({ replicaCount: 'many' }), /replicaCount must be a number/);
    assertValuesError(() => deployment({ nodeSelector: ['a'] }), /nodeSelector must be a map/);
  });

  test('the output shares no objects with the values', () => {
    const ctx = context();
    const [d] = renderDeployment(ctx) as Json[];
    d!.spec.template.spec.securityContext.runAsUser = 0;
    assert.equal((ctx.values.podSecurityContext as Json).runAsUser, 1000);
  });
});
