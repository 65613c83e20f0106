// Checks every values layer (files, desired state, flags) against the chart's values schema before
// anything is rendered: unknown keys (with "did you mean"), wrong types, and the limits the API
// server would refuse later (replicas < 0, ports outside 1–65535, label syntax, image references,
// quantities), each naming the file and line, or the flag, that set the value. A bad value is refused
// where it is written, even when a later layer overrides it. Then the merged values: the ConfigMap
// the chart builds from `config` must stay under the API server's 1 MiB.
import {
  annotationProblem,
  configKeyProblem,
  dataBytes,
  labelValueProblem,
  MAX_DATA_BYTES,
  portOrNameProblem,
  qualifiedNameProblem,
  quantityProblem,
} from '../shared/api-validation.ts';
import { closest, SlipwayError, type SourceLocation } from '../shared/errors.ts';
import { IMAGE_HINTS, imageDigestProblem, imageNameProblem, imageTagProblem } from '../shared/image-ref.ts';
import { isPlainMap } from './merge.ts';
import type { MergedValues, ValuesLayer } from './values-merge.ts';
import type { ValuesSchema } from './values-schema.ts';
import { formatKeyPath } from './yaml-source.ts';

type Segs = Array<string | number>;
interface Problem {
  path: Segs;
  message: string;
  hint?: string;
  /** Point at the key (unknown keys), not at its value. */
  key?: boolean;
}

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const FORMATS: Record<string, { check: (s: string) => string | undefined; hint?: string }> = {
  'image-name': { check: (s) => (s === '' ? undefined : imageNameProblem(s)), hint: IMAGE_HINTS.name },
  'image-tag': { check: (s) => (s === '' ? undefined : imageTagProblem(s)), hint: IMAGE_HINTS.tag },
  'image-digest': { check: (s) => (s === '' ? undefined : imageDigestProblem(s)), hint: IMAGE_HINTS.digest },
  'label-key': { check: qualifiedNameProblem },
  'label-value': { check: labelValueProblem },
  'annotation-key': { check: annotationProblem },
  'config-key': { check: configKeyProblem },
  'port-name': { check: (s) => portOrNameProblem(s) },
  'port-or-name': { check: (s) => portOrNameProblem(/^\d+$/.test(s) ? Number(s) : s) },
  quantity: { check: (s) => quantityProblem(s) },
  hostname: {
    check: (s) =>
      s.length <= 253 && HOSTNAME.test(s)
        ? undefined
        : 'must be a lower-case DNS name, e.g. shop.example.com',
  },
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (isPlainMap(v)) return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const SHOWN: Record<string, string> = { object: 'a map', array: 'a list', integer: 'an integer' };
const shownType = (t: string) => SHOWN[t] ?? `a ${t}`;
const shownValue = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function typeMatches(types: string[], actual: string): boolean {
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

function walk(v: unknown, s: ValuesSchema, path: Segs, out: Problem[]): void {
  if (v === null || v === undefined) return; // null deletes a key (Helm)
  const actual = typeName(v);
  const types = s.type === undefined ? undefined : Array.isArray(s.type) ? s.type : [s.type];
  if (types && !typeMatches(types, actual)) {
    const want = types.filter((t) => t !== 'null').map(shownType);
    out.push({ path, message: `must be ${want.join(' or ')}, not ${shownType(actual)}` });
    return;
  }
  if (s.enum && !s.enum.includes(v)) {
    out.push({
      path,
      message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}, not ${shownValue(v)}`,
    });
    return;
  }
  if (typeof v === 'string' && s.pattern && !new RegExp(s.pattern).test(v)) {
    out.push({ path, message: `${JSON.stringify(v)} does not match ${s.pattern}` });
    return;
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum)
      out.push({ path, message: `must be at least ${s.minimum}, not ${v}` });
    if (s.maximum !== undefined && v > s.maximum)
      out.push({ path, message: `must be at most ${s.maximum}, not ${v}` });
  }
  if (s.format && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    const f = FORMATS[s.format];
    const why = f?.check(String(v));
    const message = why?.includes(JSON.stringify(String(v))) ? why : `${shownValue(v)}: ${why}`;
    if (why) out.push({ path, message, ...(f?.hint ? { hint: f.hint } : {}) });
  }
  if (Array.isArray(v) && s.items)
    for (const [i, item] of v.entries()) walk(item, s.items, [...path, i], out);
  if (!isPlainMap(v)) return;
  for (const [k, child] of Object.entries(v)) {
    const at = [...path, k];
    if (s.propertyNames?.format) {
      const why = FORMATS[s.propertyNames.format]?.check(k);
      if (why) out.push({ path: at, key: true, message: `key ${JSON.stringify(k)}: ${why}` });
    }
    const known = s.properties?.[k];
    if (known) walk(child, known, at, out);
    else if (s.additionalProperties === false) out.push(unknownKey(k, s, at));
    else if (typeof s.additionalProperties === 'object') walk(child, s.additionalProperties, at, out);
  }
}

function unknownKey(k: string, s: ValuesSchema, at: Segs): Problem {
  const keys = Object.keys(s.properties ?? {});
  const guess = closest(k, keys);
  return {
    path: at,
    key: true,
    message: `unknown key ${JSON.stringify(k)}${guess ? ` — did you mean "${guess}"?` : ''}`,
    hint:
      at.length === 1
        ? 'The chart reads only the keys of chart/values.yaml (schema: chart/values.schema.json); config, env, envFrom, secrets, labels and annotations take any key.'
        : `Keys known here: ${keys.join(', ')}.`,
  };
}

function locationOf(layer: ValuesLayer, p: Problem): SourceLocation {
  const pos = p.key ? (layer.locateKey ?? layer.locate)?.(p.path) : layer.locate?.(p.path);
  return {
    file: layer.source,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    path: formatKeyPath(p.path),
  };
}

function toError(layer: ValuesLayer, p: Problem): SlipwayError {
  const location = locationOf(layer, p);
  return new SlipwayError('values', `values key ${formatKeyPath(p.path)}: ${p.message}`, {
    location,
    hint:
      p.hint ??
      'Fix the value where it is written; `slipway values <service> --env <env> --explain` shows every layer.',
    data: { path: formatKeyPath(p.path), source: layer.source },
  });
}

// File layers are shared by every service that reads the file: each is checked once.
const checked = new WeakMap<object, SlipwayError[]>();

/** The problems of every layer but the chart's own defaults, in layer order. */
export function checkValuesLayers(layers: readonly ValuesLayer[], schema: ValuesSchema): SlipwayError[] {
  const errors: SlipwayError[] = [];
  for (const layer of layers) {
    if (layer.kind === 'chart') continue;
    let found = checked.get(layer.values);
    if (!found) {
      const problems: Problem[] = [];
      walk(layer.values, schema, [], problems);
      found = problems.map((p) => toError(layer, p));
      if (layer.kind !== 'flag') checked.set(layer.values, found);
    }
    errors.push(...found);
  }
  return errors;
}

/** The checks of the merged values: the ConfigMap built from `config` fits the API server's limit. */
export function checkMergedValues(merged: MergedValues): SlipwayError[] {
  const config = merged.values.config;
  if (!isPlainMap(config)) return [];
  const size = dataBytes(config);
  if (size <= MAX_DATA_BYTES) return [];
  const largest = Object.keys(config).sort((a, b) => String(config[b]).length - String(config[a]).length)[0]!;
  const origin = merged.origin(['config', largest]);
  const file = origin?.layer.source ?? 'values';
  return [
    new SlipwayError(
      'values',
      `values key config: the ConfigMap would hold ${size} bytes, more than the API server's ${MAX_DATA_BYTES} (1 MiB); the largest entry is config.${largest}`,
      {
        location: {
          file,
          ...(origin?.line === undefined ? {} : { line: origin.line, column: origin.column ?? 1 }),
          path: formatKeyPath(['config', largest]),
        },
        hint: 'Keep large files out of values: mount them from a volume or an image, or split the configuration.',
      },
    ),
  ];
}

/** One error for many: the first as the message, the others (file:line: message) as details. */
export function throwValuesErrors(errors: readonly SlipwayError[]): void {
  if (errors.length === 0) return;
  if (errors.length === 1) throw errors[0];
  const where = (e: SlipwayError) =>
    e.location ? `${e.location.file}${e.location.line === undefined ? '' : `:${e.location.line}`}: ` : '';
  throw new SlipwayError('values', `${errors.length} invalid values`, {
    details: errors.map((e) => `${where(e)}${e.message}`),
    ...(errors[0]!.hint ? { hint: errors[0]!.hint } : {}),
    data: { errors: errors.map((e) => e.toJSON()) },
  });
}
