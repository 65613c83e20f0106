// Server-side apply: field ownership per manager, conflicts, and removal of fields a manager stops
// applying. Ownership is a set of field paths per manager; a path is a list of segments:
// `f:<field>`, `k:<json merge key>` (an element of an associative list) or `v:<json>` (a set member).
// Apply managers are stored as `apply:<name>`, other writers as `update:<name>`.
import type { FieldManagers } from '../store/managed-fields.ts';
import { deepEqual, isObject, type Json, type JsonObject, listMerge } from './merge-keys.ts';

/** Fields never owned: identity and server-set metadata, and status (owned via /status only). */
const METADATA_OWNED = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

export function fieldSet(obj: JsonObject, kind: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata') {
      if (!isObject(v)) continue;
      for (const [mk, mv] of Object.entries(v)) {
        if (METADATA_OWNED.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata'], mk, kind, out);
      }
      continue;
    }
    walk(v, [`f:${k}`], [], k, kind, out);
  }
  return out;
}

function walk(
  v: Json,
  path: string[],
  parents: string[],
  field: string,
  kind: string | undefined,
  out: Set<string>,
): void {
  if (v === null || v === undefined) return;
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) out.add(JSON.stringify(path));
    for (const k of keys) walk(v[k] as Json, [...path, `f:${k}`], [...parents, field], k, kind, out);
    return;
  }
  if (Array.isArray(v)) {
    const lm = listMerge(kind, parents, field);
    if (lm && 'key' in lm) {
      for (const el of v) {
        if (!isObject(el) || el[lm.key] === undefined) continue;
        const seg = `k:${JSON.stringify({ [lm.key]: el[lm.key] })}`;
        out.add(JSON.stringify([...path, seg]));
        for (const [ek, ev] of Object.entries(el)) {
          walk(ev as Json, [...path, seg, `f:${ek}`], [...parents, field], ek, kind, out);
        }
      }
      return;
    }
    if (lm && 'primitive' in lm) {
      for (const el of v) out.add(JSON.stringify([...path, `v:${JSON.stringify(el)}`]));
      return;
    }
  }
  out.add(JSON.stringify(path));
}

function step(cur: Json | undefined, seg: string): Json | undefined {
  if (cur === undefined || cur === null) return undefined;
  const tag = seg.slice(0, 2);
  const rest = seg.slice(2);
  if (tag === 'f:') return isObject(cur) ? cur[rest] : undefined;
  if (!Array.isArray(cur)) return undefined;
  const want = JSON.parse(rest) as Json;
  if (tag === 'v:') return cur.find((x) => deepEqual(x, want));
  const [[k, val]] = Object.entries(want as JsonObject) as [[string, Json]];
  return cur.find((x) => isObject(x) && deepEqual(x[k], val));
}

export function valueAt(obj: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const seg of path) cur = step(cur, seg);
  return cur;
}

function removeAt(obj: JsonObject, path: string[]): void {
  const parents: Json[] = [obj];
  let cur: Json | undefined = obj;
  for (const seg of path.slice(0, -1)) {
    cur = step(cur, seg);
    if (cur === undefined) return;
    parents.push(cur);
  }
  const last = path[path.length - 1] as string;
  const container = parents[parents.length - 1] as Json;
  const target = step(container, last);
  if (target === undefined) return;
  if (last.startsWith('f:') && isObject(container)) delete container[last.slice(2)];
  else if (Array.isArray(container)) container.splice(container.indexOf(target), 1);
  // Prune maps and lists the removal left empty (Kubernetes drops them when nobody owns them).
  for (let i = parents.length - 1; i > 0; i--) {
    const p = parents[i] as Json;
    const empty = (isObject(p) && Object.keys(p).length === 0) || (Array.isArray(p) && p.length === 0);
    if (!empty) break;
    const up = parents[i - 1] as Json;
    const seg = path[i - 1] as string;
    if (seg.startsWith('f:') && isObject(up)) delete up[seg.slice(2)];
    else if (Array.isArray(up)) up.splice(up.indexOf(p), 1);
  }
}

/** Merges an applied configuration into the live object (associative lists per key). */
export function mergeApplied(
  live: Json | undefined,
  applied: Json,
  kind: string | undefined,
  parents: string[],
  field: string,
): Json {
  if (isObject(applied)) {
    const out: JsonObject = isObject(live) ? { ...live } : {};
    const here = field ? [...parents, field] : parents;
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) continue;
      out[k] = mergeApplied(out[k], v, kind, here, k);
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const lm = listMerge(kind, parents, field);
    if (lm && 'key' in lm && Array.isArray(live)) {
      const out = [...live];
      for (const el of applied) {
        const i = isObject(el) ? out.findIndex((x) => isObject(x) && deepEqual(x[lm.key], el[lm.key])) : -1;
        if (i >= 0) out[i] = mergeApplied(out[i], el, kind, [...parents, field], '');
        else out.push(el);
      }
      return out;
    }
    if (lm && 'primitive' in lm && Array.isArray(live)) {
      const out = [...live];
      for (const el of applied) if (!out.some((x) => deepEqual(x, el))) out.push(el);
      return out;
    }
  }
  return structuredClone(applied);
}

