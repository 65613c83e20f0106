// metadata.managedFields as the API server shows them, built from the store's field ownership: one
// entry per manager and operation (Apply / Update) with the apiVersion it wrote through, the time
// of its last change and its fields as FieldsV1. Ownership is kept as sets of paths (see
// patch/apply.ts); FieldsV1 is the same information as a tree whose keys are the path segments and
// where "." marks a node that is itself owned (an element of an associative list).

/** Server-side apply ownership: manager key (`apply:<name>` / `update:<name>`) → field paths. */
export type FieldManagers = Record<string, string[]>;

export interface ManagerStamp {
  time: string;
  apiVersion: string;
  subresource?: string;
}
export type ManagerStamps = Record<string, ManagerStamp>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

type Tree = { [segment: string]: Tree };

export function toFieldsV1(paths: string[]): Tree {
  const root: Tree = {};
  const parsed = paths.map((p) => JSON.parse(p) as string[]);
  const owned = new Set(paths);
  for (const path of parsed) {
    let node = root;
    for (const seg of path) {
      node[seg] ??= {};
      node = node[seg] as Tree;
    }
  }
  // A node that is owned and has children (a list element with fields) gets ".".
  const mark = (node: Tree, path: string[]) => {
    const keys = Object.keys(node);
    if (keys.length && path.length && owned.has(JSON.stringify(path))) node['.'] = {};
    for (const k of keys) mark(node[k] as Tree, [...path, k]);
  };
  mark(root, []);
  return root;
}

export function fromFieldsV1(tree: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    const keys = Object.keys(node);
    if (path.length && (keys.length === 0 || keys.includes('.'))) out.push(JSON.stringify(path));
    for (const k of keys) if (k !== '.') walk((node as Record<string, unknown>)[k], [...path, k]);
  };
  walk(tree, []);
  return out;
}

/** The entries in the API server's order: Apply first, then by time, manager, subresource. */
export function renderManagedFields(m: FieldManagers, stamps: ManagerStamps): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const [key, paths] of Object.entries(m)) {
    if (!paths.length) continue;
    const [op, ...rest] = key.split(':');
    const s = stamps[key] ?? { time: '', apiVersion: '' };
    const e: ManagedFieldsEntry = {
      manager: rest.join(':'),
      operation: op === 'apply' ? 'Apply' : 'Update',
      apiVersion: s.apiVersion,
      time: s.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(paths),
    };
    if (s.subresource) e.subresource = s.subresource;
    out.push(e);
  }
  return out.sort(
    (a, b) =>
      (a.operation === b.operation ? 0 : a.operation === 'Apply' ? -1 : 1) ||
      a.time.localeCompare(b.time) ||
      a.manager.localeCompare(b.manager) ||
      (a.subresource ?? '').localeCompare(b.subresource ?? ''),
  );
}

/**
 * Ownership a client wrote itself (kubectl's client-side → server-side migration does that with a
 * JSON patch). Undefined when the value is not a list of entries; an empty result resets ownership.
 */
export function parseManagedFields(
  value: unknown,
): { managers: FieldManagers; stamps: ManagerStamps } | undefined {
  if (!Array.isArray(value)) return undefined;
  const managers: FieldManagers = {};
  const stamps: ManagerStamps = {};
  for (const e of value as Array<Partial<ManagedFieldsEntry>>) {
    if (!e || typeof e !== 'object' || typeof e.manager !== 'string') continue;
    const key = `${e.operation === 'Apply' ? 'apply' : 'update'}:${e.manager}`;
    managers[key] = [...new Set([...(managers[key] ?? []), ...fromFieldsV1(e.fieldsV1)])];
    const t = Date.parse(String(e.time ?? ''));
    // Clients re-serialise the time (Python writes +00:00): keep the API server's form.
    const time = Number.isNaN(t) ? '' : new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
    const s: ManagerStamp = { time, apiVersion: String(e.apiVersion ?? '') };
    if (e.subresource) s.subresource = e.subresource;
    stamps[key] = s;
  }
  return { managers, stamps };
}

/** Whether two ownership records say the same (path order and time format aside). */
export function sameOwnership(
  a: { managers: FieldManagers; stamps: ManagerStamps },
  b: { managers: FieldManagers; stamps: ManagerStamps },
): boolean {
  const canon = (o: { managers: FieldManagers; stamps: ManagerStamps }) =>
    JSON.stringify(
      Object.keys(o.managers)
        .filter((k) => o.managers[k]?.length)
        .sort()
        .map((k) => [
          k,
          [...(o.managers[k] ?? [])].sort(),
          o.stamps[k]?.time ?? '',
          o.stamps[k]?.apiVersion ?? '',
        ]),
    );
  return canon(a) === canon(b);
}
