// The values of one service in one environment: the layers in Helm's order, merged with Helm's rules,
// remembering for every key which layer (file and line, or flag) set it last.
//
//   chart/values.yaml → values.yaml → values/<service>.yaml → values/<env>.yaml →
//   values/<service>.<env>.yaml → desired state (environments/<env>.yaml) → --set-json, --set,
//   --set-string, --set-file, --set-literal (by flag type, as Helm does) → --image-tag / --digest
//
// collectLayers reads the files; mergeLayers (values-merge.ts) is pure.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { isSlipwayError, SlipwayError, usageError } from '../shared/errors.ts';
import { resolveChart } from './chart-source.ts';
import type { LoadedPlatform } from './load.ts';
import { deepCopy, isPlainMap, mergeValues } from './merge.ts';
import { getEnvironment, getService } from './model.ts';
import type { DesiredService } from './schema.ts';
import { readSetFile } from './set-file.ts';
import { isJsonObjectFlag, mergeJsonObject, parseSet, type StrvalsMode } from './strvals.ts';
import { checkMergedValues, checkValuesLayers, throwValuesErrors } from './values-check.ts';
import { type MergedValues, mergeLayers, type ValuesLayer, type ValuesLayerKind } from './values-merge.ts';
import { buildValuesSchema, type ValuesSchema } from './values-schema.ts';
import { readYamlFile, type YamlFile } from './yaml-source.ts';

export {
  formatValuesPath,
  type MergedValues,
  mergeLayers,
  type ValueOrigin,
  type ValuesLayer,
  type ValuesLayerKind,
} from './values-merge.ts';

export interface ValueOverrides {
  set?: string[];
  setString?: string[];
  setJson?: string[];
  setFile?: string[];
  setLiteral?: string[];
  imageTag?: string;
  digest?: string;
}

/** Source of the chart layer as shown to users. */
export const CHART_VALUES_SOURCE = 'chart/values.yaml';
/** Source of the layer holding serviceName and environment. */
export const SLIPWAY_SOURCE = '(set by slipway)';

const CHART_VALUES_URL = new URL('../../chart/values.yaml', import.meta.url);
let chartFile: Promise<YamlFile> | undefined;

/** The shared chart's defaults, read once per process. */
export function readChartValues(): Promise<YamlFile> {
  chartFile ??= readYamlFile(fileURLToPath(CHART_VALUES_URL), CHART_VALUES_SOURCE);
  return chartFile;
}

const FLAG_ORDER: ReadonlyArray<[keyof ValueOverrides, StrvalsMode, string]> = [
  ['setJson', 'json', '--set-json'],
  ['set', 'set', '--set'],
  ['setString', 'string', '--set-string'],
  ['setFile', 'file', '--set-file'],
  ['setLiteral', 'literal', '--set-literal'],
];

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Every layer for `service` in `env`, in merge order. Reads the values files (missing ones are skipped). */
export async function collectLayers(
  p: LoadedPlatform,
  service: string,
  env: string,
  o: ValueOverrides = {},
): Promise<ValuesLayer[]> {
  getService(p, service);
  getEnvironment(p, env);
  const chart = await readChartValues();
  const layers: ValuesLayer[] = [fileLayer('chart', CHART_VALUES_SOURCE, chart)];
  // A platform chart version pinned by the desired state: its defaults over slipway's, checked as a
  // file of the platform is (chart-source.ts).
  const pinned = await resolveChart(p, env, service);
  if (pinned?.values) {
    const layer = fileLayer('chart', pinned.values.file, pinned.values);
    throwValuesErrors(checkValuesLayers([{ ...layer, kind: 'base' }], valuesSchema(chart)));
    layers.push(layer);
  }

  const files: Array<[ValuesLayerKind, string]> = [
    ['base', 'values.yaml'],
    ['service', `values/${service}.yaml`],
    ['environment', `values/${env}.yaml`],
    ['service.environment', `values/${service}.${env}.yaml`],
  ];
  for (const [kind, rel] of files) {
    if (p.valuesFiles && !p.valuesFiles.has(rel)) continue;
    const file = await readOptional(p, join(p.dir, rel), rel);
    if (file) layers.push(fileLayer(kind, rel, file));
  }

  const desired = p.desired.get(env);
  const entry = desired?.state.services[service];
  if (desired && entry) layers.push(...desiredLayers(service, env, entry, desired.file));

  // As Helm parses --set into the values of the -f files, the flags apply on top of the file and
  // desired-state layers (not the chart defaults): `--set tolerations[1].key=x` extends the list a
  // file set, `--set l[0]=a --set l[1]=b` gives [a, b], and `--set-json 'a.m={"x":1}'` replaces the
  // map a file gave a.m, while the chart's defaults are still coalesced under it (helm
  // pkg/cli/values/options.go MergeValues, then pkg/chart/common/util/coalesce.go).
  const fileValues = () =>
    layers
      .filter((l) => l.kind !== 'chart')
      .reduce((acc, l) => mergeValues(acc, l.values), {} as Record<string, unknown>);
  layers.push(...flagLayers(o, fileValues));
  throwValuesErrors(checkValuesLayers(layers, valuesSchema(chart)));
  layers.push({
    kind: 'desired',
    source: SLIPWAY_SOURCE,
    values: { serviceName: service, environment: env },
  });
  return layers;
}

