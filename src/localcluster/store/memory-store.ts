// The in-memory object store: objects indexed by type → namespace → name, a global resourceVersion
// counter, a bounded event history for watch resume, and synchronous ownerReference cascades.
//
// Cascading deletion is done by the store itself, synchronously (no separate GC controller needed):
//  - Background (default): the owner is removed at once, then its dependents are deleted (Background).
//  - Foreground: the owner gets deletionTimestamp + the `foregroundDeletion` finalizer, dependents are
//    deleted (Foreground); when the last dependent is gone the finalizer is dropped and the owner removed.
//  - Orphan: the owner's uid is removed from its dependents' ownerReferences, then the owner is deleted.
// Objects with finalizers stay (with deletionTimestamp) until an update removes the last finalizer.
import { randomUUID } from 'node:crypto';
import type { KubeObject, WatchEvent, WatchEventType } from '../../shared/kube-types.ts';
import { BUILTIN_RESOURCES, type ResourceInfo, resourcesFromCrd, typeKey } from '../resources/builtin.ts';
import { fromStorage, toStorage } from '../resources/conversion.ts';
import { applyDefaults } from '../resources/defaults.ts';
import {
  ApiStatusError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  invalid,
  notFound,
  STALE_MESSAGE,
} from './errors.ts';
import { checkImmutable, checkName } from './names.ts';
import {
  combine,
  fieldPredicate,
  labelPredicate,
  nameFromFieldSelector,
  type Predicate,
} from './selectors.ts';
import type { ListResult, ObjectStore, ResourceType, WatchHandler } from './types.ts';

export const HISTORY_LIMIT = 10_000;
const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
const NS_KEY = '/namespaces';

/** Server-side apply ownership: manager → set of field paths (JSON-encoded path arrays). */
export type FieldManagers = Record<string, string[]>;

export interface StoreSnapshot {
  resourceVersion: number;
  objects: Array<{ group: string; plural: string; object: KubeObject }>;
  managers: Record<string, FieldManagers>;
}

export interface MemoryStore extends ObjectStore {
  /** Discovery details (short names, subresources…) of a registered type. */
  resourceInfo(group: string, plural: string, version?: string): ResourceInfo | undefined;
  /** Server-side apply field ownership of an object (by uid), kept out of the object itself. */
  fieldManagers(uid: string): FieldManagers | undefined;
  setFieldManagers(uid: string, managers: FieldManagers): void;
  snapshot(): StoreSnapshot;
  /** Called after every committed write (for debounced persistence). */
  onChange(listener: () => void): () => void;
}

interface HistoryEntry {
  rv: number;
  key: string;
  type: WatchEventType;
  obj: KubeObject;
  prev: KubeObject | undefined;
}

interface Watcher {
  namespace: string | undefined;
  pred: Predicate | undefined;
  handler: WatchHandler;
}

type Locator = string; // `${key}\n${ns}\n${name}`

const clone = <T>(v: T): T => structuredClone(v);

function specPart(o: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return JSON.stringify(rest);
}

