// What every chart module receives, and the small helpers they share: typed reads of the merged values
// (a wrong type is a `values` error naming the key, never a crash), the standard labels, and content
// hashes. Everything here is pure: no fs, no clock, no randomness.
import { createHash } from 'node:crypto';
import { chartLabelValue } from '../config/chart-pin.ts';
import type { Strategy } from '../config/schema.ts';
import type { ChartSecrets } from '../config/secrets-schema.ts';
import { SlipwayError } from '../shared/errors.ts';
import { LABELS } from '../shared/kube-types.ts';
import { type NameAffixes, type NamePart, objectName } from '../shared/names.ts';

export type Track = 'stable' | 'canary' | 'blue' | 'green';
export type Color = 'blue' | 'green';

export interface ChartContext {
  platform: string;
  service: string;
  environment: string;
  namespace: string;
  /** Merged values (shape of chart/values.yaml). */
  values: Record<string, unknown>;
  strategy: Strategy;
  /** Resolved secret data by key (deploy time); render without it emits references only. */
  secretData?: Record<string, string>;
  /** Blue-green only: the colour that serves at rest (default blue). */
  activeColor?: Color;
  /** The environment's namePrefix / nameSuffix, applied to every object name (shared/names.ts). */
  names?: NameAffixes;
  /**
   * The feature flags' flagd definition (config/flags.ts) when the service reads any: the pods mount
   * that ConfigMap and the flagd provider reads the file in it (in-process resolver, file mode).
   */
  flags?: { configMap: string; mountPath: string; file: string } | undefined;
  /** The environment's secret provider (absent: references resolved by slipway at deploy). */
  secrets?: ChartSecrets;
  /** The chart version the desired state pins (config/chart-source.ts); labels every object. */
  chart?: { name: string; version: string };
}

/** Helm's label naming the chart and version that rendered an object. */
export const CHART_LABEL = 'helm.sh/chart';

/** Label added to the one Service per service that monitoring selects (not the -blue/-canary helpers). */
export type { ChartSecrets };

export const PRIMARY_SERVICE_LABEL = 'slipway.dev/primary';
/** Annotation on the rendered Secret saying where each key comes from (never the value). */
export const SECRET_SOURCE_ANNOTATION = 'slipway.dev/secret-source';

type Json = Record<string, unknown>;

function valuesError(path: string, expected: string, got: unknown): SlipwayError {
  const shown = got === null ? 'null' : Array.isArray(got) ? 'a list' : typeof got;
  return new SlipwayError('values', `values key ${path} must be ${expected}, not ${shown}`, {
    hint: `Fix ${path} in the values files or --set flags; \`slipway values <service> --env <env>\` shows where it came from.`,
    data: { path },
  });
}

/** Reads of one values tree. Missing and null both mean "not set" (null deletes a key in Helm). */
export class ValuesReader {
  constructor(
    readonly root: Json,
    readonly prefix = '',
  ) {}

  private key(k: string): string {
    return this.prefix ? `${this.prefix}.${k}` : k;
  }

  raw(k: string): unknown {
    return this.root[k];
  }

  has(k: string): boolean {
    const v = this.root[k];
    return v !== undefined && v !== null;
  }

  /** A nested map as a reader; missing → empty. */
  sub(k: string): ValuesReader {
    return new ValuesReader(this.map(k), this.key(k));
  }

  map(k: string): Json {
    const v = this.root[k];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw valuesError(this.key(k), 'a map', v);
    return v as Json;
  }

