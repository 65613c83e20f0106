// Test-only helpers: chart contexts built from chart/values.yaml plus overrides, merged with the
// project's Helm merge, without a platform directory. Not imported by product code.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { mergeValues } from '../config/merge.ts';
import type { Strategy } from '../config/schema.ts';
import type { ChartContext } from './context.ts';

const CHART_VALUES = parse(
  readFileSync(fileURLToPath(new URL('../../chart/values.yaml', import.meta.url)), 'utf8'),
  {
    uniqueKeys: true,
  },
) as Record<string, unknown>;

export function chartDefaults(): Record<string, unknown> {
  return structuredClone(CHART_VALUES);
}

/** Chart defaults, then each overlay in order (Helm rules: maps merge, lists/scalars replace, null deletes). */
export function valuesWith(...overlays: Array<Record<string, unknown>>): Record<string, unknown> {
  let v = chartDefaults();
  for (const o of [{ image: { repository: 'ghcr.io/acme/booking', tag: '1.4.2' } }, ...overlays]) {
    v = mergeValues(v, o);
  }
  return v;
}

export function context(
  overlay: Record<string, unknown> = {},
  o: Partial<Omit<ChartContext, 'values'>> = {},
): ChartContext {
  const strategy: Strategy = o.strategy ?? { type: 'rolling' };
  return {
    platform: 'appointments',
    service: 'booking',
    environment: 'production',
    namespace: 'appointments-production',
    ...o,
    strategy,
    values: valuesWith(overlay),
  };
}

/** A rich context exercising most of the chart: used by the snapshot tests. */
export function richOverlay(): Record<string, unknown> {
  return {
    image: { repository: 'ghcr.io/acme/booking', tag: '2.3.1', digest: `sha256:${'ab'.repeat(32)}` },
    replicaCount: 3,
    ports: { http: 8080, grpc: 50051, metrics: 9090 },
    service: { extraPorts: { grpc: 50051 }, annotations: { 'cloud.example.com/lb': 'internal' } },
    env: { NODE_ENV: 'production', PORT: 8080, FEATURE_X: true, LEGACY: 'yes', MODE: '0755' },
    envFrom: { REDIS_URL: { configMapKeyRef: { name: 'shared-config', key: 'redis-url' } } },
    config: { LOG_LEVEL: 'warn', TRACING_ENABLED: 'true', WINDOW: '12:30' },
    secrets: {
      'database-url': { fromEnv: 'BOOKING_DATABASE_URL' },
      'tls.key': { fromFile: '/run/secrets/tls.key' },
    },
    nodeSelector: { workload: 'general' },
    tolerations: [{ key: 'workload', operator: 'Equal', value: 'search', effect: 'NoSchedule' }],
    metrics: { port: 'metrics' },
    serviceMonitor: { enabled: true, labels: { release: 'prometheus' } },
    serviceAccount: { irsaRoleArn: 'arn:aws:iam::123456789012:role/booking' },
    autoscaling: {
      minReplicas: 3,
      maxReplicas: 20,
      podsMetric: { name: 'http_requests_per_second', averageValue: '1000' },
      behavior: { scaleDown: { stabilizationWindowSeconds: 600 } },
    },
    pdb: { minAvailable: 2 },
    ingress: { enabled: true, hosts: ['booking.example.com'], tls: true },
    networkPolicy: {
      allowFrom: [{ 'app.kubernetes.io/name': 'api-gateway' }],
      allowNamespaces: [{ name: 'ingress-nginx' }],
    },
    podAnnotations: { 'sidecar.istio.io/inject': 'true' },
  };
}