export async function computeValues(
  p: LoadedPlatform,
  service: string,
  env: string,
  o?: ValueOverrides,
): Promise<MergedValues> {
  const merged = mergeLayers(await collectLayers(p, service, env, o));
  throwValuesErrors(checkMergedValues(merged));
  return merged;
}

let schema: { chart: YamlFile; schema: ValuesSchema } | undefined;

/** The chart's values schema (values-schema.ts), built once from its defaults. */
function valuesSchema(chart: YamlFile): ValuesSchema {
  if (schema?.chart !== chart)
    schema = { chart, schema: buildValuesSchema(chart.value as Record<string, unknown>) };
  return schema.schema;
}

// Values files are read once per loaded platform: rendering every service of an environment reads
// values.yaml and values/<env>.yaml once, not once per service. A new loadPlatform reads them afresh.
const fileCache = new WeakMap<LoadedPlatform, Map<string, Promise<YamlFile | undefined>>>();

function readOptional(p: LoadedPlatform, path: string, shown: string): Promise<YamlFile | undefined> {
  let cache = fileCache.get(p);
  if (!cache) {
    cache = new Map();
    fileCache.set(p, cache);
  }
  let file = cache.get(path);
  if (!file) {
    file = readYamlFile(path, shown).catch((e: unknown) => {
      if (isSlipwayError(e) && e.type === 'notFound') return undefined;
      throw e;
    });
    cache.set(path, file);
  }
  return file;
}

