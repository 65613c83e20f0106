// Strategic merge patch for the built-in kinds: lists with a merge key merge per element, `null`
// deletes, and the directives `$patch` (replace|delete|merge), `$setElementOrder/<list>`,
// `$retainKeys` and `$deleteFromPrimitiveList/<list>` work as in apimachinery.
import { ApiStatusError } from '../store/errors.ts';
import { deepEqual, isObject, type Json, type JsonObject, type ListMerge, listMerge } from './merge-keys.ts';

const ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Removes directive keys from a patch fragment that lands where nothing existed before. */
function strip(v: Json): Json {
  if (Array.isArray(v)) return v.filter((e) => !(isObject(e) && e.$patch === 'delete')).map(strip);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$') || x === null) continue;
    out[k] = strip(x);
  }
  return out;
}

export function applyStrategicMergePatch(original: JsonObject, patch: JsonObject, kind: string): JsonObject {
  if (!isObject(patch))
    throw new ApiStatusError(400, 'BadRequest', 'strategic merge patch must be a JSON object');
  return mergeMap(original, patch, kind, []) ?? {};
}

function mergeMap(
  orig: Json | undefined,
  patch: JsonObject,
  kind: string,
  parents: string[],
): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return strip(patch) as JsonObject;
  const out: JsonObject = isObject(orig) ? { ...orig } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
    } else if (isObject(v)) {
      const merged = mergeMap(out[k], v, kind, [...parents, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, listMerge(kind, parents, k), kind, [...parents, k]);
    } else {
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE) && Array.isArray(v)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(ORDER) && Array.isArray(v)) {
      const field = k.slice(ORDER.length);
      const cur = out[field];
      const lm = listMerge(kind, parents, field);
      if (Array.isArray(cur)) out[field] = reorder(cur, v, lm);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function sameKey(a: Json, b: Json, key: string): boolean {
  return isObject(a) && isObject(b) && a[key] !== undefined && deepEqual(a[key], b[key]);
}

function mergeList(
  orig: Json | undefined,
  patch: Json[],
  lm: ListMerge,
  kind: string,
  path: string[],
): Json[] {
  if (!lm) return strip(patch) as Json[];
  const base = Array.isArray(orig) ? [...orig] : [];
  if ('primitive' in lm) {
    if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
      return patch.filter((e) => !isObject(e));
    }
    for (const v of patch) if (!base.some((b) => deepEqual(b, v))) base.push(v);
    return base;
  }
  if (patch.some((e) => isObject(e) && e.$patch === 'replace' && Object.keys(e).length === 1)) {
    return strip(patch.filter((e) => !(isObject(e) && e.$patch === 'replace'))) as Json[];
  }
  let out = base;
  for (const el of patch) {
    if (!isObject(el)) {
      out.push(el);
      continue;
    }
    if (el[lm.key] === undefined) {
      throw new ApiStatusError(
        400,
        'BadRequest',
        `map: ${JSON.stringify(el)} does not contain declared merge key: ${lm.key}`,
      );
    }
    const idx = out.findIndex((o) => sameKey(o, el, lm.key));
    if (el.$patch === 'delete') {
      out = out.filter((o) => !sameKey(o, el, lm.key));
      continue;
    }
    const merged = mergeMap(idx >= 0 ? out[idx] : undefined, el, kind, path);
    if (merged === undefined) out = out.filter((o) => !sameKey(o, el, lm.key));
    else if (idx >= 0) out[idx] = merged;
    else out.push(merged);
  }
  return out;
}

/** `$setElementOrder`: listed elements first in the given order, the rest after in their order. */
function reorder(list: Json[], order: Json[], lm: ListMerge): Json[] {
  const used = new Set<number>();
  const out: Json[] = [];
  for (const o of order) {
    const i = list.findIndex(
      (x, j) => !used.has(j) && (lm && 'key' in lm ? sameKey(x, o, lm.key) : deepEqual(x, o)),
    );
    if (i >= 0) {
      used.add(i);
      out.push(list[i] as Json);
    }
  }
  list.forEach((x, j) => {
    if (!used.has(j)) out.push(x);
  });
  return out;
}
