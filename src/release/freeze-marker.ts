// A declared freeze as the engine sees it. The engine cannot read the store, so `slipway freeze`
// mirrors a declared freeze into each frozen environment's cluster: the ConfigMap `slipway-freeze` in
// the environment's namespace, naming the freeze (id, reason, who, until). Running canaries and
// blue-green releases hold while it is there (strategies/freeze-hold.ts); `slipway unfreeze` removes
// it, and a marker whose `until` has passed counts as gone, so an expired freeze needs no cleanup.
// It carries no managed-by label of a service, so no release prunes it.
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../shared/kube-types.ts';

export const FREEZE_MARKER = 'slipway-freeze';

export interface FreezeMarker {
  /** The declared freeze's id in the store. */
  id: number;
  environment: string;
  reason: string;
  by: string;
  /** ISO time it ends by itself; undefined: until lifted. */
  until?: string | undefined;
}

/** The ConfigMap holding `m`, for the environment's namespace. */
export function freezeMarkerObject(m: FreezeMarker, namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: FREEZE_MARKER,
      namespace,
      labels: { 'slipway.dev/freeze': 'true' },
      annotations: {
        'slipway.dev/purpose':
          'a declared freeze (slipway freeze): running canary and blue-green releases hold until `slipway unfreeze` removes it',
      },
    },
    data: {
      id: String(m.id),
      environment: m.environment,
      reason: m.reason,
      by: m.by,
      ...(m.until ? { until: m.until } : {}),
    },
  };
}

/** The marker a ConfigMap holds, if it holds a well-formed one. */
export function parseFreezeMarker(cm: KubeObject | undefined): FreezeMarker | undefined {
  if (!cm) return undefined;
  const d = (cm.data ?? {}) as Record<string, string>;
  const id = Number(d.id);
  if (!Number.isInteger(id) || id < 1) return undefined;
  return {
    id,
    environment: d.environment ?? '?',
    reason: d.reason ?? '',
    by: d.by ?? '?',
    ...(d.until ? { until: d.until } : {}),
  };
}

/** Whether the marker still holds releases at `now` (after `until` it is as good as gone). */
export function markerInForce(m: FreezeMarker | undefined, now: number): m is FreezeMarker {
  if (!m) return false;
  if (m.until === undefined) return true;
  const end = Date.parse(m.until);
  return Number.isNaN(end) || now < end;
}

/** What a held release logs: `held: prod is frozen (#3 by ada: incident INC-4711)`. */
export function heldMessage(m: FreezeMarker): string {
  return `held: ${m.environment} is frozen (#${m.id} by ${m.by}: ${m.reason})`;
}

/** The freeze in force in the namespace, if any. */
export async function readFreezeMarker(
  client: KubeClient,
  namespace: string,
  now = Date.now(),
): Promise<FreezeMarker | undefined> {
  const m = parseFreezeMarker(await client.get('v1', 'ConfigMap', FREEZE_MARKER, namespace));
  return markerInForce(m, now) ? m : undefined;
}

export async function writeFreezeMarker(
  client: KubeClient,
  namespace: string,
  m: FreezeMarker,
): Promise<void> {
  await client.apply(freezeMarkerObject(m, namespace), { force: true });
}

/** Removes the marker; answers whether there was one. */
export async function clearFreezeMarker(client: KubeClient, namespace: string): Promise<boolean> {
  return await client.delete('v1', 'ConfigMap', FREEZE_MARKER, namespace);
}
