// The store's watch side: a bounded history of events for resuming from a resourceVersion, the
// open watchers per resource type, and in-order delivery. The object store records every committed
// write here; it knows nothing about objects beyond what a watcher's filter needs.
import type { KubeObject, WatchEvent, WatchEventType } from '../../shared/kube-types.ts';
import { badRequest, expired } from './errors.ts';
import type { Predicate } from './selectors.ts';
import type { WatchHandler } from './types.ts';

export const HISTORY_LIMIT = 10_000;

interface HistoryEntry {
  rv: number;
  key: string;
  type: WatchEventType;
  obj: KubeObject;
  prev: KubeObject | undefined;
}

export interface Watcher {
  namespace: string | undefined;
  pred: Predicate | undefined;
  handler: WatchHandler;
}

const clone = <T>(v: T): T => structuredClone(v);

export function visible(w: Watcher, o: KubeObject | undefined): boolean {
  if (!o) return false;
  if (w.namespace && o.metadata.namespace !== w.namespace) return false;
  return !w.pred || w.pred(o);
}

export class WatchHub {
  private history: HistoryEntry[] = [];
  private readonly pending: HistoryEntry[] = [];
  private readonly watchers = new Map<string, Set<Watcher>>();
  private delivering = false;
  private deliveredRv = 0;
  private compactedRv = 0;

  /** After loading a snapshot every earlier resourceVersion is too old. */
  startAt(rv: number): void {
    this.compactedRv = rv;
    this.deliveredRv = rv;
  }

  record(rv: number, key: string, type: WatchEventType, obj: KubeObject, prev?: KubeObject): void {
    const entry: HistoryEntry = { rv, key, type, obj, prev };
    this.history.push(entry);
    if (this.history.length > HISTORY_LIMIT * 1.1) {
      const drop = this.history.length - HISTORY_LIMIT;
      this.compactedRv = (this.history[drop - 1] as HistoryEntry).rv;
      this.history = this.history.slice(drop);
    }
    this.pending.push(entry);
    // A handler that writes synchronously must not let its event overtake this one for the
    // watchers not served yet: events are delivered strictly in resourceVersion order.
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let e = this.pending.shift(); e; e = this.pending.shift()) {
        this.deliveredRv = e.rv;
        const set = this.watchers.get(e.key);
        if (set) for (const w of [...set]) if (set.has(w)) deliver(w, e);
      }
    } finally {
      this.delivering = false;
    }
  }

  /**
   * Registers `w` for events of `key`. Without a resourceVersion (or "0") `current` is sent first
   * as ADDED events; otherwise the history after that resourceVersion is replayed.
   */
  subscribe(key: string, w: Watcher, from: string | undefined, current: () => Iterable<KubeObject>) {
    if (from === undefined || from === '' || from === '0') {
      for (const o of current()) if (visible(w, o)) w.handler({ type: 'ADDED', object: clone(o) });
    } else {
      const n = Number(from);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resourceVersion "${from}"`);
      if (n < this.compactedRv) throw expired(`too old resource version: ${n} (${this.compactedRv + 1})`);
      // History is ordered by rv: binary search for the first entry after n.
      const h = this.history;
      let lo = 0;
      let hi = h.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((h[mid] as HistoryEntry).rv <= n) lo = mid + 1;
        else hi = mid;
      }
      // Events still queued for delivery reach this watcher through the delivery loop.
      for (let i = lo; i < h.length && (h[i] as HistoryEntry).rv <= this.deliveredRv; i++) {
        const e = h[i] as HistoryEntry;
        if (e.key === key) deliver(w, e);
      }
    }
    let set = this.watchers.get(key);
    if (!set) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(w);
    return () => {
      this.watchers.get(key)?.delete(w);
    };
  }
}

function deliver(w: Watcher, e: HistoryEntry): void {
  let type: WatchEventType = e.type;
  const now = visible(w, e.obj);
  if (e.type === 'MODIFIED') {
    const before = visible(w, e.prev);
    if (now && !before) type = 'ADDED';
    else if (!now && before) type = 'DELETED';
    else if (!now) return;
  } else if (!now) return;
  const event: WatchEvent = { type, object: clone(e.obj) };
  try {
    w.handler(event);
  } catch {
    // A failing watcher must not break writes.
  }
}
