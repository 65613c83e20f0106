// Waiting for live objects to become healthy (rollout tracking), and reading the health of many.
// Health itself is assessed by the pure health.ts; this file only watches.
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import type { KubeClient } from './client.ts';
import { assessHealth, type HealthStatus } from './health.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface WaitForHealthOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called whenever the object or its health changes. */
  onChange?: (health: HealthStatus, obj: KubeObject | undefined) => void;
  /** Done when this holds (default: Healthy). */
  until?: (health: HealthStatus, obj: KubeObject | undefined) => boolean;
  /** Fail at once on Degraded (default true); false keeps waiting (e.g. CrashLoopBackOff may recover). */
  failOnDegraded?: boolean;
}

const refText = (r: ObjectRef, ns: string) => `${r.kind}/${r.namespace ?? ns}/${r.name}`;

/**
 * Resolves with the final health once `until` holds; rejects with `failed` on Degraded, `timeout`
 * after timeoutMs (naming the last health message), `failed` when aborted.
 */
export async function waitForHealth(
  client: KubeClient,
  ref: ObjectRef,
  o: WaitForHealthOptions,
): Promise<{ health: HealthStatus; object: KubeObject | undefined }> {
  const what = refText(ref, client.target.namespace);
  const until = o.until ?? ((h) => h.status === 'Healthy');
  let last: HealthStatus = assessHealth(undefined);
  let lastObj: KubeObject | undefined;
  let settle!: (err: SlipwayError | undefined) => void;
  const done = new Promise<SlipwayError | undefined>((resolve) => {
    settle = resolve;
  });
  let finished = false;
  const finish = (err?: SlipwayError) => {
    if (finished) return;
    finished = true;
    settle(err);
  };
  const observe = (obj: KubeObject | undefined) => {
    if (finished) return;
    const h = assessHealth(obj);
    const changed =
      h.status !== last.status ||
      h.message !== last.message ||
      obj?.metadata.resourceVersion !== lastObj?.metadata.resourceVersion;
    last = h;
    lastObj = obj;
    if (changed) o.onChange?.(h, obj);
    if (until(h, obj)) finish();
    else if (h.status === 'Degraded' && o.failOnDegraded !== false) {
      finish(new SlipwayError('failed', `${what} is Degraded: ${h.message}`, { data: { health: h } }));
    }
  };

  const timer = setTimeout(
    () =>
      finish(
        new SlipwayError(
          'timeout',
          `${what} did not become ready within ${Math.round(o.timeoutMs / 1000)} s: ${last.status}${last.message ? ` (${last.message})` : ''}`,
          {
            hint: 'Look at its pods (kubectl describe / slipway status) for the cause, or raise the strategy timeout.',
            data: { health: last },
          },
        ),
      ),
    o.timeoutMs,
  );
  const onAbort = () => finish(new SlipwayError('failed', `stopped waiting for ${what}: aborted`));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  let watch: { stop(): void } | undefined;
  try {
    let sawAny = false;
    watch = await client.watch(
      ref.apiVersion,
      ref.kind,
      { ...(ref.namespace ? { namespace: ref.namespace } : {}), fieldSelector: `metadata.name=${ref.name}` },
      (e) => {
        if (e.object.metadata.name !== ref.name) return;
        sawAny = true;
        observe(e.type === 'DELETED' ? undefined : e.object);
      },
    );
    if (!sawAny) observe(undefined);
    const err = await done;
    if (err) throw err;
    return { health: last, object: lastObj };
  } finally {
    finished = true;
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    watch?.stop();
  }
}

/** The current health of each object (Missing for those that do not exist). */
export async function liveHealth(
  client: KubeClient,
  refs: readonly ObjectRef[],
): Promise<Array<{ ref: ObjectRef; health: HealthStatus; object: KubeObject | undefined }>> {
  return await Promise.all(
    refs.map(async (ref) => {
      const object = await client.get(ref.apiVersion, ref.kind, ref.name, ref.namespace);
      return { ref, health: assessHealth(object), object };
    }),
  );
}
