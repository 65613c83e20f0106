// HorizontalPodAutoscaler (autoscaling/v2) for the at-rest workload: CPU and memory utilisation targets,
// an optional Pods metric, and scale-up/scale-down behaviour (policies, selectPolicy, stabilisation).
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  type ChartContext,
  meta,
  reader,
  resourceName,
  restTrack,
  ValuesReader,
  workloadName,
} from './context.ts';

type Json = Record<string, unknown>;

function rules(r: ValuesReader, path: string): Json | undefined {
  if (Object.keys(r.root).length === 0) return undefined;
  const out: Json = {};
  const window = r.optNum('stabilizationWindowSeconds');
  if (window !== undefined) out.stabilizationWindowSeconds = window;
  if (r.has('selectPolicy')) {
    const sp = r.str('selectPolicy');
    if (!['Max', 'Min', 'Disabled'].includes(sp)) {
      throw new SlipwayError('values', `${path}.selectPolicy must be Max, Min or Disabled, not "${sp}"`, {
        data: { path: `${path}.selectPolicy` },
      });
    }
    out.selectPolicy = sp;
  }
  const policies = r.list('policies').map((p, i) => {
    const pr = new ValuesReader((p ?? {}) as Json, `${path}.policies[${i}]`);
    const type = pr.str('type');
    if (type !== 'Pods' && type !== 'Percent') {
      throw new SlipwayError('values', `${path}.policies[${i}].type must be Pods or Percent`, {
        data: { path: `${path}.policies[${i}].type` },
      });
    }
    return { type, value: pr.num('value', 1), periodSeconds: pr.num('periodSeconds', 60) };
  });
  if (policies.length > 0) out.policies = policies;
  return out;
}

export function renderHpa(ctx: ChartContext): KubeObject[] {
  const a = reader(ctx).sub('autoscaling');
  if (!a.bool('enabled', false)) return [];
  const min = a.num('minReplicas', 1);
  const max = a.num('maxReplicas', min);
  if (max < min) {
    throw new SlipwayError('values', `autoscaling.maxReplicas (${max}) is below minReplicas (${min})`, {
      data: { path: 'autoscaling.maxReplicas' },
      hint: 'Raise maxReplicas or lower minReplicas.',
    });
  }
  const metrics: Json[] = [];
  for (const [name, key] of [
    ['cpu', 'targetCPUUtilizationPercentage'],
    ['memory', 'targetMemoryUtilizationPercentage'],
  ] as const) {
    const pct = a.optNum(key);
    if (pct !== undefined) {
      metrics.push({
        type: 'Resource',
        resource: { name, target: { type: 'Utilization', averageUtilization: pct } },
      });
    }
  }
  if (a.has('podsMetric')) {
    const pm = a.sub('podsMetric');
    const name = pm.str('name');
    const averageValue = pm.str('averageValue');
    if (!name || !averageValue) {
      throw new SlipwayError('values', 'autoscaling.podsMetric needs name and averageValue', {
        data: { path: 'autoscaling.podsMetric' },
        hint: 'e.g. podsMetric: { name: http_requests_per_second, averageValue: "1000" }',
      });
    }
    metrics.push({
      type: 'Pods',
      pods: { metric: { name }, target: { type: 'AverageValue', averageValue } },
    });
  }
  const spec: Json = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workloadName(ctx, restTrack(ctx)) },
    minReplicas: min,
    maxReplicas: max,
  };
  if (metrics.length > 0) spec.metrics = metrics;
  const b = a.sub('behavior');
  const behavior: Json = {};
  const up = rules(b.sub('scaleUp'), 'autoscaling.behavior.scaleUp');
  if (up) behavior.scaleUp = up;
  const down = rules(b.sub('scaleDown'), 'autoscaling.behavior.scaleDown');
  if (down) behavior.scaleDown = down;
  if (Object.keys(behavior).length > 0) spec.behavior = behavior;
  return [
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(ctx, resourceName(ctx)),
      spec,
    },
  ];
}
