// Version conversion between a served version and the storage version. Only autoscaling/v1
// HorizontalPodAutoscaler differs from its storage version (autoscaling/v2); every other kind
// (CRD versions included) has one shape and converts by rewriting apiVersion.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ResourceType } from '../store/types.ts';

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

function isCpuUtilization(m: unknown): boolean {
  const r = o(o(m).resource);
  return o(m).type === 'Resource' && r.name === 'cpu' && o(r.target).type === 'Utilization';
}

const isHpaV1 = (t: ResourceType) =>
  t.group === 'autoscaling' && t.version === 'v1' && t.kind === 'HorizontalPodAutoscaler';

/** Converts an object written through `t` into the storage shape (`prev` is the stored object). */
export function toStorage(t: ResourceType, obj: KubeObject, prev: KubeObject | undefined): KubeObject {
  if (!isHpaV1(t)) return obj;
  const out: KubeObject = { ...obj, apiVersion: 'autoscaling/v2' };
  if (obj.spec !== undefined) {
    const { targetCPUUtilizationPercentage, ...spec } = o(obj.spec);
    // Metrics v1 cannot express survive a write through v1 (Kubernetes keeps them in annotations).
    const kept = ((o(prev?.spec).metrics as unknown[] | undefined) ?? []).filter((m) => !isCpuUtilization(m));
    const metrics = [...kept];
    if (typeof targetCPUUtilizationPercentage === 'number') {
      metrics.push({
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage },
        },
      });
    }
    out.spec = metrics.length ? { ...spec, metrics } : spec;
  }
  if (obj.status !== undefined) {
    const { currentCPUUtilizationPercentage, ...status } = o(obj.status);
    const kept = (o(prev?.status).conditions as unknown[] | undefined) ?? [];
    const next: Obj = { ...status, desiredReplicas: status.desiredReplicas ?? 0 };
    if (kept.length) next.conditions = kept;
    if (typeof currentCPUUtilizationPercentage === 'number') {
      next.currentMetrics = [
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } },
        },
      ];
    }
    out.status = next;
  }
  return out;
}

/** Converts a stored object into the shape of the version `t` serves. */
export function fromStorage(t: ResourceType, obj: KubeObject): KubeObject {
  obj.apiVersion = t.group ? `${t.group}/${t.version}` : t.version;
  if (!isHpaV1(t)) return obj;
  if (obj.spec !== undefined) {
    const { metrics, ...spec } = o(obj.spec);
    const cpu = ((metrics as unknown[] | undefined) ?? []).find(isCpuUtilization);
    if (cpu) spec.targetCPUUtilizationPercentage = o(o(o(cpu).resource).target).averageUtilization;
    obj.spec = spec;
  }
  if (obj.status !== undefined) {
    const { currentMetrics, conditions: _c, ...status } = o(obj.status);
    const cpu = ((currentMetrics as unknown[] | undefined) ?? []).find(
      (m) => o(m).type === 'Resource' && o(o(m).resource).name === 'cpu',
    );
    const util = o(o(o(cpu).resource).current).averageUtilization;
    if (typeof util === 'number') status.currentCPUUtilizationPercentage = util;
    obj.status = status;
  }
  return obj;
}
