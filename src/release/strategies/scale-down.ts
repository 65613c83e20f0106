// The old colour's scale-down after a blue-green release, recorded in the cluster: the time it is due
// is an annotation on the old colour's Deployment (as Argo Rollouts keeps its scale-down deadline on
// the ReplicaSet), written once when the release schedules it. The process that released waits for
// it; a process that died meanwhile leaves it to `slipway serve`'s leader, which finds the annotation
// and scales the colour down at the recorded time, not a full delay after its own start. A colour
// that is active again when the time comes (a rollback switched back to it) is left running.
import type { KubeClient } from '../../kube/client.ts';
import { LABELS } from '../../shared/kube-types.ts';

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

/**
 * Records when `<service>-<color>` goes (now + delayMs, unless a time is recorded already: a resumed
 * release keeps the first) and schedules it in this process. Answers the recorded time.
 */
export async function recordScaleDown(
  client: KubeClient,
  namespace: string,
  service: string,
  color: string,
  delayMs: number,
): Promise<Date> {
  const name = `${service}-${color}`;
  const d = await client.get('apps/v1', 'Deployment', name, namespace);
  const recorded = Date.parse(d?.metadata.annotations?.[SCALE_DOWN_ANNOTATION] ?? '');
  const at = Number.isNaN(recorded) ? new Date(Date.now() + delayMs) : new Date(recorded);
  if (Number.isNaN(recorded))
    await client.patch(
      'apps/v1',
      'Deployment',
      name,
      { metadata: { annotations: { [SCALE_DOWN_ANNOTATION]: at.toISOString() } } },
      { namespace, type: 'merge' },
    );
  scheduleScaleDown(client, namespace, service, color, at);
  return at;
}

function scheduleScaleDown(
  client: KubeClient,
  namespace: string,
  service: string,
  color: string,
  at: Date,
): void {
  const name = `${service}-${color}`;
  const key = `${namespace}/${name}`;
  if (scheduled.has(key)) return;
  const job = (async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() - Date.now())));
    const stillActive = (await activeColor(client, namespace, service).catch(() => color)) === color;
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
 * server's leader calls it for each environment). Answers how many it found.
 */
export async function resumeScaleDowns(client: KubeClient, namespace: string): Promise<number> {
  const deployments = await client.list('apps/v1', 'Deployment', { namespace });
  let n = 0;
  for (const d of deployments) {
    const at = Date.parse(d.metadata.annotations?.[SCALE_DOWN_ANNOTATION] ?? '');
    const service = d.metadata.labels?.[LABELS.service];
    const color = d.metadata.labels?.[LABELS.track];
    if (Number.isNaN(at) || !service || (color !== 'blue' && color !== 'green')) continue;
    if (d.metadata.name !== `${service}-${color}`) continue;
    scheduleScaleDown(client, namespace, service, color, new Date(at));
    n++;
  }
  return n;
}
