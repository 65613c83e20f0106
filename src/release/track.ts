// Tracking the Deployments of a release to completion, like `kubectl rollout status` for all of them
// at once: desired/updated/ready/available, the new pods' phase, restarts and probe failures. A
// crash-looping new pod, ProgressDeadlineExceeded or the deadline fail the release with a reason that
// names the pod, the probe and its last log lines.
import type { KubeClient } from '../kube/client.ts';
import { createTransport, loadKubeconfig } from '../kube/transport.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { ReleaseFailure } from './failure.ts';
import { podFailure, podProgress } from './plan.ts';
import type { ObjectProgress, PodProgress } from './types.ts';

export const POLL_MS = 250;
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {});
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

function selectorOf(dep: KubeObject): string {
  const labels = rec(rec(rec(dep.spec).selector).matchLabels) as Record<string, string>;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The newest ReplicaSet the Deployment controls (its pod-template-hash), once it has observed the spec. */
function newHashOf(dep: KubeObject, replicaSets: readonly KubeObject[]): string | undefined {
  const revision = dep.metadata.annotations?.[REVISION_ANNOTATION];
  const owned = replicaSets.filter((rs) =>
    rs.metadata.ownerReferences?.some((o) => o.kind === 'Deployment' && o.uid === dep.metadata.uid),
  );
  const rs =
    (revision ? owned.find((r) => r.metadata.annotations?.[REVISION_ANNOTATION] === revision) : undefined) ??
    [...owned].sort(
      (a, b) =>
        Number(b.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) -
        Number(a.metadata.annotations?.[REVISION_ANNOTATION] ?? 0),
    )[0];
  return rs?.metadata.labels?.['pod-template-hash'];
}

export interface WorkloadState {
  progress: ObjectProgress;
  /** Why the release fails now, if it does. */
  failure?: { reason: string; pod?: string };
}

/** Reads one Deployment's rollout state (three requests: the Deployment, its ReplicaSets, its pods). */
export async function workloadState(
  client: KubeClient,
  name: string,
  namespace: string,
): Promise<WorkloadState> {
  const dep = await client.get('apps/v1', 'Deployment', name, namespace);
  if (!dep) {
    return {
      progress: {
        kind: 'Deployment',
        name,
        desired: 0,
        updated: 0,
        ready: 0,
        available: 0,
        total: 0,
        done: false,
        message: 'not created yet',
        pods: [],
      },
    };
  }
  const selector = selectorOf(dep);
  const [replicaSets, pods] = await Promise.all([
    client.list('apps/v1', 'ReplicaSet', { namespace, labelSelector: selector }),
    client.list('v1', 'Pod', { namespace, labelSelector: selector }),
  ]);
  const spec = rec(dep.spec);
  const status = rec(dep.status);
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const observed = num(status.observedGeneration) >= num(dep.metadata.generation);
  const updated = num(status.updatedReplicas);
  const ready = num(status.readyReplicas);
  const available = num(status.availableReplicas);
  const total = num(status.replicas);
  const hash = observed ? newHashOf(dep, replicaSets) : undefined;
  const podList: PodProgress[] = pods
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => podProgress(p, hash))
    .sort((a, b) => Number(b.isNew) - Number(a.isNew) || a.name.localeCompare(b.name));
  const done = observed && updated === desired && available === desired && total === desired;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Rec[];
  const deadline = conditions.find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  let message = done
    ? `successfully rolled out (${desired} of ${desired} available)`
    : !observed
      ? 'waiting for the controller to observe the new spec'
      : updated < desired
        ? `${updated} of ${desired} updated replicas`
        : total > updated
          ? `${total - updated} old replicas pending termination`
          : `${available} of ${updated} updated replicas available`;
  let failure: WorkloadState['failure'];
  for (const p of podList) {
    const why = podFailure(p);
    if (why) {
      failure = { reason: `pod ${p.name} ${why}`, pod: p.name };
      break;
    }
  }
  if (!failure && deadline && !done) {
    const stuck = podList.find((p) => p.isNew && !p.ready);
    failure = {
      reason: `Deployment ${name} exceeded its progress deadline: ${String(deadline.message ?? '')}`.trim(),
      ...(stuck ? { pod: stuck.name } : {}),
    };
  }
  if (failure) message = failure.reason;
  return {
    progress: {
      kind: 'Deployment',
      name,
      desired,
      updated,
      ready,
      available,
      total,
      done,
      message,
      pods: podList,
    },
    ...(failure ? { failure } : {}),
  };
}

