// Merging the values layers in order with Helm's rules, remembering for every key which layer (file
// and line, or flag) set it last. Pure; the layers themselves are collected in values.ts.
import { deepCopy, isPlainMap, withoutNulls } from './merge.ts';

export type ValuesLayerKind =
  | 'chart'
  | 'base'
  | 'service'
  | 'environment'
  | 'service.environment'
  | 'desired'
  | 'flag';

/** Layers share their `values` with cached files: treat them as read-only. */
export interface ValuesLayer {
  kind: ValuesLayerKind;
  /** File path relative to the platform dir, or the flag text, e.g. "--set image.tag=abc". */
  source: string;
  values: Record<string, unknown>;
  /**
   * Subtrees this layer sets as a whole (a --set-json map where a file had one): before `values`
   * apply, these paths go back to the chart's defaults, dropping what the file layers put there.
   */
  replaces?: ReadonlyArray<readonly string[]>;
  locate?(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  /** Position of the key itself (for unknown-key errors), where the layer has a file. */
  locateKey?(path: readonly (string | number)[]): { line: number; column: number } | undefined;
}

export interface ValueOrigin {
  layer: ValuesLayer;
  line?: number;
  column?: number;
}

export interface MergedValues {
  values: Record<string, unknown>;
  layers: ValuesLayer[];
  /** Which layer set the value at this path last (leaf or subtree). */
  origin(path: readonly (string | number)[]): ValueOrigin | undefined;
  /** Every leaf (scalars, empty maps/lists, whole lists as leaves) with its origin, sorted by path. */
  leaves(): Array<{ path: string; value: unknown; origin: ValueOrigin | undefined }>;
}

/**
 * Merges the layers in order with Helm's rules (see mergeValues): the same result as folding
 * mergeValues over them (a layer's `replaces` first put the chart's defaults back at those paths),
 * plus, for every key, the layer that set it last. Nulls in the first layer
 * stay (chart defaults may be null); later nulls delete. Pure; the layers are not changed.
 * Origins are worked out on demand, so merging for rendering pays nothing for them.
 */
export function mergeLayers(layers: ValuesLayer[]): MergedValues {
  const values: Record<string, unknown> = {};
  // The chart's defaults: the leading `chart` layers (slipway's, then a pinned platform chart's).
  let charts = layers.findIndex((l) => l.kind !== 'chart');
  if (charts < 0) charts = layers.length;
  let defaults: Record<string, unknown> | undefined;
  const chartDefaults = () => {
    if (!defaults) {
      const d: Record<string, unknown> = {};
      layers.slice(0, Math.max(charts, 1)).forEach((l, i) => {
        apply(d, l.values, i === 0);
      });
      defaults = d;
    }
    return defaults;
  };
  layers.forEach((layer, i) => {
    if (i > 0) for (const path of layer.replaces ?? []) resetToChart(values, chartDefaults(), path);
    apply(values, layer.values, i === 0);
  });

  const origin = (path: readonly (string | number)[]): ValueOrigin | undefined => {
    if (path.length === 0) return undefined;
    const merged = valueAt(values, path);
    if (!merged.found) return undefined;
    // The last layer that wrote this path: it holds the whole path, or a list on the way to it.
    // (A layer whose map replaced a scalar holds everything below it, so the first rule covers it.)
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      const hit = writes(layer.values, path, i === 0, merged.value);
      if (hit === 'deleted') return undefined;
      if (hit) {
        const at = layer.locate?.(path);
        return at ? { layer, line: at.line, column: at.column } : { layer };
      }
      // Below a subtree this layer replaced, only the chart's defaults are left to have set it.
      if (i > charts && layer.replaces?.some((r) => r.every((seg, j) => path[j] === seg)))
        i = Math.max(charts, 1);
    }
    return undefined;
  };

  const leaves = () => {
    const out: Array<{ segs: string[]; value: unknown }> = [];
    const walk = (v: unknown, segs: string[]) => {
      if (isPlainMap(v) && Object.keys(v).length > 0) {
        for (const [k, child] of Object.entries(v)) walk(child, [...segs, k]);
      } else {
        out.push({ segs, value: v });
      }
    };
    walk(values, []);
    out.sort((a, b) => comparePaths(a.segs, b.segs));
    return out.map(({ segs, value }) => ({ path: formatValuesPath(segs), value, origin: origin(segs) }));
  };

  return { values, layers, origin, leaves };
}

function valueAt(root: unknown, path: readonly (string | number)[]): { found: boolean; value?: unknown } {
  let v = root;
  for (const seg of path) {
    if (isPlainMap(v) && Object.hasOwn(v, String(seg))) v = v[String(seg)];
    else if (Array.isArray(v) && typeof seg === 'number' && seg >= 0 && seg < v.length) v = v[seg];
    else return { found: false };
  }
  return { found: true, value: v };
}

/** Whether `layer` wrote the value at `path` (true), did not touch it (false) or deleted it. */
function writes(
  layer: Record<string, unknown>,
  path: readonly (string | number)[],
  first: boolean,
  merged: unknown,
): boolean | 'deleted' {
  let v: unknown = layer;
  for (const [i, seg] of path.entries()) {
    if (Array.isArray(v)) return true; // a list is set as a whole: everything in it comes from here
    if (!isPlainMap(v) || !Object.hasOwn(v, String(seg))) return false;
    v = v[String(seg)];
    if (v === null && !first) return 'deleted';
    if (v === undefined) return false;
    if (i === path.length - 1) {
      // An empty map merged into a non-empty one changes nothing.
      return !(
        isPlainMap(v) &&
        Object.keys(v).length === 0 &&
        isPlainMap(merged) &&
        Object.keys(merged).length > 0
      );
    }
  }
  return false;
}

/** Puts the chart's default back at `path` (or removes the key when the chart has none). */
function resetToChart(
  values: Record<string, unknown>,
  chart: Record<string, unknown>,
  path: readonly string[],
) {
  let node: unknown = values;
  for (const seg of path.slice(0, -1)) {
    if (!isPlainMap(node) || !Object.hasOwn(node, seg)) return;
    node = node[seg];
  }
  if (!isPlainMap(node)) return;
  const key = path.at(-1)!;
  const fallback = valueAt(chart, path);
  if (fallback.found) {
    Object.defineProperty(node, key, {
      value: deepCopy(fallback.value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    delete node[key];
  }
}

function apply(target: Record<string, unknown>, overlay: Record<string, unknown>, keepNulls: boolean): void {
  for (const [key, value] of Object.entries(overlay)) {
    if ((value === null && !keepNulls) || value === undefined) {
      delete target[key];
      continue;
    }
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainMap(value) && isPlainMap(current)) {
      apply(current, value, keepNulls);
    } else {
      const copy = keepNulls ? deepCopy(value) : withoutNulls(value);
      Object.defineProperty(target, key, {
        value: copy,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
}

function comparePaths(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** `image.tag`, with `.` `,` `=` `[` `\` in keys escaped by a backslash, so that --set accepts it back. */
export function formatValuesPath(segs: readonly string[]): string {
  return segs.map((s) => s.replace(/[\\.,=[]/g, (c) => `\\${c}`)).join('.');
}