export function createMemoryStore(snapshot?: StoreSnapshot): MemoryStore {
  const infos = new Map<string, ResourceInfo[]>(); // typeKey → versions
  const objects = new Map<string, Map<string, Map<string, KubeObject>>>();
  const byUid = new Map<string, Locator>();
  const dependents = new Map<string, Set<Locator>>();
  const managers = new Map<string, FieldManagers>();
  const watchers = new Map<string, Set<Watcher>>();
  const listeners = new Set<() => void>();
  let history: HistoryEntry[] = [];
  const pending: HistoryEntry[] = [];
  let delivering = false;
  let deliveredRv = 0;
  let compactedRv = 0;
  let rv = 0;

  for (const info of BUILTIN_RESOURCES) infos.set(typeKey(info), [...(infos.get(typeKey(info)) ?? []), info]);

  const keyOf = (t: ResourceType) => typeKey(t);
  const nsOf = (t: ResourceType, ns: string | undefined) => (t.namespaced ? (ns ?? '') : '');
  const loc = (key: string, ns: string, name: string): Locator => `${key}\n${ns}\n${name}`;

  function known(t: ResourceType): string {
    const key = keyOf(t);
    if (!infos.has(key)) throw notFound(t.group, t.plural, '');
    return key;
  }

  function bucket(key: string, ns: string, create: boolean): Map<string, KubeObject> | undefined {
    let byNs = objects.get(key);
    if (!byNs) {
      if (!create) return undefined;
      byNs = new Map();
      objects.set(key, byNs);
    }
    let m = byNs.get(ns);
    if (!m && create) {
      m = new Map();
      byNs.set(ns, m);
    }
    return m;
  }

  function lookup(l: Locator): { key: string; ns: string; obj: KubeObject } | undefined {
    const [key, ns, name] = l.split('\n') as [string, string, string];
    const obj = bucket(key, ns, false)?.get(name);
    return obj ? { key, ns, obj } : undefined;
  }

  function indexOwners(l: Locator, obj: KubeObject, add: boolean): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      let set = dependents.get(ref.uid);
      if (add) {
        if (!set) {
          set = new Set();
          dependents.set(ref.uid, set);
        }
        set.add(l);
      } else if (set) {
        set.delete(l);
        if (set.size === 0) dependents.delete(ref.uid);
      }
    }
  }

  function record(key: string, type: WatchEventType, obj: KubeObject, prev?: KubeObject): void {
    const entry: HistoryEntry = { rv, key, type, obj, prev };
    history.push(entry);
    if (history.length > HISTORY_LIMIT * 1.1) {
      const drop = history.length - HISTORY_LIMIT;
      compactedRv = (history[drop - 1] as HistoryEntry).rv;
      history = history.slice(drop);
    }
    pending.push(entry);
    // A handler that writes synchronously must not let its event overtake this one for the
    // watchers not served yet: events are delivered strictly in resourceVersion order.
    if (delivering) return;
    delivering = true;
    try {
      for (let e = pending.shift(); e; e = pending.shift()) {
        deliveredRv = e.rv;
        const set = watchers.get(e.key);
        if (set) for (const w of [...set]) if (set.has(w)) deliver(w, e);
      }
    } finally {
      delivering = false;
    }
    for (const l of listeners) l();
  }

  function visible(w: Watcher, o: KubeObject | undefined): boolean {
    if (!o) return false;
    if (w.namespace && o.metadata.namespace !== w.namespace) return false;
    return !w.pred || w.pred(o);
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

  function put(key: string, ns: string, obj: KubeObject, prev: KubeObject | undefined): void {
    const name = obj.metadata.name as string;
    const l = loc(key, ns, name);
    if (prev) indexOwners(l, prev, false);
    (bucket(key, ns, true) as Map<string, KubeObject>).set(name, obj);
    byUid.set(obj.metadata.uid as string, l);
    indexOwners(l, obj, true);
    if (key === CRD_KEY) registerCrd(obj);
  }

  function registerCrd(crd: KubeObject): void {
    const list = resourcesFromCrd(crd);
    const first = list[0];
    if (first) infos.set(typeKey(first), list);
  }

  function removeNow(key: string, ns: string, obj: KubeObject): void {
    const name = obj.metadata.name as string;
    const l = loc(key, ns, name);
    bucket(key, ns, false)?.delete(name);
    byUid.delete(obj.metadata.uid as string);
    managers.delete(obj.metadata.uid as string);
    indexOwners(l, obj, false);
    rv++;
    const gone = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    record(key, 'DELETED', gone);
    if (key === CRD_KEY) {
      const list = resourcesFromCrd(obj);
      const first = list[0];
      if (first) {
        const k = typeKey(first);
        for (const [, m] of objects.get(k) ?? new Map()) {
          for (const o of [...m.values()]) removeNow(k, o.metadata.namespace ?? '', o);
        }
        infos.delete(k);
        objects.delete(k);
      }
    }
    if (key === NS_KEY) {
      for (const [k, byNs] of objects) {
        const m = byNs.get(name);
        if (m) for (const o of [...m.values()]) removeNow(k, name, o);
      }
    }
    // Background cascade to dependents.
    for (const dl of [...(dependents.get(obj.metadata.uid as string) ?? [])]) {
      const d = lookup(dl);
      if (d) deleteObject(d.key, d.ns, d.obj, 'Background');
    }
    dependents.delete(obj.metadata.uid as string);
    finishForegroundOwners(obj);
  }

  /** When a dependent disappears, a foreground-deleting owner may now be removable. */
  function finishForegroundOwners(obj: KubeObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const ol = byUid.get(ref.uid);
      const owner = ol ? lookup(ol) : undefined;
      if (!owner?.obj.metadata.deletionTimestamp) continue;
      if (!owner.obj.metadata.finalizers?.includes('foregroundDeletion')) continue;
      if (dependents.get(ref.uid)?.size) continue;
      const next = clone(owner.obj);
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
      commitUpdate(owner.key, owner.ns, next, owner.obj);
    }
  }

  /** Writes an updated object, removing it when it is being deleted and no finalizer is left. */
  function commitUpdate(key: string, ns: string, next: KubeObject, prev: KubeObject): KubeObject {
    if (next.metadata.finalizers?.length === 0) delete next.metadata.finalizers;
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      put(key, ns, next, prev);
      removeNow(key, ns, next);
      return next;
    }
    rv++;
    next.metadata.resourceVersion = String(rv);
    put(key, ns, next, prev);
    record(key, 'MODIFIED', next, prev);
    return next;
  }

  function deleteObject(
    key: string,
    ns: string,
    obj: KubeObject,
    policy: 'Background' | 'Foreground' | 'Orphan',
  ): KubeObject {
    const uid = obj.metadata.uid as string;
    const deps = [...(dependents.get(uid) ?? [])];
    if (policy === 'Orphan') {
      for (const dl of deps) {
        const d = lookup(dl);
        if (!d) continue;
        const next = clone(d.obj);
        next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
        commitUpdate(d.key, d.ns, next, d.obj);
      }
    }
    const foreground = policy === 'Foreground' && deps.length > 0;
    if (!foreground && !obj.metadata.finalizers?.length) {
      removeNow(key, ns, obj);
      return obj;
    }
    const next = clone(obj);
    next.metadata.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    next.metadata.deletionGracePeriodSeconds ??= 0;
    if (foreground && !next.metadata.finalizers?.includes('foregroundDeletion')) {
      next.metadata.finalizers = [...(next.metadata.finalizers ?? []), 'foregroundDeletion'];
    }
    const written = commitUpdate(key, ns, next, obj);
    if (foreground) {
      for (const dl of deps) {
        const d = lookup(dl);
        if (d && !d.obj.metadata.deletionTimestamp) deleteObject(d.key, d.ns, d.obj, 'Foreground');
      }
      finishForegroundOwnersOf(uid);
    }
    return written;
  }

  function finishForegroundOwnersOf(uid: string): void {
    const l = byUid.get(uid);
    const o = l ? lookup(l) : undefined;
    if (!o || dependents.get(uid)?.size) return;
    if (!o.obj.metadata.finalizers?.includes('foregroundDeletion')) return;
    const next = clone(o.obj);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
    commitUpdate(o.key, o.ns, next, o.obj);
  }

  function requireName(t: ResourceType, obj: KubeObject): string {
    const name = obj.metadata?.name;
    if (!name) {
      throw invalid(t.group, t.kind, '', [
        { field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    return name;
  }

  function checkNamespace(t: ResourceType, ns: string): void {
    if (!t.namespaced) return;
    if (!ns)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    if (!bucket(NS_KEY, '', false)?.has(ns)) throw notFound('', 'namespaces', ns);
  }

  const store: MemoryStore = {
    resourceTypes() {
      return [...infos.values()].flat();
    },
    resourceTypeFor(apiVersion, kind) {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      for (const list of infos.values()) {
        for (const i of list) if (i.group === group && i.version === version && i.kind === kind) return i;
      }
      return undefined;
    },
    resourceInfo(group, plural, version) {
      const list = infos.get(`${group}/${plural}`);
      if (!list) return undefined;
      return version ? list.find((i) => i.version === version) : list[0];
    },
    get(t, namespace, name) {
      const o = bucket(keyOf(t), nsOf(t, namespace), false)?.get(name);
      return o ? withVersion(t, clone(o)) : undefined;
    },
    list(t, options = {}) {
      const key = known(t);
      const byNs = objects.get(key);
      const pred = combine(labelPredicate(options.labelSelector), fieldPredicate(options.fieldSelector));
      const onlyName = nameFromFieldSelector(options.fieldSelector);
      let all: KubeObject[] = [];
      const maps = !byNs
        ? []
        : t.namespaced && options.namespace
          ? [byNs.get(options.namespace)].filter((m) => m !== undefined)
          : [...byNs.values()];
      for (const m of maps) {
        if (onlyName !== undefined) {
          const o = m.get(onlyName);
          if (o) all.push(o);
        } else for (const o of m.values()) all.push(o);
      }
      if (pred) all = all.filter(pred);
      // Sort once by precomputed `namespace/name` keys; continue tokens carry the last key.
      let keyed = all.map((o) => ({ k: `${o.metadata.namespace ?? ''}/${o.metadata.name}`, o }));
      keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
      if (options.continue) {
        let after: string;
        try {
          after = String(JSON.parse(Buffer.from(options.continue, 'base64url').toString()).start);
        } catch {
          throw badRequest('continue key is not valid');
        }
        let lo = 0;
        let hi = keyed.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((keyed[mid] as { k: string }).k <= after) lo = mid + 1;
          else hi = mid;
        }
        keyed = keyed.slice(lo);
      }
      const result: ListResult = { items: [], resourceVersion: String(rv) };
      let page = keyed;
      if (options.limit && options.limit > 0 && keyed.length > options.limit) {
        page = keyed.slice(0, options.limit);
        const last = page[page.length - 1] as { k: string };
        result.continue = Buffer.from(JSON.stringify({ rv, start: last.k })).toString('base64url');
      }
      result.items = page.map((e) => withVersion(t, clone(e.o)));
      return result;
    },
    create(t, input, options = {}) {
      const key = known(t);
      const obj = toStorage(t, clone(input), undefined);
      obj.metadata ??= {};
      if (!obj.metadata.name && obj.metadata.generateName) {
        obj.metadata.name = obj.metadata.generateName + randomUUID().replace(/-/g, '').slice(0, 5);
      }
      const name = requireName(t, obj);
      checkName(t, name);
      const ns = nsOf(t, obj.metadata.namespace);
      if (t.namespaced) obj.metadata.namespace = ns;
      else delete obj.metadata.namespace;
      checkNamespace(t, ns);
      if (bucket(key, ns, false)?.has(name)) throw alreadyExists(t.group, t.plural, name);
      if (obj.metadata.resourceVersion) {
        throw badRequest('resourceVersion should not be set on objects to be created');
      }
      obj.apiVersion = storageApiVersion(t);
      obj.kind = t.kind;
      obj.metadata.uid = randomUUID();
      obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      obj.metadata.generation = 1;
      delete obj.metadata.deletionTimestamp;
      delete obj.metadata.managedFields;
      applyDefaults(t.group, t.kind, obj, true);
      if (key === CRD_KEY) markCrdEstablished(obj);
      if (options.dryRun) {
        obj.metadata.resourceVersion = String(rv);
        return withVersion(t, clone(obj));
      }
      rv++;
      obj.metadata.resourceVersion = String(rv);
      put(key, ns, obj, undefined);
      record(key, 'ADDED', obj);
      return withVersion(t, clone(obj));
    },
    update(t, input, options = {}) {
      const key = known(t);
      const name = requireName(t, input);
      const ns = nsOf(t, input.metadata.namespace);
      const prev = bucket(key, ns, false)?.get(name);
      if (!prev) throw notFound(t.group, t.plural, name);
      input = toStorage(t, input, prev);
      const expectRv = options.resourceVersion ?? input.metadata.resourceVersion;
      if (expectRv && expectRv !== prev.metadata.resourceVersion) {
        throw conflict(t.group, t.plural, name, STALE_MESSAGE);
      }
      const info = store.resourceInfo(t.group, t.plural);
      const hasStatus = info?.subresources.includes('status') ?? false;
      let next: KubeObject;
      if (options.subresource === 'status') {
        next = clone(prev);
        if (input.status === undefined) delete next.status;
        else next.status = clone(input.status);
      } else {
        next = clone(input);
        next.metadata = { ...clone(input.metadata) };
        if (hasStatus) {
          if (prev.status === undefined) delete next.status;
          else next.status = clone(prev.status);
        }
        // Server-owned metadata cannot be changed by a client.
        next.metadata.uid = prev.metadata.uid as string;
        next.metadata.creationTimestamp = prev.metadata.creationTimestamp as string;
        if (prev.metadata.deletionTimestamp) {
          next.metadata.deletionTimestamp = prev.metadata.deletionTimestamp;
          next.metadata.deletionGracePeriodSeconds = prev.metadata.deletionGracePeriodSeconds ?? 0;
        } else {
          delete next.metadata.deletionTimestamp;
          delete next.metadata.deletionGracePeriodSeconds;
        }
        delete next.metadata.managedFields;
        if (t.namespaced) next.metadata.namespace = ns;
        else delete next.metadata.namespace;
        checkImmutable(t, prev, next);
        applyDefaults(t.group, t.kind, next, false);
        if (t.group === '' && t.kind === 'Service') {
          const ps = prev.spec as Record<string, unknown> | undefined;
          const s = next.spec as Record<string, unknown> | undefined;
          if (s && ps && (s.clusterIP === undefined || s.clusterIP === '')) {
            s.clusterIP = ps.clusterIP;
            s.clusterIPs = ps.clusterIPs;
          }
        }
        if (key === CRD_KEY) markCrdEstablished(next);
      }
      next.apiVersion = storageApiVersion(t);
      next.kind = t.kind;
      const gen = prev.metadata.generation ?? 1;
      next.metadata.generation = specPart(next) !== specPart(prev) ? gen + 1 : gen;
      if (options.dryRun) {
        next.metadata.resourceVersion = prev.metadata.resourceVersion as string;
        return withVersion(t, clone(next));
      }
      return withVersion(t, clone(commitUpdate(key, ns, next, prev)));
    },
    delete(t, namespace, name, options = {}) {
      const key = known(t);
      const ns = nsOf(t, namespace);
      const obj = bucket(key, ns, false)?.get(name);
      if (!obj) throw notFound(t.group, t.plural, name);
      if (options.dryRun) return withVersion(t, clone(obj));
      return withVersion(t, clone(deleteObject(key, ns, obj, options.propagationPolicy ?? 'Background')));
    },
    watch(t, options, handler) {
      const key = known(t);
      const w: Watcher = {
        namespace: t.namespaced ? options.namespace : undefined,
        pred: combine(labelPredicate(options.labelSelector), fieldPredicate(options.fieldSelector)),
        handler: (e) => handler({ type: e.type, object: withVersion(t, e.object) }),
      };
      const from = options.resourceVersion;
      if (from === undefined || from === '' || from === '0') {
        for (const m of objects.get(key)?.values() ?? []) {
          for (const o of m.values()) {
            if (visible(w, o)) w.handler({ type: 'ADDED', object: clone(o) });
          }
        }
      } else {
        const n = Number(from);
        if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resourceVersion "${from}"`);
        if (n < compactedRv) throw expired(`too old resource version: ${n} (${compactedRv + 1})`);
        // History is ordered by rv: binary search for the first entry after n.
        let lo = 0;
        let hi = history.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((history[mid] as HistoryEntry).rv <= n) lo = mid + 1;
          else hi = mid;
        }
        // Events still queued for delivery reach this watcher through the delivery loop.
        for (let i = lo; i < history.length && (history[i] as HistoryEntry).rv <= deliveredRv; i++) {
          const e = history[i] as HistoryEntry;
          if (e.key === key) deliver(w, e);
        }
      }
      let set = watchers.get(key);
      if (!set) {
        set = new Set();
        watchers.set(key, set);
      }
      set.add(w);
      return () => {
        watchers.get(key)?.delete(w);
      };
    },
    currentResourceVersion() {
      return String(rv);
    },
    fieldManagers(uid) {
      const m = managers.get(uid);
      return m ? clone(m) : undefined;
    },
    setFieldManagers(uid, m) {
      if (byUid.has(uid)) managers.set(uid, clone(m));
    },
    snapshot() {
      const out: StoreSnapshot = { resourceVersion: rv, objects: [], managers: {} };
      // CRDs first so that loading registers their kinds before their objects arrive.
      const keys = [...objects.keys()].sort((a, b) => (a === CRD_KEY ? -1 : b === CRD_KEY ? 1 : 0));
      for (const key of keys) {
        const [group, plural] = key.split('/') as [string, string];
        for (const m of objects.get(key)?.values() ?? []) {
          for (const o of m.values()) out.objects.push({ group, plural, object: clone(o) });
        }
      }
      for (const [uid, m] of managers) out.managers[uid] = clone(m);
      return out;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  function withVersion(t: ResourceType, o: KubeObject): KubeObject {
    return fromStorage(t, o);
  }

  /** Objects are stored in the first registered version of their type. */
  function storageApiVersion(t: ResourceType): string {
    const v = infos.get(keyOf(t))?.[0]?.version ?? t.version;
    return t.group ? `${t.group}/${v}` : v;
  }

  function markCrdEstablished(crd: KubeObject): void {
    const spec = (crd.spec ?? {}) as Record<string, unknown>;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    crd.status = {
      acceptedNames: spec.names ?? {},
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: now,
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: now,
        },
      ],
      storedVersions: ((spec.versions ?? []) as Array<Record<string, unknown>>)
        .filter((v) => v.storage)
        .map((v) => v.name),
    };
  }

  if (snapshot) {
    for (const { group, plural, object } of snapshot.objects) {
      const key = `${group}/${plural}`;
      put(key, object.metadata.namespace ?? '', clone(object), undefined);
    }
    for (const [uid, m] of Object.entries(snapshot.managers)) managers.set(uid, m);
    rv = snapshot.resourceVersion;
    compactedRv = rv;
    deliveredRv = rv;
  } else {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      store.create(BUILTIN_RESOURCES[0] as ResourceInfo, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  }
  return store;
}

export { ApiStatusError };
