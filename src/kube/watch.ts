// A watch that does not lose events: it lists first, streams from the list's resourceVersion, resumes
// from the last resourceVersion it saw when the connection drops, and re-lists (emitting the
// differences as ADDED/MODIFIED/DELETED) when the server says that version has expired (410).
import type { SlipwayError } from '../shared/errors.ts';
import type { KubeObject, WatchEvent, WatchEventType } from '../shared/kube-types.ts';
import { KubeHttpError } from './errors.ts';

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Called for failures the watch recovers from by itself (it keeps retrying until stopped). */
  onError?: (e: SlipwayError) => void;
}

export interface WatchDeps {
  list(): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  stream(
    query: Record<string, string | number | boolean>,
    onLine: (line: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
  describe(e: unknown): SlipwayError;
  apiVersion: string;
  kind: string;
}

const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

class Expired extends Error {}

export async function startWatch(
  deps: WatchDeps,
  o: WatchOptions,
  onEvent: (e: WatchEvent) => void,
): Promise<{ stop(): void }> {
  const known = new Map<string, KubeObject>();
  let stopped = false;
  let controller: AbortController | undefined;
  let lastVersion = '';
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  const emit = (type: WatchEventType, object: KubeObject) => {
    if (stopped) return;
    try {
      onEvent({ type, object });
    } catch {
      // A failing handler must not kill the watch; handlers report their own errors.
    }
  };

  const relist = async (initial: boolean) => {
    const { items, resourceVersion } = await deps.list();
    const seen = new Set<string>();
    for (const it of items) {
      const k = keyOf(it);
      seen.add(k);
      const before = known.get(k);
      known.set(k, it);
      if (!before) emit('ADDED', it);
      else if (before.metadata.resourceVersion !== it.metadata.resourceVersion) emit('MODIFIED', it);
    }
    if (!initial) {
      for (const [k, obj] of known) {
        if (!seen.has(k)) {
          known.delete(k);
          emit('DELETED', obj);
        }
      }
    }
    lastVersion = resourceVersion;
  };

  const onLine = (line: string) => {
    let ev: { type?: string; object?: KubeObject & { code?: number } };
    try {
      ev = JSON.parse(line);
    } catch {
      return;
    }
    const obj = ev.object;
    if (!obj || !ev.type) return;
    if (ev.type === 'ERROR') {
      if (obj.code === 410) throw new Expired();
      throw new KubeHttpError(obj.code ?? 500, line);
    }
    if (obj.metadata?.resourceVersion) lastVersion = obj.metadata.resourceVersion;
    if (ev.type === 'BOOKMARK') return;
    const full = { ...obj, apiVersion: obj.apiVersion ?? deps.apiVersion, kind: obj.kind ?? deps.kind };
    if (ev.type === 'DELETED') known.delete(keyOf(full));
    else known.set(keyOf(full), full);
    emit(ev.type as WatchEventType, full);
  };

  await relist(true);

  const loop = async () => {
    let delay = 100;
    let needRelist = false;
    while (!stopped) {
      try {
        if (needRelist) {
          await relist(false);
          needRelist = false;
        }
        controller = new AbortController();
        const c = controller;
        const started = Date.now();
        let failure: unknown;
        await deps.stream(
          // The server ends each watch after timeoutSeconds, so a silently dead connection is
          // noticed and replaced (client-go picks 5–10 minutes the same way).
          {
            watch: true,
            resourceVersion: lastVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          },
          (line) => {
            if (failure) return;
            try {
              onLine(line);
              delay = 100;
            } catch (e) {
              failure = e;
              c.abort();
            }
          },
          c.signal,
        );
        if (failure) throw failure;
        // The server ended the watch (timeout or drop): resume from lastVersion, at once unless it
        // keeps ending them immediately.
        if (Date.now() - started > 1_000) continue;
      } catch (e) {
        if (stopped) return;
        if (e instanceof Expired || (e instanceof KubeHttpError && e.code === 410)) {
          needRelist = true;
          continue;
        }
        o.onError?.(deps.describe(e));
      }
      await pause(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  };
  void loop();

  return {
    stop() {
      stopped = true;
      controller?.abort();
      clearTimeout(timer);
      wake?.();
    },
  };
}
