// Reliability checks: probes, replica counts, autoscaling, disruption budgets and spreading.
import { type LabelSelector, selectorMatches } from '../../shared/selector.ts';
import type { CheckDefinition, PolicyLevel } from '../types.ts';
import { eachContainer, eachObject, eachWorkload, map, sev } from './define.ts';
import { get, isMap, type ObjectIndex, type Workload } from './index-objects.ts';

/** The smallest replica count a workload runs at: its HPA's minReplicas, else spec.replicas. */
export function minimumScale(w: Workload, index: ObjectIndex): number {
  if (w.object.kind !== 'Deployment') return w.replicas;
  const hpa = index.hpaFor(w.object);
  const min = hpa ? get(hpa, ['spec', 'minReplicas']) : undefined;
  return typeof min === 'number' ? min : hpa ? 1 : w.replicas;
}

/** Kubernetes' GetScaledValueFromIntOrPercent with rounding up (what the disruption controller uses). */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (m) {
      const x = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(x) : Math.floor(x);
    }
    if (/^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

const replicaThreshold: Record<PolicyLevel, number> = { relaxed: 1, standard: 2, strict: 3 };

/** Deep equality of plain JSON values. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka)
    if (!sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** Readiness and liveness probes that check the same thing the same way (initialDelaySeconds aside). */
function sameProbe(r: unknown, l: unknown): boolean {
  if (!isMap(r) || !isMap(l)) return false;
  const keys = new Set([...Object.keys(r), ...Object.keys(l)]);
  keys.delete('initialDelaySeconds');
  for (const k of keys) if (!sameJson(r[k], l[k])) return false;
  return true;
}

export const RELIABILITY_CHECKS: CheckDefinition[] = [
  {
    id: 'SLW-REL-001',
    name: 'readiness-probe',
    category: 'reliability',
    rationale:
      'Without a readiness probe a pod receives traffic before it can serve it, and rollouts cannot tell a bad version from a good one.',
    remedy: 'Keep probes.readiness.enabled: true with a path the service answers when it is ready.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'probes.readiness.enabled',
    run: (scope) =>
      eachContainer(
        scope,
        (c, w, out) => {
          if (w.object.kind === 'Job') return;
          if (!isMap(c.container.readinessProbe))
            out.push({ object: w.object, path: `${c.path}.readinessProbe`, message: 'no readiness probe' });
        },
        false,
      ),
  },
  {
    id: 'SLW-REL-002',
    name: 'liveness-probe',
    category: 'reliability',
    rationale: 'Without a liveness probe a deadlocked process keeps its pod forever.',
    remedy: 'Keep probes.liveness.enabled: true.',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'probes.liveness.enabled',
    run: (scope) =>
      eachContainer(
        scope,
        (c, w, out) => {
          if (w.object.kind === 'Job') return;
          if (!isMap(c.container.livenessProbe))
            out.push({ object: w.object, path: `${c.path}.livenessProbe`, message: 'no liveness probe' });
        },
        false,
      ),
  },
  {
    id: 'SLW-REL-003',
    name: 'probes-differ',
    category: 'reliability',
    rationale:
      'Identical readiness and liveness probes restart pods that are merely busy, turning overload into an outage.',
    remedy: 'Give probes.liveness a different endpoint (e.g. /health/live) or a higher failureThreshold.',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'probes.liveness',
    run: (scope) =>
      eachContainer(
        scope,
        (c, w, out) => {
          if (sameProbe(c.container.readinessProbe, c.container.livenessProbe)) {
            out.push({
              object: w.object,
              path: `${c.path}.livenessProbe`,
              message: 'the liveness probe is identical to the readiness probe',
            });
          }
        },
        false,
      ),
  },
  {
    id: 'SLW-REL-004',
    name: 'startup-probe',
    category: 'reliability',
    rationale:
      'A startup probe protects slow-starting pods from the liveness probe without delaying failure detection later.',
    remedy: 'Keep probes.startup.enabled: true.',
    severity: sev('off', 'info', 'warning'),
    valuesPath: 'probes.startup.enabled',
    run: (scope) =>
      eachContainer(
        scope,
        (c, w, out) => {
          if (w.object.kind === 'Job') return;
          if (!isMap(c.container.startupProbe))
            out.push({ object: w.object, path: `${c.path}.startupProbe`, message: 'no startup probe' });
        },
        false,
      ),
  },
  {
    id: 'SLW-REL-005',
    name: 'replicas',
    category: 'reliability',
    rationale:
      'One replica means every node drain, crash or rollout is an outage; production needs three to survive one loss during a rollout.',
    remedy: 'Raise replicaCount (2 at standard, 3 at strict), or enable autoscaling.',
    severity: sev('off', 'warning', 'error'),
    valuesPath: 'replicaCount',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        if (w.object.kind !== 'Deployment' || scope.index.hpaFor(w.object)) return;
        const need = replicaThreshold[scope.level];
        if (w.replicas < need) {
          out.push({
            object: w.object,
            path: 'spec.replicas',
            message: `${w.replicas} replica(s); at least ${need} needed at the ${scope.level} level`,
          });
        }
      }),
  },
  {
    id: 'SLW-REL-006',
    name: 'hpa-min-replicas',
    category: 'reliability',
    rationale:
      'An autoscaler that may scale down to one pod brings back the single point of failure at quiet times.',
    remedy: 'Raise autoscaling.minReplicas (2 at standard, 3 at strict).',
    severity: sev('off', 'warning', 'error'),
    valuesPath: 'autoscaling.minReplicas',
    run: (scope) =>
      eachObject(scope, 'HorizontalPodAutoscaler', (h, out) => {
        const min = get(h, ['spec', 'minReplicas']);
        const value = typeof min === 'number' ? min : 1;
        const need = replicaThreshold[scope.level];
        if (value < need)
          out.push({
            object: h,
            path: 'spec.minReplicas',
            message: `minReplicas is ${value}; at least ${need} needed at the ${scope.level} level`,
          });
      }),
  },
  {
    id: 'SLW-REL-007',
    name: 'hpa-target',
    category: 'reliability',
    rationale:
      'An autoscaler must scale an existing workload on at least one metric within a range it can actually move in.',
    remedy: 'Check autoscaling: a CPU/memory target or podsMetric, and maxReplicas above minReplicas.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'autoscaling',
    run: (scope) =>
      eachObject(scope, 'HorizontalPodAutoscaler', (h, out) => {
        const spec = map(h.spec);
        const ref = map(spec.scaleTargetRef);
        const ns = h.metadata.namespace ?? '';
        if (!scope.index.find(String(ref.kind), ns, String(ref.name))) {
          out.push({
            object: h,
            path: 'spec.scaleTargetRef',
            message: `scales ${String(ref.kind)}/${String(ref.name)}, which is not rendered`,
          });
        }
        if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
          out.push({
            object: h,
            path: 'spec.metrics',
            message: 'no metric to scale on',
            valuesPath: 'autoscaling.targetCPUUtilizationPercentage',
          });
        }
        const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
        const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
        if (min < 1)
          out.push({
            object: h,
            path: 'spec.minReplicas',
            message: `minReplicas ${min} is below 1`,
            valuesPath: 'autoscaling.minReplicas',
          });
        if (max <= min) {
          out.push({
            object: h,
            path: 'spec.maxReplicas',
            message:
              max < min
                ? `maxReplicas ${max} is below minReplicas ${min}`
                : `maxReplicas equals minReplicas (${min}): it can never scale`,
            valuesPath: 'autoscaling.maxReplicas',
          });
        }
      }),
  },
  {
    id: 'SLW-REL-008',
    name: 'pdb-exists',
    category: 'reliability',
    rationale: 'Without a PodDisruptionBudget a node drain may evict every pod of the service at once.',
    remedy: 'Keep pdb.enabled: true.',
    severity: sev('off', 'warning', 'error'),
    valuesPath: 'pdb.enabled',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        if (w.object.kind !== 'Deployment') return;
        if (scope.index.pdbsFor(w).length === 0)
          out.push({ object: w.object, message: 'no PodDisruptionBudget selects these pods' });
      }),
  },
  {
    id: 'SLW-REL-009',
    name: 'pdb-allows-disruption',
    category: 'reliability',
    rationale:
      'A budget that allows no disruption at the minimum scale blocks node drains and cluster upgrades.',
    remedy:
      'Lower pdb.minAvailable below the minimum replica count (HPA minReplicas), or use pdb.maxUnavailable: 1.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'pdb.minAvailable',
    run: (scope) =>
      eachObject(scope, 'PodDisruptionBudget', (pdb, out) => {
        const spec = map(pdb.spec);
        const sel = isMap(spec.selector) ? (spec.selector as LabelSelector) : undefined;
        const selected = scope.index
          .select(pdb.metadata.namespace ?? '', sel)
          .filter((w) => w.object.kind === 'Deployment');
        if (selected.length === 0) {
          out.push({ object: pdb, path: 'spec.selector', message: 'selects no pods' });
          return;
        }
        const scale = selected.reduce((n, w) => n + minimumScale(w, scope.index), 0);
        let allowed: number | undefined;
        let path = 'spec.minAvailable';
        if (spec.minAvailable !== undefined) {
          const min = scaledValue(spec.minAvailable, scale, true);
          if (min !== undefined) allowed = scale - min;
        } else if (spec.maxUnavailable !== undefined) {
          path = 'spec.maxUnavailable';
          allowed = scaledValue(spec.maxUnavailable, scale, true);
        }
        if (allowed !== undefined && allowed < 1) {
          out.push({
            object: pdb,
            path,
            message: `allows no disruption at the minimum scale of ${scale} pod(s) (${path.slice(5)}: ${String(spec[path.slice(5)])})`,
            valuesPath: path === 'spec.minAvailable' ? 'pdb.minAvailable' : 'pdb.maxUnavailable',
          });
        }
      }),
  },
  {
    id: 'SLW-REL-010',
    name: 'anti-affinity',
    category: 'reliability',
    rationale: 'Replicas that land on one node or zone fail together.',
    remedy: 'Keep podAntiAffinity.type preferred/required or topologySpread.enabled: true.',
    severity: sev('off', 'info', 'warning'),
    valuesPath: 'podAntiAffinity.type',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        if (w.object.kind !== 'Deployment') return;
        const hpa = scope.index.hpaFor(w.object);
        const max = hpa ? Number(get(hpa, ['spec', 'maxReplicas']) ?? 1) : w.replicas;
        if (max < 2) return;
        const anti = get(w.podSpec, ['affinity', 'podAntiAffinity']);
        const spread = w.podSpec.topologySpreadConstraints;
        if (!isMap(anti) && !(Array.isArray(spread) && spread.length > 0)) {
          out.push({
            object: w.object,
            path: `${w.podPath}.affinity`,
            message: 'neither pod anti-affinity nor a topology spread constraint',
          });
        }
      }),
  },
  {
    id: 'SLW-REL-011',
    name: 'selector-matches-labels',
    category: 'reliability',
    rationale:
      "A workload whose selector does not match its own pod template's labels is rejected by the API server or orphans its pods.",
    remedy:
      'Do not override selector labels; podLabels may add labels but not change app.kubernetes.io/name or instance.',
    severity: sev('error', 'error', 'error'),
    valuesPath: 'podLabels',
    run: (scope) =>
      eachWorkload(scope, (w, out) => {
        if (w.object.kind === 'Job') return;
        const sel = get(w.object, ['spec', 'selector']);
        if (!isMap(sel) || !selectorMatches(sel as LabelSelector, w.podLabels)) {
          out.push({
            object: w.object,
            path: 'spec.selector',
            message: 'the selector does not match the pod template labels',
          });
        }
      }),
  },
];
