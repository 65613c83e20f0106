// The HorizontalPodAutoscaler controller (autoscaling/v2): scales a Deployment between minReplicas and
// maxReplicas on the CPU its pod processes really use (CPU-time deltas from /proc against the
// containers' requests), with Kubernetes' 10 % tolerance, stabilization windows and scaling policies.
// Pods and Object/External metrics have no source here and are reported as missing.
import type { KubeObject } from '../../shared/kube-types.ts';
import { type LabelSelector, selectorMatches } from '../../shared/selector.ts';
import type { ObjectStore } from '../store/types.ts';
import type { EventRecorder } from './events.ts';
import { WorkQueue } from './queue.ts';
import {
  type Condition,
  canonicalJson,
  isActivePod,
  isPodReady,
  type Kinds,
  key,
  nowIso,
  type Obj,
  setCondition,
  spec,
  splitKey,
  status,
} from './util.ts';

export interface CpuSource {
  /** CPU seconds a pod's processes have used so far; undefined when unknown (simulated pods). */
  cpuSeconds(namespace: string, pod: string): number | undefined;
}

interface Policy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

interface Rules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: Policy[];
}

const TOLERANCE = 0.1;
const DEFAULT_UP: Rules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
const DEFAULT_DOWN: Rules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** Kubernetes CPU quantity ("250m", "0.5", "1") in cores. */
export function parseCpu(q: unknown): number {
  if (q === undefined || q === null) return 0;
  const s = String(q);
  if (s.endsWith('m')) return Number(s.slice(0, -1)) / 1000;
  const n = Number(s);
  return Number.isFinite(n) ? n : 0;
}

