// Replica counts of a canary, exactly as Argo Rollouts computes them (utils/replicaset/canary.go).
// Without a traffic router the weight *is* the replica ratio: the closest of floor/ceil of N·w/100 over
// a total of N (or N+1 when a surge is allowed), ties rounding up, and for weights 1–99 neither side
// is 0 unless N = 1 and maxSurge = 0. With a router the canary gets ceil(N·w/100) pods (or what
// setCanaryScale says) and stable stays at N. Pure.

/** maxSurge as a pod count for N replicas: percentages round up (Kubernetes and Argo alike). */
export function resolveMaxSurge(maxSurge: number | string | undefined, replicas: number): number {
  if (maxSurge === undefined) return 1;
  if (typeof maxSurge === 'number') return maxSurge;
  const m = /^(\d+)%$/.exec(maxSurge);
  if (m) return Math.ceil((replicas * Number(m[1])) / 100);
  return Number(maxSurge);
}

export interface ReplicaSplit {
  canary: number;
  stable: number;
}

function tied(weight: number, total: number): boolean {
  const x = total * (weight / 100);
  return x - Math.trunc(x) === 0.5;
}

function delta(weight: number, canary: number, total: number): number {
  return Math.abs((canary * 100) / total - weight);
}

/** Argo's approximateWeightedCanaryStableReplicaCounts: the split of a basic (router-less) canary. */
export function basicCanarySplit(replicas: number, weight: number, maxSurge: number): ReplicaSplit {
  if (replicas <= 0) return { canary: 0, stable: 0 };
  const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && maxSurge === 0);
  const options: Array<{ canary: number; total: number }> = [];
  const consider = (total: number) => {
    const ceil = Math.ceil((total * weight) / 100);
    const floor = Math.floor((total * weight) / 100);
    const ceilAllowed = ceil < total || zeroAllowed;
    if (ceilAllowed) options.push({ canary: ceil, total });
    // On a tie the ceiling wins; the floor is only a candidate when the ceiling is not allowed.
    if ((!tied(weight, total) || !ceilAllowed) && (floor !== 0 || zeroAllowed))
      options.push({ canary: floor, total });
  };
  consider(replicas);
  if (maxSurge > 0) consider(replicas + 1);
  if (options.length === 0) return { canary: 0, stable: replicas };
  let best = options[0]!;
  let bestDelta = delta(weight, best.canary, best.total);
  for (const o of options.slice(1)) {
    const d = delta(weight, o.canary, o.total);
    if (d < bestDelta) {
      best = o;
      bestDelta = d;
    }
  }
  return { canary: best.canary, stable: best.total - best.canary };
}

/** setCanaryScale as it stands at a step: explicit replicas, a weight of N, or following the traffic. */
export type CanaryScale = { replicas: number } | { weight: number } | { matchTrafficWeight: true };

/** The split with a traffic router: stable stays N, the canary follows the weight or setCanaryScale. */
export function routedCanarySplit(replicas: number, weight: number, scale?: CanaryScale): ReplicaSplit {
  let canary: number;
  if (scale && 'replicas' in scale) canary = scale.replicas;
  else if (scale && 'weight' in scale) canary = Math.ceil((replicas * scale.weight) / 100);
  else canary = Math.ceil((replicas * weight) / 100);
  return { canary, stable: replicas };
}
