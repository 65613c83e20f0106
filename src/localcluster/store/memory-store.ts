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
import type { KubeObject } from '../../shared/kube-types.ts';
import { BUILTIN_RESOURCES, type ResourceInfo, resourcesFromCrd, typeKey } from '../resources/builtin.ts';
import { fromStorage, toStorage } from '../resources/conversion.ts';
import { applyDefaults } from '../resources/defaults.ts';
import { ApiStatusError, alreadyExists, badRequest, conflict, notFound, STALE_MESSAGE } from './errors.ts';
import { nextGeneration, tracksGeneration } from './generation.ts';
import type { FieldManagers, ManagerStamps } from './managed-fields.ts';
import { checkName, requireName } from './names.ts';
import { ObjectIndex } from './object-index.ts';
import { OwnershipTable } from './ownership.ts';
import { paginate } from './paging.ts';
import { combine, fieldPredicate, labelPredicate, nameFromFieldSelector } from './selectors.ts';
import type { ListResult, ObjectStore, ResourceType } from './types.ts';
import { markCrdEstablished, prepareReplacement } from './update-rules.ts';
import { HISTORY_LIMIT, type Watcher, WatchHub } from './watch-hub.ts';

export type { FieldManagers, ManagerStamps };
export { HISTORY_LIMIT };

const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
const NS_KEY = '/namespaces';

export interface StoreSnapshot {
  resourceVersion: number;
  objects: Array<{ group: string; plural: string; object: KubeObject }>;
  managers: Record<string, FieldManagers>;
  /** When and through which apiVersion each manager last wrote (absent in older snapshots). */
  stamps?: Record<string, ManagerStamps>;
}

export interface MemoryStore extends ObjectStore {
  /** Discovery details (short names, subresources…) of a registered type. */
  resourceInfo(group: string, plural: string, version?: string): ResourceInfo | undefined;
  /** Server-side apply field ownership of an object (by uid), kept out of the object itself. */
  fieldManagers(uid: string): FieldManagers | undefined;
  managerStamps(uid: string): ManagerStamps | undefined;
  setFieldManagers(uid: string, managers: FieldManagers, stamps?: ManagerStamps): void;
  snapshot(): StoreSnapshot;
  /** Called after every committed write (for debounced persistence). */
  onChange(listener: () => void): () => void;
}

const clone = <T>(v: T): T => structuredClone(v);

export function createMemoryStore(snapshot?: StoreSnapshot): MemoryStore {
  const infos = new Map<string, ResourceInfo[]>(); // typeKey → versions
  const idx = new ObjectIndex();
  const { objects, byUid, dependents } = idx;
  const bucket = idx.bucket.bind(idx);
  const lookup = idx.lookup.bind(idx);
  const owners = new OwnershipTable();
  const hub = new WatchHub();
  const listeners = new Set<() => void>();
  let rv = 0;

  for (const info of BUILTIN_RESOURCES) infos.set(typeKey(info), [...(infos.get(typeKey(info)) ?? []), info]);

  const keyOf = (t: ResourceType) => typeKey(t);
  const nsOf = (t: ResourceType, ns: string | undefined) => (t.namespaced ? (ns ?? '') : '');

  function known(t: ResourceType): string {
    const key = keyOf(t);
    if (!infos.has(key)) throw notFound(t.group, t.plural, '');
    return key;
  }

  function record(key: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject, prev?: KubeObject) {
    hub.record(rv, key, type, obj, prev);
    for (const l of listeners) l();
  }

  function put(key: string, ns: string, obj: KubeObject, prev: KubeObject | undefined): void {
    idx.put(key, ns, obj, prev);
    if (key === CRD_KEY) registerCrd(obj);
  }

  function registerCrd(crd: KubeObject): void {
    const list = resourcesFromCrd(crd);
    const first = list[0];
    if (first) infos.set(typeKey(first), list);
  }

  function removeNow(key: string, ns: string, obj: KubeObject): void {
    const name = obj.metadata.name as string;
    idx.remove(key, ns, obj);
    owners.forget(obj.metadata.uid as string);
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
      if (options.filter) all = all.filter(options.filter);
      const { page, continue: cont } = paginate(all, options, rv);
      const result: ListResult = { items: [], resourceVersion: String(rv) };
      if (cont) result.continue = cont;
      result.items = page.map((o) => withVersion(t, options.readOnly ? { ...o } : clone(o)));
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
      if (tracksGeneration(store.resourceInfo(t.group, t.plural) ?? t)) obj.metadata.generation = 1;
      else delete obj.metadata.generation;
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
        // The Deployment status strategy keeps the written metadata but labels: its controller
        // sets the revision annotation this way, without bumping the generation.
        if (t.group === 'apps' && t.kind === 'Deployment') {
          if (input.metadata.annotations) next.metadata.annotations = clone(input.metadata.annotations);
          else delete next.metadata.annotations;
        }
      } else {
        next = prepareReplacement(t, prev, input, hasStatus, ns);
        if (key === CRD_KEY) markCrdEstablished(next);
      }
      next.apiVersion = storageApiVersion(t);
      next.kind = t.kind;
      if (!tracksGeneration(info ?? t)) delete next.metadata.generation;
      else if (options.subresource === 'status') next.metadata.generation = prev.metadata.generation ?? 1;
      else next.metadata.generation = nextGeneration(t, prev, next);
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
      const current = function* () {
        for (const m of objects.get(key)?.values() ?? []) yield* m.values();
      };
      return hub.subscribe(key, w, options.resourceVersion, current);
    },
    currentResourceVersion() {
      return String(rv);
    },
    fieldManagers: (uid) => owners.managersOf(uid),
    managerStamps: (uid) => owners.stampsOf(uid),
    setFieldManagers(uid, m, st) {
      if (byUid.has(uid)) owners.set(uid, m, st);
    },
    snapshot() {
      const out: StoreSnapshot = { resourceVersion: rv, objects: [], ...owners.save() };
      // CRDs first so that loading registers their kinds before their objects arrive.
      const keys = [...objects.keys()].sort((a, b) => (a === CRD_KEY ? -1 : b === CRD_KEY ? 1 : 0));
      for (const key of keys) {
        const [group, plural] = key.split('/') as [string, string];
        for (const m of objects.get(key)?.values() ?? []) {
          // Not copied: the one caller serializes the snapshot at once, and stored objects are
          // replaced, never changed in place.
          for (const o of m.values()) out.objects.push({ group, plural, object: o });
        }
      }
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

  if (snapshot) {
    for (const { group, plural, object } of snapshot.objects) {
      const key = `${group}/${plural}`;
      put(key, object.metadata.namespace ?? '', clone(object), undefined);
    }
    owners.load(snapshot.managers, snapshot.stamps);
    rv = snapshot.resourceVersion;
    hub.startAt(rv);
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