export class HpaController {
  readonly queue: WorkQueue;
  private unwatch: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly samples = new Map<string, { at: number; cpu: number }>();
  private readonly recommendations = new Map<string, Array<{ at: number; replicas: number }>>();
  private readonly scaleEvents = new Map<string, Array<{ at: number; delta: number }>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: Kinds,
    private readonly recorder: EventRecorder,
    private readonly cpu: CpuSource,
    private readonly syncMs = 15_000,
    onError?: (name: string, key: string, e: unknown) => void,
  ) {
    this.queue = new WorkQueue('hpa', (k) => this.sync(k), onError);
  }

  start(): void {
    // Only spec changes trigger a sync: re-syncing on our own status writes would sample CPU over
    // a few milliseconds instead of the resync period.
    // HPAs carry no metadata.generation (their registry strategy sets none): compare the spec.
    const seen = new Map<string, string>();
    this.unwatch.push(
      this.store.watch(this.kinds.hpa, {}, (e) => {
        const k = key(e.object);
        const specJson = JSON.stringify(e.object.spec ?? {});
        if (e.type === 'DELETED') {
          seen.delete(k);
          this.queue.add(k);
        } else if (seen.get(k) !== specJson) {
          seen.set(k, specJson);
          this.queue.add(k);
        }
      }),
    );
    this.timer = setInterval(() => {
      for (const h of this.store.list(this.kinds.hpa).items) this.queue.add(key(h));
    }, this.syncMs);
    this.timer.unref();
  }

  stop(): void {
    for (const u of this.unwatch) u();
    if (this.timer) clearInterval(this.timer);
    this.queue.stop();
  }

  private sync(k: string): void {
    const [ns, name] = splitKey(k);
    const hpa = this.store.get(this.kinds.hpa, ns, name);
    if (!hpa || hpa.metadata.deletionTimestamp) {
      this.recommendations.delete(k);
      this.scaleEvents.delete(k);
      return;
    }
    const s = spec(hpa);
    const ref = (s.scaleTargetRef as { kind?: string; name?: string } | undefined) ?? {};
    const prev = status(hpa);
    const now = Date.now();
    const ts = nowIso(now);
    let conds = (prev.conditions as Condition[] | undefined) ?? [];
    const target =
      ref.kind === 'Deployment' ? this.store.get(this.kinds.deployment, ns, ref.name ?? '') : undefined;
    if (!target) {
      conds = setCondition(
        conds,
        {
          type: 'AbleToScale',
          status: 'False',
          reason: 'FailedGetScale',
          message: `the HPA controller was unable to get the target's current scale: deployments.apps "${ref.name}" not found`,
        },
        ts,
        false,
      );
      this.writeStatus(hpa, { ...prev, conditions: conds });
      return;
    }
    const current = Number(spec(target).replicas ?? 1);
    const min = Number(s.minReplicas ?? 1);
    const max = Number(s.maxReplicas ?? min);
    const next: Obj = { ...prev, currentReplicas: current };
    delete next.observedGeneration;
    if (current === 0) {
      conds = setCondition(
        conds,
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'ScalingDisabled',
          message: 'scaling is disabled since the replica count of the target is zero',
        },
        ts,
        false,
      );
      this.writeStatus(hpa, { ...next, desiredReplicas: 0, conditions: conds });
      return;
    }
    const selector = spec(target).selector as LabelSelector | undefined;
    const pods = this.store.list(this.kinds.pod, {
      namespace: ns,
      filter: (p) => isActivePod(p) && selectorMatches(selector, p.metadata.labels),
    }).items;
    const metrics = (s.metrics as Obj[] | undefined) ?? [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ];
    let proposal: number | undefined;
    const currentMetrics: Obj[] = [];
    let reason = '';
    for (const m of metrics) {
      const res = m.resource as
        | { name?: string; target?: { type?: string; averageUtilization?: number; averageValue?: string } }
        | undefined;
      if (m.type !== 'Resource' || res?.name !== 'cpu') continue;
      const usage = this.cpuUsage(pods, now);
      if (!usage) continue;
      const utilization = Math.round((100 * usage.cores) / Math.max(usage.requested, 1e-9));
      const avgMilli = Math.round((1000 * usage.cores) / usage.count);
      currentMetrics.push({
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: utilization, averageValue: `${avgMilli}m` } },
      });
      let ratio: number;
      if (res.target?.type === 'AverageValue')
        ratio = usage.cores / usage.count / Math.max(parseCpu(res.target.averageValue), 1e-9);
      else ratio = utilization / (res.target?.averageUtilization ?? 80);
      const wanted = Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(ratio * usage.count);
      if (proposal === undefined || wanted > proposal) {
        proposal = wanted;
        reason = `cpu resource utilization (percentage of request) ${wanted > current ? 'above' : 'below'} target`;
      }
    }
    next.currentMetrics = currentMetrics;
    if (proposal === undefined) {
      conds = setCondition(
        conds,
        {
          type: 'ScalingActive',
          status: 'False',
          reason: 'FailedGetResourceMetric',
          message:
            'the HPA was unable to compute the replica count: no CPU samples from running pod processes yet',
        },
        ts,
        false,
      );
      this.writeStatus(hpa, { ...next, desiredReplicas: current, conditions: conds });
      return;
    }
    conds = setCondition(
      conds,
      {
        type: 'ScalingActive',
        status: 'True',
        reason: 'ValidMetricFound',
        message:
          'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      },
      ts,
      false,
    );
    const desired = this.applyBehavior(k, hpa, current, proposal, min, max, now);
    const limited = desired !== Math.min(Math.max(proposal, min), max) || proposal < min || proposal > max;
    conds = setCondition(
      conds,
      limited
        ? {
            type: 'ScalingLimited',
            status: 'True',
            reason: proposal > max ? 'TooManyReplicas' : proposal < min ? 'TooFewReplicas' : 'ScaleUpLimit',
            message: 'the desired replica count is limited',
          }
        : {
            type: 'ScalingLimited',
            status: 'False',
            reason: 'DesiredWithinRange',
            message: 'the desired count is within the acceptable range',
          },
      ts,
      false,
    );
    conds = setCondition(
      conds,
      {
        type: 'AbleToScale',
        status: 'True',
        reason: 'ReadyForNewScale',
        message: 'recommended size matches current size',
      },
      ts,
      false,
    );
    next.desiredReplicas = desired;
    if (desired !== current) {
      this.store.update(this.kinds.deployment, { ...target, spec: { ...spec(target), replicas: desired } });
      this.recorder.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      const events = this.scaleEvents.get(k) ?? [];
      events.push({ at: now, delta: desired - current });
      this.scaleEvents.set(k, events);
      next.lastScaleTime = ts;
      next.currentReplicas = current;
    }
    next.conditions = conds;
    this.writeStatus(hpa, next);
  }

  /** Total cores used (from CPU-time deltas since the last sync) and requested over sampled pods. */
  private cpuUsage(
    pods: KubeObject[],
    now: number,
  ): { cores: number; requested: number; count: number } | undefined {
    let cores = 0;
    let requested = 0;
    let count = 0;
    for (const p of pods) {
      const ns = p.metadata.namespace ?? 'default';
      const name = p.metadata.name ?? '';
      const cpu = this.cpu.cpuSeconds(ns, name);
      const id = `${ns}/${name}/${p.metadata.uid}`;
      const last = this.samples.get(id);
      if (cpu === undefined) continue;
      this.samples.set(id, { at: now, cpu });
      if (!last || now <= last.at || !isPodReady(p)) continue;
      const req = ((spec(p).containers as Obj[] | undefined) ?? []).reduce(
        (sum, c) => sum + parseCpu(((c.resources as Obj | undefined)?.requests as Obj | undefined)?.cpu),
        0,
      );
      if (req <= 0) continue;
      cores += Math.max(0, cpu - last.cpu) / ((now - last.at) / 1000);
      requested += req;
      count++;
    }
    if (this.samples.size > 10_000) this.samples.clear();
    return count > 0 ? { cores, requested, count } : undefined;
  }

  private applyBehavior(
    k: string,
    hpa: KubeObject,
    current: number,
    proposal: number,
    min: number,
    max: number,
    now: number,
  ): number {
    const behavior = (spec(hpa).behavior as { scaleUp?: Rules; scaleDown?: Rules } | undefined) ?? {};
    const up = { ...DEFAULT_UP, ...(behavior.scaleUp ?? {}) };
    const down = { ...DEFAULT_DOWN, ...(behavior.scaleDown ?? {}) };
    const clamped = Math.min(Math.max(proposal, min), max);
    const recs = (this.recommendations.get(k) ?? []).filter(
      (r) =>
        now - r.at <=
        Math.max(up.stabilizationWindowSeconds ?? 0, down.stabilizationWindowSeconds ?? 0) * 1000,
    );
    recs.push({ at: now, replicas: clamped });
    this.recommendations.set(k, recs);
    let upRec = clamped;
    let downRec = clamped;
    for (const r of recs) {
      if (now - r.at <= (up.stabilizationWindowSeconds ?? 0) * 1000) upRec = Math.min(upRec, r.replicas);
      if (now - r.at <= (down.stabilizationWindowSeconds ?? 0) * 1000)
        downRec = Math.max(downRec, r.replicas);
    }
    let desired = current;
    if (desired < upRec) desired = upRec;
    if (desired > downRec) desired = downRec;
    const events = (this.scaleEvents.get(k) ?? []).filter((e) => now - e.at <= 30 * 60_000);
    this.scaleEvents.set(k, events);
    const changeIn = (periodS: number, sign: 1 | -1) =>
      events
        .filter((e) => now - e.at <= periodS * 1000 && Math.sign(e.delta) === sign)
        .reduce((s, e) => s + Math.abs(e.delta), 0);
    if (desired > current) {
      if (up.selectPolicy === 'Disabled') return current;
      const limits = (up.policies ?? []).map((p) => {
        const start = current - changeIn(p.periodSeconds, 1);
        return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      });
      if (limits.length) {
        const limit = up.selectPolicy === 'Min' ? Math.min(...limits) : Math.max(...limits);
        desired = Math.min(desired, limit);
      }
      return Math.min(desired, max);
    }
    if (desired < current) {
      if (down.selectPolicy === 'Disabled') return current;
      const limits = (down.policies ?? []).map((p) => {
        const start = current + changeIn(p.periodSeconds, -1);
        return p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
      });
      if (limits.length) {
        const limit = down.selectPolicy === 'Min' ? Math.max(...limits) : Math.min(...limits);
        desired = Math.max(desired, limit);
      }
      return Math.max(desired, min);
    }
    return desired;
  }

  private writeStatus(hpa: KubeObject, next: Obj): void {
    if (canonicalJson(next) === canonicalJson(status(hpa))) return;
    const fresh = this.store.get(this.kinds.hpa, hpa.metadata.namespace, hpa.metadata.name ?? '');
    if (fresh) this.store.update(this.kinds.hpa, { ...fresh, status: next }, { subresource: 'status' });
  }
}
