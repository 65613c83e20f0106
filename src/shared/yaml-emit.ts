// Manifests as YAML for Kubernetes: multi-document, keys in the conventional order, block style, no
// anchors, and every string that YAML 1.1 (what Kubernetes reads) could take for anything but that
// string quoted: yes/on/no/y/n, 0755, 12:30, 1e3, ~, <<, =, leading indicators, ": " and " #".
//
// This is the one YAML writer of slipway (manifests, values, desired state). Why not `yaml`'s
// stringify (which this output parses back identically to): it costs ~3.5 ms per service, 7 s for the 500 × 4 render benchmark
// whose budget is 2 s. Manifests are plain JSON data (maps, lists, strings, numbers, booleans, null),
// which is all this emitter handles; its tests round-trip through yaml.parse(…, { version: '1.1' }).
import type { KubeObject } from './kube-types.ts';

const TOP_ORDER = ['apiVersion', 'kind', 'metadata', 'type', 'spec', 'data', 'stringData', 'binaryData'];
const META_ORDER = ['name', 'generateName', 'namespace', 'labels', 'annotations'];

function ordered(o: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) if (o[k] !== undefined) out[k] = o[k];
  for (const k of Object.keys(o)) if (!(k in out) && o[k] !== undefined) out[k] = o[k];
  return out;
}

/** One object with apiVersion, kind, metadata (name, namespace, labels, annotations…), spec… first. */
export function conventionalOrder(obj: KubeObject): KubeObject {
  const top = ordered(obj, TOP_ORDER);
  top.metadata = ordered(obj.metadata, META_ORDER);
  return top as KubeObject;
}

// Plain (unquoted) only when nothing could read it as another type or as syntax. Conservative on
// purpose: quoting a string that did not need it is harmless, the reverse changes its meaning.
const SAFE_PLAIN =
  /^[A-Za-z_/$^\u00a1-\u2027\u202a-\ufefe\uff00-\ufffd][^\0-\x1f\x7f:#,[\]{}"'`|>&*!%\u0085\u2028\u2029\ufeff]*$/;
const RISKY_WORD =
  /^(?:y|n|yes|no|true|false|on|off|null|~|\.inf|\.nan)$|^[+-]?\.?(?:inf|nan)$|^(?:[0-9+\-.]|<<|=$)|\s$/i;
// Starts with a digit but holds a letter that no YAML 1.1 int (0x, 0b, 0o), float (e), .inf/.nan or
// timestamp (T, Z) can contain, e.g. quantities like 100m and 256Mi: always a string.
const DIGIT_WORD = /^[0-9][0-9A-Za-z.]*[g-np-suvwyG-NP-SUVWY][0-9A-Za-z.]*$/;

function plainOk(s: string): boolean {
  if (s.length === 0) return false;
  if (RISKY_WORD.test(s)) return DIGIT_WORD.test(s);
  if (SAFE_PLAIN.test(s)) return true;
  // Also allow ':' and '#' inside where YAML cannot mistake them: never ": ", " #", or a trailing ':'.
  if (!/^[A-Za-z_/$^]/.test(s) || /[\0-\x1f\x7f,[\]{}"'`|>&*!%\u0085\u2028\u2029\ufeff]/.test(s))
    return false;
  return !/: | #|:$/.test(s);
}

const ESCAPE_EXTRA = /[\x7f-\x9f\u2028\u2029\ufeff]/g;

function quoted(s: string): string {
  return JSON.stringify(s).replace(
    ESCAPE_EXTRA,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// Keys and values repeat across thousands of objects (label keys, apiVersions…): decide each once.
const scalarCache = new Map<string, string>();
const SCALAR_CACHE_LIMIT = 20_000;

function scalarString(s: string): string {
  let out = scalarCache.get(s);
  if (out === undefined) {
    out = plainOk(s) ? s : quoted(s);
    if (scalarCache.size >= SCALAR_CACHE_LIMIT) scalarCache.clear();
    if (s.length <= 256) scalarCache.set(s, out);
  }
  return out;
}

/** A literal block (`|`/`|-`) for readable multi-line text, when YAML will read it back exactly. */
function literalBlock(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || /[\0-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\r]/.test(s)) return undefined;
  let body = s;
  let chomp = '-';
  if (s.endsWith('\n')) {
    if (s.endsWith('\n\n')) return undefined;
    body = s.slice(0, -1);
    chomp = '';
  }
  const lines = body.split('\n');
  if (lines[0] === '' || /^[ \t]/.test(lines[0]!)) return undefined;
  if (lines.some((l) => /[ \t]$/.test(l))) return undefined;
  return `|${chomp}\n${lines.map((l) => (l === '' ? '' : indent + l)).join('\n')}`;
}

function emitScalar(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return literalBlock(v, indent) ?? scalarString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : v < 0 ? '-.inf' : '.nan';
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new TypeError(`cannot write a ${typeof v} as YAML`);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Appends `key: value` lines of map `m` at `indent` (the caller wrote any "- " prefix for line one). */
function emitMap(
  m: Record<string, unknown>,
  indent: string,
  out: string[],
  firstPrefix: string | null,
): void {
  let first = true;
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v === undefined) continue;
    const lead = first && firstPrefix !== null ? firstPrefix : indent;
    first = false;
    const key = scalarString(k);
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${lead}${key}: []`);
      else {
        out.push(`${lead}${key}:`);
        emitSeq(v, `${indent}  `, out);
      }
    } else if (isMap(v)) {
      if (Object.keys(v).length === 0) out.push(`${lead}${key}: {}`);
      else {
        out.push(`${lead}${key}:`);
        emitMap(v, `${indent}  `, out, null);
      }
    } else {
      out.push(`${lead}${key}: ${emitScalar(v, `${indent}  `)}`);
    }
  }
  if (first && firstPrefix !== null) out.push(`${firstPrefix}{}`);
}

function emitSeq(a: readonly unknown[], indent: string, out: string[]): void {
  for (const item of a) {
    if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${indent}- []`);
      else {
        // A nested list starts on its own line under the dash: simplest form YAML reads unambiguously.
        out.push(`${indent}-`);
        emitSeq(item, `${indent}  `, out);
      }
    } else if (isMap(item)) {
      if (Object.keys(item).length === 0) out.push(`${indent}- {}`);
      else emitMap(item, `${indent}  `, out, `${indent}- `);
    } else {
      out.push(`${indent}- ${emitScalar(item, `${indent}  `)}`);
    }
  }
}

/** One YAML document (no `---`) for plain JSON data, ending in a newline. */
export function stringifyManifest(value: unknown): string {
  const out: string[] = [];
  if (isMap(value) && Object.keys(value).length > 0) emitMap(value, '', out, null);
  else if (Array.isArray(value) && value.length > 0) emitSeq(value, '', out);
  else if (isMap(value)) out.push('{}');
  else if (Array.isArray(value)) out.push('[]');
  else out.push(emitScalar(value, '  '));
  return `${out.join('\n')}\n`;
}

/** Multi-document YAML, `---` between documents, ending in a newline; "" for no objects. */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringifyManifest(conventionalOrder(o))).join('---\n');
}
