// core/v1 Events for what the controllers and the pod runner do. Repeats of the same reason and
// message for the same object within ten minutes bump `count` on one Event, as the kubelet's
// recorder does, so a crash loop does not flood the store.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';
import { nowIso } from './util.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

const AGGREGATE_MS = 10 * 60_000;
const MAX_TRACKED = 5_000;
/** Kubernetes keeps Events for an hour (kube-apiserver --event-ttl). */
export const EVENT_TTL_MS = 60 * 60_000;

export function createEventRecorder(
  store: ObjectStore,
  eventType: ResourceType,
  component: string,
): EventRecorder {
  const recent = new Map<string, { name: string; at: number }>();
  let seq = 0;
  let lastSweep = Date.now();
  /** Deletes this recorder's Events older than the TTL, at most once a minute. */
  const sweep = (now: number) => {
    if (now - lastSweep < 60_000) return;
    lastSweep = now;
    for (const e of store.list(eventType).items) {
      if ((e.source as { component?: string } | undefined)?.component !== component) continue;
      const last = Date.parse(String(e.lastTimestamp ?? e.metadata.creationTimestamp ?? ''));
      if (Number.isFinite(last) && now - last > EVENT_TTL_MS) {
        try {
          store.delete(eventType, e.metadata.namespace, e.metadata.name ?? '');
        } catch {}
      }
    }
  };
  return {
    record(obj, type, reason, message) {
      const namespace = obj.metadata.namespace ?? 'default';
      const now = Date.now();
      const ts = nowIso(now);
      const id = `${obj.metadata.uid}|${reason}|${message}`;
      const seen = recent.get(id);
      try {
        sweep(now);
        if (seen && now - seen.at < AGGREGATE_MS) {
          const existing = store.get(eventType, namespace, seen.name);
          if (existing) {
            store.update(eventType, {
              ...existing,
              count: Number(existing.count ?? 1) + 1,
              lastTimestamp: ts,
            });
            seen.at = now;
            return;
          }
        }
        const name = `${obj.metadata.name}.${(now * 1000 + (seq++ % 1000)).toString(16)}`;
        store.create(eventType, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata.name,
            namespace,
            uid: obj.metadata.uid,
            resourceVersion: obj.metadata.resourceVersion,
          },
          reason,
          message,
          type,
          count: 1,
          firstTimestamp: ts,
          lastTimestamp: ts,
          source: { component, host: 'local' },
          reportingComponent: component,
          reportingInstance: 'local',
        });
        if (recent.size > MAX_TRACKED) recent.clear();
        recent.set(id, { name, at: now });
      } catch {
        // Events are best effort, as in Kubernetes.
      }
    },
  };
}