function fileLayer(kind: ValuesLayerKind, source: string, file: YamlFile): ValuesLayer {
  if (!isPlainMap(file.value)) {
    const at = file.locate([]);
    throw new SlipwayError(
      'values',
      `the top level of a values file must be a map of keys, not ${describe(file.value)}`,
      {
        location: { file: file.file, ...(at ? { line: at.line, column: at.column } : {}) },
        hint: 'Write the values as key: value lines, e.g. "replicaCount: 2".',
      },
    );
  }
  return {
    kind,
    source,
    values: file.value,
    locate: (path) => file.locate(path),
    locateKey: (path) => file.locateKey(path),
  };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

// Desired-state fields and the chart values they set: [values path, path under services.<svc>].
const DESIRED_FIELDS: ReadonlyArray<[keyof DesiredService, string[]]> = [
  ['version', ['image', 'tag']],
  ['digest', ['image', 'digest']],
  ['replicas', ['replicaCount']],
  ['resources', ['resources']],
  ['env', ['env']],
  ['secrets', ['secrets']],
  ['hosts', ['ingress', 'hosts']],
];

function desiredLayers(
  service: string,
  env: string,
  entry: DesiredService,
  file: YamlFile | undefined,
): ValuesLayer[] {
  const source = `environments/${env}.yaml`;
  const at = (path: readonly (string | number)[]) => file?.locate(['services', service, ...path]);
  const keyAt = (path: readonly (string | number)[]) => file?.locateKey(['services', service, ...path]);
  const values: Record<string, unknown> = {};
  for (const [field, target] of DESIRED_FIELDS) {
    const v = entry[field];
    if (v === undefined) continue;
    let node = values;
    for (const seg of target.slice(0, -1)) {
      if (!isPlainMap(node[seg])) node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    }
    node[target.at(-1)!] = deepCopy(v);
  }
  const layers: ValuesLayer[] = [];
  if (Object.keys(values).length > 0) {
    layers.push({
      kind: 'desired',
      source,
      values,
      locate: (path) => {
        for (const [field, target] of DESIRED_FIELDS) {
          if (target.every((seg, i) => path[i] === seg)) return at([field, ...path.slice(target.length)]);
        }
        return undefined;
      },
    });
  }
  if (entry.values && Object.keys(entry.values).length > 0) {
    layers.push({
      kind: 'desired',
      source,
      values: entry.values,
      locate: (path) => at(['values', ...path]),
      locateKey: (path) => keyAt(['values', ...path]),
    });
  }
  return layers;
}

/**
 * One layer per flag. Each expression is parsed into the values so far (Helm's ParseInto); the layer
 * holds what it changed, so that provenance names the flag only for keys the flag really set, and
 * the maps it replaced as a whole (keys gone), so that merging does not bring the file's keys back.
 */
function flagLayers(o: ValueOverrides, fileValues: () => Record<string, unknown>): ValuesLayer[] {
  const layers: ValuesLayer[] = [];
  const readFile = (p: string) => readSetFile(p);
  let current: Record<string, unknown> | undefined;
  for (const [key, mode, flag] of FLAG_ORDER) {
    for (const expr of (o[key] as string[] | undefined) ?? []) {
      current ??= fileValues();
      const next =
        mode === 'json' && isJsonObjectFlag(expr)
          ? mergeJsonObject(expr, current)
          : parseSet(expr, mode, current, readFile);
      const replaces: string[][] = [];
      const values = changes(current, next, [], replaces);
      layers.push({
        kind: 'flag',
        source: `${flag} ${expr}`,
        values,
        ...(replaces.length > 0 ? { replaces } : {}),
      });
      current = next;
    }
  }
  if (current !== undefined && o.imageTag === undefined && o.digest === undefined) {
    refuseTagUnderOldDigest(fileValues(), current, layers);
  }
  if (o.imageTag !== undefined) {
    if (o.imageTag.trim() === '') throw usageError('--image-tag must not be empty');
    // A digest pins an exact image and wins over the tag when rendered, so a digest kept from the
    // desired state would deploy the old version under the new tag's name. Without --digest the new
    // tag stands alone; the environment's policy then decides whether an unpinned image may go out.
    layers.push({
      kind: 'flag',
      source: `--image-tag ${o.imageTag}`,
      values: { image: o.digest === undefined ? { tag: o.imageTag, digest: '' } : { tag: o.imageTag } },
    });
  }
  if (o.digest !== undefined) {
    if (!DIGEST.test(o.digest)) {
      throw usageError(`--digest "${o.digest}" is not an image digest`, {
        hint: 'Pass sha256: followed by 64 lower-case hex digits, as `docker inspect` or the registry reports it.',
      });
    }
    layers.push({ kind: 'flag', source: `--digest ${o.digest}`, values: { image: { digest: o.digest } } });
  }
  return layers;
}

const imageOf = (v: Record<string, unknown>) =>
  (typeof v['image'] === 'object' && v['image'] !== null ? v['image'] : {}) as {
    tag?: unknown;
    digest?: unknown;
  };

/**
 * A tag changed by `--set` while a digest from the files stays: the digest wins when the image is
 * rendered, so the pods would run the pinned build under the new tag's name and the release would
 * record a version that does not run. Refused; `--image-tag` drops the digest, `--digest` replaces it.
 */
function refuseTagUnderOldDigest(
  files: Record<string, unknown>,
  flags: Record<string, unknown>,
  layers: readonly ValuesLayer[],
): void {
  const before = imageOf(files);
  const after = imageOf(flags);
  if (after.tag === before.tag || typeof after.digest !== 'string' || after.digest === '') return;
  if (after.digest !== before.digest) return;
  const flag = [...layers].reverse().find((l) => imageOf(l.values).tag !== undefined)?.source ?? '--set';
  throw usageError(
    `${flag} changes the image tag to ${String(after.tag)} but keeps the pinned digest ${after.digest}: the pods would run the pinned build under another version's name`,
    {
      hint: `Use --image-tag ${String(after.tag)} (it drops the pinned digest) or give the new build's digest with --digest.`,
    },
  );
}

/**
 * What `after` sets that `before` does not have (maps compared key by key, lists as a whole). A map
 * that lost keys was replaced as a whole (parseSet only adds keys, or assigns a new value): it is
 * taken whole and its path recorded in `replaced`.
 */
function changes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  at: string[],
  replaced: string[][],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) {
    const old = Object.hasOwn(before, k) ? before[k] : undefined;
    if (Object.hasOwn(before, k) && isDeepStrictEqual(old, v)) continue;
    let value: unknown;
    if (isPlainMap(v) && isPlainMap(old) && Object.keys(old).every((key) => Object.hasOwn(v, key))) {
      value = changes(old, v, [...at, k], replaced);
    } else {
      if (isPlainMap(v) && isPlainMap(old)) replaced.push([...at, k]);
      value = deepCopy(v);
    }
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
