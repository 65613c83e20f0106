// The old colour's scale-down after a blue-green release, recorded in the cluster: the time it is due
// is an annotation on the old colour's Deployment (as Argo Rollouts keeps its scale-down deadline on
// the ReplicaSet), written once when the release schedules it. The process that released waits for
// it; a process that died meanwhile leaves it to `slipway serve`'s leader, which finds the annotation
// and scales the colour down at the recorded time, not a full delay after its own start. A colour
// that is active again when the time comes (a rollback switched back to it) is left running.
import type { KubeClient } from '../../kube/client.ts';
import { LABELS } from '../../shared/kube-types.ts';
import { affixesOf, objectName } from '../../shared/names.ts';

export const SCALE_DOWN_ANNOTATION = 'slipway.dev/scale-down-at';

/** Scale-downs this process waits for, by namespace/Deployment (a second schedule of one is a no-op). */
const scheduled = new Map<string, Promise<void>>();

/** Resolves when every scale-down this process scheduled has happened. */
export async function settleScaleDowns(): Promise<void> {
  await Promise.all([...scheduled.values()]);
}

const activeColor = async (client: KubeClient, namespace: string, service: string) => {
  const svc = await client.get('v1', 'Service', service, namespace);
  return (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector?.[LABELS.track];
};

/** One colour's scale-down: its Deployment, the active Service that may select it again, its colour. */
export interface ScaleDownTarget {
  deployment: string;
  activeService: string;
  color: string;
}

/**
 * Records when the colour's Deployment goes (now + delayMs, unless a time is recorded already: a
 * resumed release keeps the first) and schedules it in this process. Answers the recorded time.
 */
export async function recordScaleDown(
  client: KubeClient,
  namespace: string,
  o: ScaleDownTarget & { delayMs: number },
): Promise<Date> {
  const name = o.deployment;
  const d = await client.get('apps/v1', 'Deployment', name, namespace);
  const recorded = Date.parse(d?.metadata.annotations?.[SCALE_DOWN_ANNOTATION] ?? '');
  const at = Number.isNaN(recorded) ? new Date(Date.now() + o.delayMs) : new Date(recorded);
  if (Number.isNaN(recorded))
    await client.patch(
      'apps/v1',
      'Deployment',
      name,
      { metadata: { annotations: { [SCALE_DOWN_ANNOTATION]: at.toISOString() } } },
      { namespace, type: 'merge' },
    );
  scheduleScaleDown(client, namespace, o, at);
  return at;
}

function scheduleScaleDown(client: KubeClient, namespace: string, t: ScaleDownTarget, at: Date): void {
  const name = t.deployment;
  const key = `${namespace}/${name}`;
  if (scheduled.has(key)) return;
  const job = (async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() - Date.now())));
    const stillActive =
      (await activeColor(client, namespace, t.activeService).catch(() => t.color)) === t.color;
    const patch = {
      metadata: { annotations: { [SCALE_DOWN_ANNOTATION]: null } },
      ...(stillActive ? {} : { spec: { replicas: 0 } }),
    };
    await client.patch('apps/v1', 'Deployment', name, patch, { namespace, type: 'merge' }).catch(() => {});
  })();
  scheduled.set(key, job);
  void job.finally(() => scheduled.delete(key));
}

/**
 * Schedules every recorded scale-down of the namespace that this process does not wait for yet (the
 * server's leader calls it for each environment). Answers how many it found. A colour's Deployment
 * is `<prefix><service>-<color><suffix>` (shared/names.ts); its active Service carries the same affixes.
 */
export async function resumeScaleDowns(client: KubeClient, namespace: string): Promise<number> {
  const deployments = await client.list('apps/v1', 'Deployment', { namespace });
  let n = 0;
  for (const d of deployments) {
    const at = Date.parse(d.metadata.annotations?.[SCALE_DOWN_ANNOTATION] ?? '');
    const service = d.metadata.labels?.[LABELS.service];
    const color = d.metadata.labels?.[LABELS.track];
    if (Number.isNaN(at) || !service || (color !== 'blue' && color !== 'green')) continue;
    const affixes = affixesOf(d.metadata.name ?? '', objectName(service, {}, color));
    if (!affixes) continue;
    const target = { deployment: d.metadata.name!, activeService: objectName(service, affixes), color };
    scheduleScaleDown(client, namespace, target, new Date(at));
    n++;
  }
  return n;
}
