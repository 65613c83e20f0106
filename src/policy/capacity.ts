// Cluster capacity of an environment: pods and CPU/memory requests and limits per service and in total,
// at rest, at the peak of each service's release strategy, and at the autoscaler's maximum. Pure: takes
// the rendered at-rest objects and the strategies.
//
//   rolling     N + maxSurge (percentages of N round up, as Kubernetes does)
//   canary      the largest stable + canary count over the steps: setCanaryScale pods next to N stable
//               pods; with a traffic router ceil(N·w/100) canary pods next to N; without one, Argo
//               Rollouts' replica-ratio rounding over N (or N+1 with surge) at each setWeight
//   blueGreen   both colours at full size: 2N
//   hpaMax      the HPA's maxReplicas (N without an HPA)
import type { Strategy } from '../config/schema.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { get, isMap } from './checks/index-objects.ts';
import { scaledValue } from './checks/reliability.ts';
import { cpuMillis, memoryBytes } from './quantity.ts';

export interface Resources {
  /** Millicores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

export interface PodResources {
  requests: Resources;
  /** null for a resource when some container sets no limit (the pod is then unbounded). */
  limits: { cpu: number | null; memory: number | null };
}

export interface CapacityFigure {
  pods: number;
  requests: Resources;
  limits: { cpu: number | null; memory: number | null };
  /** How the pods add up, e.g. "3 + 3" (blue + green) or "9 + 1" (stable + canary). */
  detail: string;
}

export type Scenario = 'steady' | 'release' | 'hpaMax';
export const SCENARIOS: readonly Scenario[] = ['steady', 'release', 'hpaMax'];

export interface ServiceCapacity {
  service: string;
  strategy: Strategy['type'];
  replicas: number;
  perPod: PodResources;
  steady: CapacityFigure;
  /** The peak while this service is released with its strategy. */
  release: CapacityFigure;
  hpaMax: CapacityFigure;
}

export interface CapacityReport {
  environment: string;
  services: ServiceCapacity[];
  totals: Record<Scenario, CapacityFigure>;
}

type Json = Record<string, unknown>;

function containerTotals(list: unknown): {
  req: Resources;
  lim: { cpu: number | null; memory: number | null };
} {
  const req: Resources = { cpu: 0, memory: 0 };
  const lim: { cpu: number | null; memory: number | null } = { cpu: 0, memory: 0 };
  for (const c of Array.isArray(list) ? list : []) {
    const r = isMap(c) ? (c.resources as Json | undefined) : undefined;
    const requests = isMap(r?.requests) ? (r.requests as Json) : {};
    const limits = isMap(r?.limits) ? (r.limits as Json) : {};
    // Kubernetes defaults a missing request to the limit.
    const cpuReq = requests.cpu ?? limits.cpu;
    const memReq = requests.memory ?? limits.memory;
    if (cpuReq !== undefined && cpuReq !== null) req.cpu += cpuMillis(cpuReq as string);
    if (memReq !== undefined && memReq !== null) req.memory += memoryBytes(memReq as string);
    lim.cpu =
      limits.cpu === undefined || limits.cpu === null || lim.cpu === null
        ? null
        : lim.cpu + cpuMillis(limits.cpu as string);
    lim.memory =
      limits.memory === undefined || limits.memory === null || lim.memory === null
        ? null
        : lim.memory + memoryBytes(limits.memory as string);
  }
  return { req, lim };
}

/** Effective pod resources: the app containers' sum, or the largest init container if that is more. */
export function podResources(podSpec: Json): PodResources {
  const app = containerTotals(podSpec.containers);
  const requests = { ...app.req };
  const limits = { ...app.lim };
  for (const c of Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []) {
    const one = containerTotals([c]);
    requests.cpu = Math.max(requests.cpu, one.req.cpu);
    requests.memory = Math.max(requests.memory, one.req.memory);
    if (limits.cpu !== null && one.lim.cpu !== null) limits.cpu = Math.max(limits.cpu, one.lim.cpu);
    if (limits.memory !== null && one.lim.memory !== null)
      limits.memory = Math.max(limits.memory, one.lim.memory);
  }
  return { requests, limits };
}

/**
 * Argo Rollouts' basic-canary replica split (approximateWeightedCanaryStableReplicaCounts): the closest
 * of floor/ceil of N·w/100 over N, or over N+1 when maxSurge > 0; ties keep the earlier (rounded-up)
 * option; for weights 1–99 neither side is 0 unless N = 1 and maxSurge = 0.
 */
export function canaryReplicaSplit(
  n: number,
  weight: number,
  maxSurge: number,
): { canary: number; stable: number } {
  if (n === 0) return { canary: 0, stable: 0 };
  const options: Array<{ canary: number; total: number }> = [];
  const zeroAllowed = weight === 100 || weight === 0 || (n === 1 && maxSurge === 0);
  const tied = (total: number) => {
    const x = (total * weight) / 100;
    return x - Math.floor(x) === 0.5;
  };
  const add = (total: number) => {
    const ceil = Math.ceil((total * weight) / 100);
    const floor = Math.floor((total * weight) / 100);
    if (ceil < total || zeroAllowed) options.push({ canary: ceil, total });
    if (!tied(total) && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total });
  };
  add(n);
  if (maxSurge > 0) add(n + 1);
  if (options.length === 0) return { canary: 0, stable: n };
  const delta = (o: { canary: number; total: number }) => Math.abs((o.canary * 100) / o.total - weight);
  let best = options[0]!;
  for (const o of options.slice(1)) if (delta(o) < delta(best)) best = o;
  return { canary: best.canary, stable: best.total - best.canary };
}

