// Turns zod issues into SlipwayErrors a person can act on: plain words instead of zod jargon, the
// file:line:column of the offending node, the key path, and "did you mean" for misspelt keys and
// options. Pure.
import type { z } from 'zod';
import { closest, configError, type SlipwayError } from '../shared/errors.ts';
import { locationOf, type YamlFile } from './yaml-source.ts';

type Path = (string | number)[];

/** The fields of zod 4 issues this module reads; loose on purpose (issues nest inside unions). */
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  errors?: Issue[][];
  issues?: Issue[];
  note?: string;
  discriminator?: string;
  options?: unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  format?: string;
  pattern?: string;
  divisor?: number;
}

/** Every zod issue of one parse as located SlipwayErrors, sorted by position. */
export function issuesToErrors(
  file: YamlFile,
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  what = 'file',
): SlipwayError[] {
  const ctx: Ctx = { file, schema, what, out: [] };
  for (const issue of issues) convert(ctx, issue as unknown as Issue, []);
  const seen = new Set<string>();
  const unique = ctx.out.filter((e) => {
    const key = `${e.location?.line}:${e.location?.column}:${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0),
  );
}

interface Ctx {
  file: YamlFile;
  schema: z.ZodType;
  what: string;
  out: SlipwayError[];
}

function convert(ctx: Ctx, issue: Issue, base: Path): void {
  const path: Path = [...base, ...(issue.path.filter((p) => typeof p !== 'symbol') as Path)];
  const value = valueAt(ctx.file.value, path);
  const push = (message: string, at: Path, key: boolean, hint?: string) => {
    ctx.out.push(configError(message, locationOf(ctx.file, at, key), hint ? { hint } : undefined));
  };

  switch (issue.code) {
    case 'invalid_type': {
      const expected = describeExpected(issue.expected ?? 'value');
      if (value === undefined) {
        const key = path[path.length - 1];
        const parent = path.slice(0, -1);
        if (typeof key === 'string') push(`missing required key "${key}" (${expected})`, parent, true);
        else push(`missing value: expected ${expected}`, path, false);
      } else {
        push(`expected ${expected}, got ${describeValue(value)}`, path, false);
      }
      return;
    }
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(ctx.schema, path);
      const present = isPlainObject(value) ? Object.keys(value) : [];
      for (const key of issue.keys ?? []) {
        const at = [...path, key];
        if (allowed.has(key)) {
          const others = present.filter((k) => k !== key && allowed.has(k));
          push(
            `key "${key}" cannot be combined with ${others.map((k) => `"${k}"`).join(', ') || 'the other keys'} here`,
            at,
            true,
            'Each entry here takes exactly one of these forms; split it into separate entries.',
          );
          continue;
        }
        const suggestion = closest(key, allowed);
        const sorted = [...allowed].sort();
        push(
          `unknown key "${key}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
          at,
          true,
          sorted.length > 0 ? `Allowed keys here: ${sorted.join(', ')}.` : undefined,
        );
      }
      return;
    }
    case 'invalid_value': {
      const values = issue.values ?? [];
      const shown = values.map((v) => JSON.stringify(v)).join(', ');
      const suggestion =
        typeof value === 'string' && values.length > 1
          ? closest(
              value,
              values.filter((v) => typeof v === 'string'),
            )
          : undefined;
      const head = values.length === 1 ? shown : `one of ${shown}`;
      const key = path[path.length - 1];
      if (value === undefined && typeof key === 'string') {
        push(`missing required key "${key}" (${head})`, path.slice(0, -1), true);
        return;
      }
      push(
        `expected ${head}, got ${describeValue(value)}${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
        path,
        false,
      );
      return;
    }
    case 'invalid_format': {
      const custom = !/^Invalid (string|input)/.test(issue.message);
      const shown = typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
      push(
        custom
          ? `invalid value ${shown}: ${issue.message}`
          : `invalid value ${shown}: ${issue.format === 'regex' ? `must match the pattern ${issue.pattern}` : `must be a valid ${issue.format}`}`,
        path,
        false,
      );
      return;
    }
    case 'too_small':
    case 'too_big':
      push(sizeMessage(issue, value), path, false);
      return;
    case 'not_multiple_of':
      push(`expected a multiple of ${issue.divisor}, got ${describeValue(value)}`, path, false);
      return;
    case 'invalid_key': {
      const key = path[path.length - 1];
      const inner = issue.issues?.[0];
      const reason = inner && !/^Invalid/.test(inner.message) ? inner.message : 'not an allowed name here';
      push(`invalid name "${String(key)}": ${reason}`, path, true);
      return;
    }
    case 'invalid_union':
      convertUnion(ctx, issue, path, value, push);
      return;
    default:
      // custom refinements in schema.ts word their messages as a requirement ("at least one service").
      push(
        /^at (least|most) /.test(issue.message) ? `needs ${issue.message}` : issue.message || 'invalid value',
        path,
        false,
      );
  }
}

function convertUnion(
  ctx: Ctx,
  issue: Issue,
  path: Path,
  value: unknown,
  push: (message: string, at: Path, key: boolean, hint?: string) => void,
): void {
  if (issue.note === 'No matching discriminator') {
    const options = (issue.options ?? []).map(String);
    const shown = options.map((o) => JSON.stringify(o)).join(', ');
    const key = issue.discriminator ?? String(path[path.length - 1]);
    if (value === undefined) {
      const parent = path[path.length - 1] === key ? path.slice(0, -1) : path;
      push(`missing required key "${key}" (one of ${shown})`, parent, true);
    } else {
      if (typeof value !== 'string') {
        push(`expected ${key} to be one of ${shown}, got ${describeValue(value)}`, path, false);
        return;
      }
      const suggestion = closest(value, options);
      push(
        `unknown ${key} ${JSON.stringify(value)}${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
        path,
        false,
        `${key} must be one of ${shown}.`,
      );
    }
    return;
  }

  const members = issue.errors ?? [];
  // Members that failed only because the value has the wrong shape (not a mapping, wrong literal).
  const shapeMismatch = (list: Issue[]) =>
    list.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
  const compatible = members.filter((m) => !shapeMismatch(m));

  if (compatible.length === 0) {
    const expectations = new Set<string>();
    for (const m of members) {
      for (const i of m) {
        if (i.path.length > 0) continue;
        if (i.code === 'invalid_type') expectations.add(describeExpected(i.expected ?? 'value'));
        if (i.code === 'invalid_value') for (const v of i.values ?? []) expectations.add(JSON.stringify(v));
      }
    }
    const list = [...expectations];
    const expected =
      list.length <= 1 ? (list[0] ?? 'another value') : `${list.slice(0, -1).join(', ')} or ${list.at(-1)}`;
    push(`expected ${expected}, got ${describeValue(value)}`, path, false);
    return;
  }

  const valueKeys = isPlainObject(value) ? Object.keys(value) : [];
  const allowed = allowedKeysAt(ctx.schema, path);
  if (isPlainObject(value) && compatible.length > 1) {
    const overlap = (m: Issue[]) => {
      const unknown = new Set(
        m.filter((i) => i.code === 'unrecognized_keys' && i.path.length === 0).flatMap((i) => i.keys ?? []),
      );
      return valueKeys.filter((k) => !unknown.has(k)).length;
    };
    const best = Math.max(...compatible.map(overlap));
    if (best === 0) {
      if (valueKeys.length === 0) {
        push(`expected one of the keys ${[...allowed].sort().join(', ')}, got an empty mapping`, path, false);
        return;
      }
      for (const key of valueKeys) {
        if (allowed.has(key)) continue;
        const suggestion = closest(key, allowed);
        push(
          `unknown key "${key}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
          [...path, key],
          true,
          `Allowed keys here: ${[...allowed].sort().join(', ')}.`,
        );
      }
      return;
    }
    const chosen = compatible.filter((m) => overlap(m) === best).sort((a, b) => a.length - b.length)[0]!;
    for (const i of chosen) convert(ctx, i, path);
    return;
  }
  const chosen = [...compatible].sort((a, b) => a.length - b.length)[0]!;
  for (const i of chosen) convert(ctx, i, path);
}

function sizeMessage(issue: Issue, value: unknown): string {
  const small = issue.code === 'too_small';
  const n = Number(small ? issue.minimum : issue.maximum);
  const exclusive = issue.inclusive === false;
  switch (issue.origin) {
    case 'array':
    case 'set':
      return small
        ? `needs at least ${n} ${n === 1 ? 'entry' : 'entries'}`
        : `allows at most ${n} ${n === 1 ? 'entry' : 'entries'}, got ${Array.isArray(value) ? value.length : 'more'}`;
    case 'string':
      return small
        ? `must be at least ${n} character${n === 1 ? '' : 's'} long${value === '' ? ', got an empty string' : ''}`
        : `must be at most ${n} characters long, got ${typeof value === 'string' ? value.length : 'more'}`;
    case 'number':
    case 'int':
    case 'bigint':
      return `must be ${small ? (exclusive ? 'greater than' : 'at least') : exclusive ? 'less than' : 'at most'} ${n}, got ${describeValue(value)}`;
    default:
      return issue.message;
  }
}

export function describeExpected(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping';
    case 'array':
    case 'tuple':
    case 'set':
      return 'a list';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value (null)';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `the date ${value.toISOString()}`;
  return 'a mapping';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isPlainObject(v) && typeof seg === 'string' && Object.hasOwn(v, seg)) v = v[seg];
    else return undefined;
  }
  return v;
}

// ---------- walking the zod schema ----------

/** The zod 4 definition fields read here (internals, but stable across zod 4 releases). */
interface Def {
  type: string;
  shape?: Record<string, unknown>;
  valueType?: unknown;
  element?: unknown;
  options?: unknown[];
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  getter?: () => unknown;
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Strips optional/default/nullable/pipe wrappers and expands unions into their members. */
function expand(schema: unknown, depth = 0): unknown[] {
  const def = defOf(schema);
  if (!def || depth > 20) return [];
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return expand(def.innerType, depth + 1);
    case 'pipe':
      return expand(def.in, depth + 1);
    case 'lazy':
      return def.getter ? expand(def.getter(), depth + 1) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => expand(o, depth + 1));
    default:
      return [schema];
  }
}

/** Keys a mapping may have at `path`: the object's keys, or for a union every member's keys. */
export function allowedKeysAt(schema: unknown, path: readonly (string | number)[]): Set<string> {
  let candidates = expand(schema);
  for (const seg of path) {
    candidates = candidates.flatMap((c) => {
      const def = defOf(c)!;
      if (def.type === 'object' && typeof seg === 'string' && def.shape && seg in def.shape) {
        return expand(def.shape[seg]);
      }
      if (def.type === 'record' && typeof seg === 'string') return expand(def.valueType);
      if (def.type === 'array' && typeof seg === 'number') return expand(def.element);
      return [];
    });
  }
  const keys = new Set<string>();
  for (const c of candidates) {
    const def = defOf(c)!;
    if (def.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
  }
  return keys;
}