export interface ApplyConflict {
  manager: string;
  field: string;
}

export interface ApplyResult {
  object: JsonObject;
  managers: FieldManagers;
  conflicts: ApplyConflict[];
}

/** `.spec.template.spec.containers[name="app"].image`, the way Kubernetes names a field. */
export function describePath(path: string[]): string {
  let s = '';
  for (const seg of path) {
    const rest = seg.slice(2);
    if (seg.startsWith('f:')) s += `.${rest}`;
    else if (seg.startsWith('v:')) s += `[${rest}]`;
    else {
      const [[k, v]] = Object.entries(JSON.parse(rest) as JsonObject) as [[string, Json]];
      s += `[${k}=${JSON.stringify(v)}]`;
    }
  }
  return s;
}

/**
 * Applies `applied` as `manager` onto `live` (undefined on create). Conflicts are returned, not
 * thrown, so the caller builds the Status; with `force` they are resolved by taking ownership.
 */
export function serverSideApply(
  live: JsonObject | undefined,
  applied: JsonObject,
  manager: string,
  previous: FieldManagers,
  kind: string | undefined,
  force: boolean,
): ApplyResult {
  const me = `apply:${manager}`;
  const mine = fieldSet(applied, kind);
  const managers: FieldManagers = {};
  for (const [m, fields] of Object.entries(previous)) managers[m] = [...fields];
  // kubectl migrates client-side-apply ownership to its server-side manager when it switches
  // (csaupgrade, a JSON patch of managedFields after the apply); do it here as well so that the
  // apply itself does not conflict with the fields kubectl's own client-side apply set.
  const csa = managers['update:kubectl-client-side-apply'];
  if (manager === 'kubectl' && csa) {
    managers[me] = [...new Set([...(managers[me] ?? []), ...csa])];
    delete managers['update:kubectl-client-side-apply'];
  }
  const conflicts: ApplyConflict[] = [];
  if (live) {
    for (const [m, fields] of Object.entries(managers)) {
      if (m === me) continue;
      for (const f of fields) {
        if (!mine.has(f)) continue;
        const path = JSON.parse(f) as string[];
        if (path[path.length - 1]?.startsWith('k:')) continue;
        const liveV = valueAt(live, path);
        if (liveV !== undefined && !deepEqual(liveV, valueAt(applied, path))) {
          conflicts.push({ manager: m.replace(/^(apply|update):/, ''), field: describePath(path) });
        }
      }
    }
  }
  if (conflicts.length && !force) return { object: live ?? applied, managers: previous, conflicts };
  if (force) {
    for (const m of Object.keys(managers)) {
      if (m === me) continue;
      const kept = (managers[m] ?? []).filter((f) => {
        if (!mine.has(f) || !live) return true;
        const p = JSON.parse(f) as string[];
        return deepEqual(valueAt(live, p), valueAt(applied, p));
      });
      managers[m] = kept;
    }
  }
  const { metadata: appliedMeta, ...appliedRest } = applied;
  let object = (
    live ? mergeApplied(live, appliedRest, kind, [], '') : structuredClone(applied)
  ) as JsonObject;
  if (live && isObject(appliedMeta)) {
    const meta = { ...(object.metadata as JsonObject) };
    for (const k of METADATA_OWNED) {
      if (appliedMeta[k] !== undefined)
        meta[k] = mergeApplied(meta[k], appliedMeta[k] as Json, kind, ['metadata'], k);
    }
    object = { ...object, metadata: meta };
  }
  // Fields this manager applied before but no longer does, owned by nobody else, are removed.
  const others = new Set<string>();
  for (const [m, fields] of Object.entries(managers)) if (m !== me) for (const f of fields) others.add(f);
  const dropped = (managers[me] ?? []).filter((f) => !mine.has(f) && !others.has(f));
  dropped.sort((a, b) => b.length - a.length);
  for (const f of dropped) removeAt(object, JSON.parse(f) as string[]);
  managers[me] = [...mine];
  for (const m of Object.keys(managers)) if (managers[m]?.length === 0) delete managers[m];
  return { object, managers, conflicts: [] };
}

/** A non-apply write (PUT, patch) by `manager` takes ownership of the fields it changed. */
export function recordUpdate(
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
  previous: FieldManagers,
  kind: string | undefined,
): FieldManagers {
  const now = fieldSet(after, kind);
  const changed = new Set<string>();
  for (const f of now) {
    const p = JSON.parse(f) as string[];
    if (!before || !deepEqual(valueAt(before, p), valueAt(after, p))) changed.add(f);
  }
  const me = `update:${manager}`;
  const out: FieldManagers = {};
  for (const [m, fields] of Object.entries(previous)) {
    const kept = fields.filter((f) => now.has(f) && (m === me || !changed.has(f)));
    if (kept.length) out[m] = kept;
  }
  if (changed.size) out[me] = [...new Set([...(out[me] ?? []), ...changed])];
  return out;
}