export interface TrackOptions {
  namespace: string;
  deadline: number;
  onProgress?: (p: ObjectProgress[]) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Resolves when every named Deployment is rolled out; throws a ReleaseFailure naming the pod, its
 * probe failures and last log lines on crash loops, progress-deadline failures or the deadline.
 */
export async function trackDeployments(
  client: KubeClient,
  names: readonly string[],
  o: TrackOptions,
): Promise<ObjectProgress[]> {
  let lastKey = '';
  for (;;) {
    const states = await Promise.all(names.map((n) => workloadState(client, n, o.namespace)));
    const progress = states.map((s) => s.progress);
    const key = JSON.stringify(progress);
    if (key !== lastKey) {
      lastKey = key;
      o.onProgress?.(progress);
    }
    const failed = states.find((s) => s.failure);
    if (failed?.failure) {
      throw new ReleaseFailure(
        failed.failure.reason,
        failed.failure.pod ? await diagnosePod(client, failed.failure.pod, o.namespace) : undefined,
      );
    }
    if (states.every((s) => s.progress.done)) return progress;
    if (Date.now() >= o.deadline || o.signal?.aborted) {
      const stuck = states.find((s) => !s.progress.done)!.progress;
      const pod = stuck.pods.find((p) => p.isNew && !p.ready) ?? stuck.pods.find((p) => !p.ready);
      throw new ReleaseFailure(
        `${o.signal?.aborted ? 'aborted' : 'timed out'}: Deployment ${stuck.name}: ${stuck.message}${pod ? `; pod ${pod.name} is not ready` : ''}`,
        pod ? await diagnosePod(client, pod.name, o.namespace) : undefined,
        'timeout',
      );
    }
    await sleep(Math.min(o.pollMs ?? POLL_MS, Math.max(10, o.deadline - Date.now())), o.signal);
  }
}

/** The pod's warning Events (probe failures, back-off) and its last log lines, as one text. */
export async function diagnosePod(client: KubeClient, pod: string, namespace: string): Promise<string> {
  const lines: string[] = [];
  try {
    const events = (await client.list('v1', 'Event', { namespace }))
      .filter((e) => rec(e.involvedObject).name === pod && e.type === 'Warning')
      .slice(-4);
    for (const e of events) lines.push(`${String(e.reason)}: ${String(e.message)}`);
  } catch {
    // events are a courtesy; the log lines below still help
  }
  const log = await podLog(client, pod, namespace, 8);
  if (log) lines.push(`last log lines of ${pod}:`, ...log.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

/** The last lines of a pod's log through the pod log API (the previous container's when it restarted). */
export async function podLog(
  client: KubeClient,
  pod: string,
  namespace: string,
  tailLines: number,
): Promise<string | undefined> {
  try {
    const transport = createTransport(await loadKubeconfig(client.target));
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
    let text = (await transport.send({ method: 'GET', path, query: { tailLines }, timeoutMs: 3000 })).text;
    if (!text.trim()) {
      text = (
        await transport
          .send({ method: 'GET', path, query: { tailLines, previous: true }, timeoutMs: 3000 })
          .catch(() => ({ text: '' }))
      ).text;
    }
    return text.trimEnd() || undefined;
  } catch {
    return undefined;
  }
}
