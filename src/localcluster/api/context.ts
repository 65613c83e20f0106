// What the resource handlers share: the store, the injected validator and log provider, and
// server-side-apply field ownership (kept in the store when it supports it).
import type { KubeObject } from '../../shared/kube-types.ts';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../resources/builtin.ts';
import type { FieldManagers, MemoryStore } from '../store/memory-store.ts';
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
  setManagers(uid: string, m: FieldManagers): void;
  /** All registered types with discovery details. */
  infos(): ResourceInfo[];
}

export function createContext(
  store: ObjectStore,
  validate: Validator | undefined,
  logs: LogsProvider | undefined,
): HandlerContext {
  const mem = store as Partial<MemoryStore>;
  const local = new Map<string, FieldManagers>();
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
    managersOf: (uid) => (mem.fieldManagers ? mem.fieldManagers(uid) : local.get(uid)) ?? {},
    setManagers: (uid, m) => {
      if (mem.setFieldManagers) mem.setFieldManagers(uid, m);
      else local.set(uid, m);
    },
  };
}
