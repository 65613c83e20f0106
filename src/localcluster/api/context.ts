// What the resource handlers share: the store, the injected validator and log provider, and
// server-side-apply field ownership (kept in the store when it supports it).
import type { KubeObject } from '../../shared/kube-types.ts';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../resources/builtin.ts';
import {
  type FieldManagers,
  type ManagedFieldsEntry,
  type ManagerStamps,
  renderManagedFields,
} from '../store/managed-fields.ts';
import type { MemoryStore } from '../store/memory-store.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  previous?: boolean;
}

/** Log content of one container: a whole text, or chunks while following (ends when the iterator does). */
export type LogsProvider = (
  namespace: string,
  pod: string,
  container: string,
  options: LogOptions,
) => string | Promise<string> | AsyncIterable<string | Uint8Array>;

export type Validator = (obj: KubeObject) => Array<{ path: string; message: string }>;

export interface HandlerContext {
  store: ObjectStore;
  validate: Validator | undefined;
  logs: LogsProvider | undefined;
  infoOf(t: ResourceType): ResourceInfo;
  managersOf(uid: string): FieldManagers;
  stampsOf(uid: string): ManagerStamps;
  /**
   * Stores new ownership. `writer` (the manager key that wrote, and whether the object changed)
   * gets a fresh time; `base` replaces the stamps of the others (ownership a client wrote itself).
   */
  setManagers(uid: string, m: FieldManagers, writer?: Writer, base?: ManagerStamps): void;
  /** metadata.managedFields of an object, as the API server returns them. */
  managedFieldsOf(uid: string): ManagedFieldsEntry[];
  /** The object as a client reads it: with its managedFields. */
  present(obj: KubeObject): KubeObject;
  /** All registered types with discovery details. */
  infos(): ResourceInfo[];
}

export interface Writer {
  /** `apply:<manager>` or `update:<manager>`, as patch/apply.ts keys ownership. */
  key: string;
  apiVersion: string;
  /** Whether the write changed the object (an unchanged manager keeps its time). */
  changed: boolean;
}

const nowSeconds = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function createContext(
  store: ObjectStore,
  validate: Validator | undefined,
  logs: LogsProvider | undefined,
): HandlerContext {
  const mem = store as Partial<MemoryStore>;
  const local = new Map<string, FieldManagers>();
  const localStamps = new Map<string, ManagerStamps>();
  const managersOf = (uid: string) => (mem.fieldManagers ? mem.fieldManagers(uid) : local.get(uid)) ?? {};
  const stampsOf = (uid: string) => (mem.managerStamps ? mem.managerStamps(uid) : localStamps.get(uid)) ?? {};
  const managedFieldsOf = (uid: string) => renderManagedFields(managersOf(uid), stampsOf(uid));
  const builtin = new Map(BUILTIN_RESOURCES.map((r) => [`${r.group}/${r.plural}`, r]));
  const infoOf = (t: ResourceType): ResourceInfo => {
    const known = mem.resourceInfo?.(t.group, t.plural, t.version) ?? builtin.get(`${t.group}/${t.plural}`);
    if (known) return known;
    const r = t as Partial<ResourceInfo>;
    return {
      ...t,
      singular: r.singular ?? t.kind.toLowerCase(),
      subresources: r.subresources ?? [],
      custom: true,
    };
  };
  return {
    store,
    validate,
    logs,
    infoOf,
    infos: () => store.resourceTypes().map(infoOf),
    managersOf,
    stampsOf,
    setManagers: (uid, m, writer, base) => {
      const before = managersOf(uid);
      const old = base ?? stampsOf(uid);
      const now = nowSeconds();
      const stamps: ManagerStamps = {};
      for (const k of Object.keys(m)) {
        const same = JSON.stringify(before[k] ?? null) === JSON.stringify(m[k]);
        const prev = old[k];
        if (prev && !(k === writer?.key && (writer.changed || !same))) stamps[k] = prev;
        else stamps[k] = { time: now, apiVersion: writer?.apiVersion ?? prev?.apiVersion ?? '' };
      }
      if (mem.setFieldManagers) mem.setFieldManagers(uid, m, stamps);
      else {
        local.set(uid, m);
        localStamps.set(uid, stamps);
      }
    },
    managedFieldsOf,
    present: (obj) => {
      const uid = obj.metadata?.uid;
      const entries = uid ? managedFieldsOf(uid) : [];
      if (!entries.length) return obj;
      return { ...obj, metadata: { ...obj.metadata, managedFields: entries } };
    },
  };
}
