// How deep user input may nest. Parsing, merging, cloning and schema checks all recurse, so a value
// 5,000 levels deep (a few kilobytes of brackets) would end in a stack overflow far from the input
// that caused it. Every parser the user feeds (--set, --set-json, --set-literal, YAML files) refuses
// nesting beyond MAX_NESTING_DEPTH with its own input error; the checks here are iterative, so they
// cannot overflow themselves.
import type { CST } from 'yaml';

/** Maps and lists nested deeper than this are refused. Hand-written values stay far below it. */
export const MAX_NESTING_DEPTH = 100;

/**
 * The key path to the first map or list found nested deeper than `limit` in a plain JS value
 * (parsed JSON or YAML), or undefined when the value stays within it. Depth 1 is the top-level
 * map or list itself.
 */
export function tooDeepPath(value: unknown, limit = MAX_NESTING_DEPTH): (string | number)[] | undefined {
  const stack: Array<{ v: unknown; path: (string | number)[] }> = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (path.length + 1 > limit) return path;
    const entries: Array<[string | number, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries) {
      if (typeof x === 'object' && x !== null) stack.push({ v: x, path: [...path, k] });
    }
  }
  return undefined;
}

/**
 * The offset of the first collection nested deeper than `limit` in a YAML concrete syntax tree (what
 * yaml's Parser yields, before the recursive composer sees it), or undefined.
 */
export function yamlTooDeepOffset(
  tokens: readonly CST.Token[],
  limit = MAX_NESTING_DEPTH,
): number | undefined {
  const stack: Array<{ t: CST.Token | null | undefined; depth: number }> = tokens.map((t) => ({
    t,
    depth: 0,
  }));
  while (stack.length > 0) {
    const { t, depth } = stack.pop()!;
    if (!t) continue;
    if (t.type === 'document') {
      stack.push({ t: t.value, depth });
    } else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth + 1 > limit) return t.offset;
      for (const item of t.items) {
        stack.push({ t: item.key, depth: depth + 1 }, { t: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** The message of a nesting error, the same for every input. */
export function tooDeepMessage(limit = MAX_NESTING_DEPTH): string {
  return `maps and lists are nested more than ${limit} levels deep; slipway refuses deeper nesting`;
}