  list(k: string): unknown[] {
    const v = this.root[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw valuesError(this.key(k), 'a list', v);
    return v;
  }

  str(k: string, fallback = ''): string {
    const v = this.root[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw valuesError(this.key(k), 'a string', v);
  }

  optNum(k: string): number | undefined {
    const v = this.root[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
    throw valuesError(this.key(k), 'a number', v);
  }

  num(k: string, fallback: number): number {
    return this.optNum(k) ?? fallback;
  }

  /** An int or a percentage string like "25%" (maxSurge, minAvailable, …). */
  intOrPercent(k: string): number | string | undefined {
    const v = this.root[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^\d+%$/.test(v)) return v;
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    throw valuesError(this.key(k), 'a non-negative integer or a percentage like "25%"', v);
  }

  bool(k: string, fallback: boolean): boolean {
    const v = this.root[k];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw valuesError(this.key(k), 'true or false', v);
  }

  /** A map of strings (labels, annotations, nodeSelector); scalars become strings, null entries drop. */
  strMap(k: string): Record<string, string> {
    const m = this.map(k);
    const out: Record<string, string> = {};
    for (const key of Object.keys(m).sort()) {
      const v = m[key];
      if (v === undefined || v === null) continue;
      if (typeof v === 'object') throw valuesError(`${this.key(k)}.${key}`, 'a string', v);
      out[key] = String(v);
    }
    return out;
  }
}

export function reader(ctx: ChartContext): ValuesReader {
  return new ValuesReader(ctx.values);
}

/** Keys sorted, for maps whose order a user could otherwise change without changing meaning. */
export function sortedRecord<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] as T;
  return out;
}

/** A label value from free text: allowed characters only, at most 63, alphanumeric at both ends. */
export function labelValue(s: string): string {
  return s
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The labels that never change for a service: the only ones selectors use (plus the track). */
export function selectorLabels(ctx: ChartContext, track?: Track): Record<string, string> {
  const s: Record<string, string> = { [LABELS.name]: ctx.service, [LABELS.instance]: ctx.service };
  if (track) s[LABELS.track] = track;
  return s;
}

/**
 * Per-context results computed once and reused by every module (labels, config and secret hashes):
 * rendering a service asks for them a dozen times. Keyed by the context object and checked against
 * the fields they derive from, so a context changed after a render is never served stale data.
 */
interface Memo {
  values: Record<string, unknown>;
  key: string;
  labels: Map<string, Record<string, string>>;
  annotations?: Record<string, string>;
  extra: Map<string, unknown>;
}
const memos = new WeakMap<ChartContext, Memo>();

function memoOf(ctx: ChartContext): Memo {
  const chart = ctx.chart ? `${ctx.chart.name}-${ctx.chart.version}` : '';
  const key = `${ctx.platform}\0${ctx.service}\0${ctx.environment}\0${ctx.namespace}\0${resourceName(ctx)}\0${chart}`;
  let m = memos.get(ctx);
  if (!m || m.values !== ctx.values || m.key !== key) {
    m = { values: ctx.values, key, labels: new Map(), extra: new Map() };
    memos.set(ctx, m);
  }
  return m;
}

/** A value derived from the context alone, computed once per context (see Memo). */
export function memoized<T>(ctx: ChartContext, name: string, compute: () => T): T {
  const m = memoOf(ctx);
  if (m.extra.has(name)) return m.extra.get(name) as T;
  const v = compute();
  m.extra.set(name, v);
  return v;
}

/** Standard labels for every object of a service, plus values `labels`. Sorted by key; a fresh copy. */
export function standardLabels(ctx: ChartContext, track?: Track): Record<string, string> {
  const m = memoOf(ctx);
  const cacheKey = track ?? '';
  let cached = m.labels.get(cacheKey);
  if (!cached) {
    const v = reader(ctx);
    const tag = labelValue(v.sub('image').str('tag'));
    const l: Record<string, string> = {
      ...v.strMap('labels'),
      [LABELS.name]: ctx.service,
      [LABELS.instance]: ctx.service,
      [LABELS.component]: 'service',
      [LABELS.partOf]: ctx.platform,
      [LABELS.managedBy]: 'slipway',
      [LABELS.service]: ctx.service,
      [LABELS.environment]: ctx.environment,
      [LABELS.platform]: ctx.platform,
    };
    if (tag) l[LABELS.version] = tag;
    if (track) l[LABELS.track] = track;
    // Only a pinned chart labels its objects: platforms that pin nothing render as they always did.
    if (ctx.chart) l[CHART_LABEL] = chartLabelValue(ctx.chart);
    cached = sortedRecord(l);
    m.labels.set(cacheKey, cached);
  }
  return { ...cached };
}

function commonAnnotations(ctx: ChartContext): Record<string, string> {
  const m = memoOf(ctx);
  m.annotations ??= reader(ctx).strMap('annotations');
  return m.annotations;
}

/** metadata for a namespaced object of this service. Annotations only when there are any. */
export function meta(
  ctx: ChartContext,
  name: string,
  o: { track?: Track; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): Json {
  const labels = standardLabels(ctx, o.track);
  const common = commonAnnotations(ctx);
  const extra = o.annotations;
  const annotations = extra && Object.keys(extra).length > 0 ? { ...common, ...extra } : { ...common };
  const m: Json = {
    name,
    namespace: ctx.namespace,
    labels: o.labels ? sortedRecord({ ...labels, ...o.labels }) : labels,
  };
  if (Object.keys(annotations).length > 0) m.annotations = sortedRecord(annotations);
  return m;
}

/** JSON with sorted keys, so that equal data hashes equally whatever its key order. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Json;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** Plain copy of JSON data taken from values, so editing rendered output never edits the values. */
export function copyJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyJson) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = copyJson((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

/** A short content hash (10 hex digits of sha256) for generated names and checksum annotations. */
export function contentHash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 10);
}

/**
 * The name of one of the service's objects: `<svc>` or `<svc>-<part>`, with the environment's
 * namePrefix and nameSuffix. Every name the chart gives, and every reference to one, comes from here.
 */
export function resourceName(ctx: Pick<ChartContext, 'service' | 'names'>, part?: NamePart): string {
  return objectName(ctx.service, ctx.names, part);
}

/** The name of the workload for the given track: stable/rolling `<svc>`, otherwise `<svc>-<track>`. */
export function workloadName(ctx: ChartContext, track?: Track): string {
  return resourceName(ctx, track === undefined || track === 'stable' ? undefined : track);
}

/** Which track the at-rest workload runs on for the context's strategy (none for rolling). */
export function restTrack(ctx: ChartContext): Track | undefined {
  if (ctx.strategy.type === 'canary') return 'stable';
  if (ctx.strategy.type === 'blueGreen') return ctx.activeColor ?? 'blue';
  return undefined;
}

/**
 * The pod's ServiceAccount: the chart's own (created: prefixed and suffixed like every object it
 * renders), or a named one it does not create (left as named: Kustomize renames only what it renders).
 */
export function serviceAccountName(ctx: ChartContext): string {
  const sa = reader(ctx).sub('serviceAccount');
  const named = sa.str('name');
  if (!sa.bool('create', true)) return named || resourceName(ctx);
  return named ? objectName(named, ctx.names) : resourceName(ctx);
}
