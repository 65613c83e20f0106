// Helm's coalesce rules for values layers, as a pure function. Generic deep-merge libraries
// concatenate lists and keep nulls; Helm does neither.

type Dict = Record<string, unknown>;

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `overlay` over `base`, as Helm coalesces user values over chart defaults: maps merge recursively;
 * lists, scalars and null replace whatever was there; a `null` in the overlay deletes the key; a map
 * replacing a scalar (or a scalar replacing a map) simply wins, as in Helm (which only warns).
 * Nulls already in `base` stay (a chart default may be null). Neither input is changed; the result
 * shares nothing with them.
 */
export function mergeValues(
  base: Record<string, unknown>,
  overlay: Record<string, unknown>,
): Record<string, unknown> {
  const out = deepCopy(base) as Dict;
  mergeInto(out, overlay);
  return out;
}

function mergeInto(target: Dict, overlay: Dict): void {
  for (const [key, value] of Object.entries(overlay)) {
    if (value === null || value === undefined) {
      delete target[key];
      continue;
    }
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainMap(value) && isPlainMap(current)) {
      mergeInto(current, value);
    } else {
      defineKey(target, key, withoutNulls(value));
    }
  }
}

/** A copy of an overlay value that replaces whatever was there: its maps drop null keys. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isPlainMap(value)) {
    const out: Dict = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && v !== undefined) defineKey(out, k, withoutNulls(v));
    }
    return out;
  }
  return value;
}

export function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isPlainMap(value)) {
    const out: Dict = {};
    for (const [k, v] of Object.entries(value)) defineKey(out, k, deepCopy(v));
    return out;
  }
  return value;
}

// A key named `__proto__` (possible in YAML and --set) must become an own property, not a prototype.
function defineKey(target: Dict, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