/** The largest stable + canary pod count over the canary's steps. */
export function canaryPeak(
  s: Extract<Strategy, { type: 'canary' }>,
  n: number,
  maxSurge: number,
): { stable: number; canary: number } {
  let weight = 0;
  let scale: Extract<(typeof s.steps)[number], { setCanaryScale: unknown }>['setCanaryScale'] | undefined;
  let peak = { stable: n, canary: 0 };
  const router = s.trafficRouting !== undefined;
  for (const step of s.steps) {
    if ('setWeight' in step) weight = step.setWeight;
    else if ('setCanaryScale' in step) scale = step.setCanaryScale;
    else continue;
    let now: { stable: number; canary: number };
    if (scale && 'replicas' in scale) now = { stable: n, canary: scale.replicas };
    else if (scale && 'weight' in scale) now = { stable: n, canary: Math.ceil((n * scale.weight) / 100) };
    else if (router) now = { stable: n, canary: Math.ceil((n * weight) / 100) };
    else now = canaryReplicaSplit(n, weight, maxSurge);
    if (now.stable + now.canary >= peak.stable + peak.canary) peak = now;
  }
  return peak;
}

function figure(pods: number, per: PodResources, detail: string): CapacityFigure {
  return {
    pods,
    requests: { cpu: pods * per.requests.cpu, memory: pods * per.requests.memory },
    limits: {
      cpu: per.limits.cpu === null ? null : pods * per.limits.cpu,
      memory: per.limits.memory === null ? null : pods * per.limits.memory,
    },
    detail,
  };
}

function addFigures(a: CapacityFigure, b: CapacityFigure): CapacityFigure {
  return {
    pods: a.pods + b.pods,
    requests: { cpu: a.requests.cpu + b.requests.cpu, memory: a.requests.memory + b.requests.memory },
    limits: {
      cpu: a.limits.cpu === null || b.limits.cpu === null ? null : a.limits.cpu + b.limits.cpu,
      memory: a.limits.memory === null || b.limits.memory === null ? null : a.limits.memory + b.limits.memory,
    },
    detail: '',
  };
}

const EMPTY: CapacityFigure = {
  pods: 0,
  requests: { cpu: 0, memory: 0 },
  limits: { cpu: 0, memory: 0 },
  detail: '',
};

/** Capacity of one environment from its rendered services (at rest) and their strategies. */
export function computeCapacity(input: {
  environment: string;
  services: Array<{ service: string; strategy: Strategy; objects: readonly KubeObject[] }>;
}): CapacityReport {
  const services: ServiceCapacity[] = [];
  for (const s of input.services) {
    const deployments = s.objects.filter((o) => o.kind === 'Deployment');
    for (const d of deployments) {
      const podSpec = get(d, ['spec', 'template', 'spec']);
      if (!isMap(podSpec)) continue;
      const per = podResources(podSpec);
      const replicasRaw = get(d, ['spec', 'replicas']);
      const n = typeof replicasRaw === 'number' ? replicasRaw : 1;
      const surge =
        scaledValue(get(d, ['spec', 'strategy', 'rollingUpdate', 'maxSurge']) ?? '25%', n, true) ?? 1;
      const hpa = s.objects.find(
        (o) =>
          o.kind === 'HorizontalPodAutoscaler' &&
          get(o, ['spec', 'scaleTargetRef', 'name']) === d.metadata.name,
      );
      const hpaMax = hpa ? Number(get(hpa, ['spec', 'maxReplicas']) ?? n) : n;
      let release: CapacityFigure;
      const st = s.strategy;
      if (st.type === 'canary') {
        const peak = canaryPeak(st, n, surge);
        release = figure(peak.stable + peak.canary, per, `${peak.stable} stable + ${peak.canary} canary`);
      } else if (st.type === 'blueGreen') {
        release = figure(2 * n, per, `${n} blue + ${n} green`);
      } else {
        release = figure(n + surge, per, `${n} + ${surge} surge`);
      }
      services.push({
        service: deployments.length === 1 ? s.service : `${s.service} (${d.metadata.name})`,
        strategy: st.type,
        replicas: n,
        perPod: per,
        steady: figure(n, per, `${n}`),
        release,
        hpaMax: figure(hpaMax, per, hpa ? `HPA max ${hpaMax}` : `${n} (no HPA)`),
      });
    }
  }
  const totals = {} as Record<Scenario, CapacityFigure>;
  for (const sc of SCENARIOS) totals[sc] = services.reduce((acc, x) => addFigures(acc, x[sc]), EMPTY);
  return { environment: input.environment, services, totals };
}
