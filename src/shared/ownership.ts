// Ownership labels: the four labels every object slipway applies carries, by which pruning, `plan` and
// `status` find a service's objects again. One home for the concept, below every layer that uses it
// (the chart renders them, preparing a release adds them, the engine selects and prunes by them).
import { type KubeObject, LABELS } from './kube-types.ts';

export interface Ownership {
  platform: string;
  environment: string;
  service: string;
}

/** The labels every object a release applies carries; pruning selects by them. */
export function ownershipLabels(o: Ownership): Record<string, string> {
  return {
    [LABELS.managedBy]: 'slipway',
    [LABELS.platform]: o.platform,
    [LABELS.environment]: o.environment,
    [LABELS.service]: o.service,
  };
}

/** Selects a service's applied objects, never its release Secrets or lock (they lack managed-by). */
export function ownershipSelector(o: Ownership): string {
  return Object.entries(ownershipLabels(o))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The manifests with ownership labels added (rendered objects normally have them already). */
export function withOwnership(objects: readonly KubeObject[], o: Ownership, namespace: string): KubeObject[] {
  const labels = ownershipLabels(o);
  return objects.map((obj) => ({
    ...obj,
    metadata: {
      ...obj.metadata,
      namespace: obj.metadata.namespace ?? namespace,
      labels: { ...(obj.metadata.labels ?? {}), ...labels },
    },
  }));
}
