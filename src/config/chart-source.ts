// Which version of the shared chart a service runs in an environment. slipway's chart (chart/, with
// its Chart.yaml) is the default. A platform may keep versions of its own under charts/: a directory
// with a Chart.yaml, or an archive as `helm package` writes it (<name>-<version>.tgz). A platform chart
// is slipway's templates with defaults of its own: its values.yaml is a values layer right above
// slipway's chart/values.yaml. The desired state pins a version, for the whole environment
// (`chart:`) or one service (`services.<svc>.chart:`), optionally with the path of the source; a
// pin names only a version, so promotion can carry it from one environment to the next like an image
// tag. Nothing pinned: slipway's chart, unlabelled, exactly as before chart versions existed.
//
// Lives in config/ because the values layers (values.ts) read the chart's defaults; reading is cached
// per loaded platform.
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configError, SlipwayError } from '../shared/errors.ts';
import { readTgz } from './chart-archive.ts';
import { type ChartPin, chartLabelValue, SEMVER } from './chart-pin.ts';
import type { LoadedPlatform } from './load.ts';
import { issuesToErrors } from './load-issues.ts';
import { suggest } from './model.ts';
import { locationOf, parseYaml, readYamlFile, type YamlFile } from './yaml-source.ts';

export { type ChartPin, chartLabelValue };

/** Where a platform keeps its chart versions. */
export const CHARTS_DIR = 'charts';

/** Chart.yaml as Helm defines it, less what slipway cannot honour (dependencies, library charts). */
export const chartYamlSchema = z.strictObject({
  apiVersion: z.enum(['v1', 'v2']),
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lower-case letters, digits and dashes'),
  version: z.string().regex(SEMVER, 'must be a SemVer 2 version such as 1.2.3'),
  appVersion: z.union([z.string(), z.number()]).optional(),
  description: z.string().optional(),
  type: z.literal('application').optional(),
  keywords: z.array(z.string()).optional(),
  home: z.string().optional(),
  sources: z.array(z.string()).optional(),
  maintainers: z
    .array(z.strictObject({ name: z.string(), email: z.string().optional(), url: z.string().optional() }))
    .optional(),
  icon: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** One version of the chart, read. */
export interface ChartSource {
  name: string;
  version: string;
  /** Where it was read: platform-relative (`charts/x-1.0.0.tgz`), or `chart/` for slipway's own. */
  source: string;
  builtin: boolean;
  /** The chart's own values.yaml (absent for slipway's chart: that is the first layer anyway). */
  values?: YamlFile | undefined;
}

/** The chart a service runs in an environment by its desired state's pin. */
export interface ResolvedChart extends ChartSource {
  pin: ChartPin;
}

/** Files a platform chart may hold: slipway renders with its own templates. */
const ALLOWED = new Set(['Chart.yaml', 'values.yaml', 'README.md', 'LICENSE', '.helmignore']);

/** Validates a Chart.yaml. Pure; a config error at the field. */
export function parseChartYaml(file: YamlFile): { name: string; version: string } {
  const parsed = chartYamlSchema.safeParse(file.value);
  if (!parsed.success) {
    const errors = issuesToErrors(file, chartYamlSchema, parsed.error.issues, 'Chart.yaml');
    throw errors[0] ?? configError('not a valid Chart.yaml', { file: file.file });
  }
  return { name: parsed.data.name, version: parsed.data.version };
}

function checkFiles(names: readonly string[], shown: string): void {
  const extra = names.filter((n) => !ALLOWED.has(n)).sort();
  if (extra.length === 0) return;
  throw configError(
    `the chart holds ${extra.join(', ')}, which slipway does not read`,
    { file: shown },
    {
      hint: 'A platform chart is slipway’s templates with defaults of its own: keep Chart.yaml, values.yaml (and README.md, LICENSE) only.',
    },
  );
}

/** A chart from the files of a .tgz (one top directory, as `helm package` writes). Pure. */
export function chartFromArchive(bytes: Buffer, shown: string): ChartSource {
  const files = readTgz(bytes, shown);
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  if (tops.size !== 1 || files.some((f) => !f.path.includes('/')))
    throw configError(`${shown} must hold one directory, the chart (as helm package writes it)`, {
      file: shown,
    });
  const top = [...tops][0]!;
  const inside = files.map((f) => f.path.slice(top.length + 1));
  checkFiles([...new Set(inside.map((p) => p.split('/')[0]!))], shown);
  const fileText = (name: string) => files.find((f) => f.path === `${top}/${name}`)?.data.toString('utf8');
  const chartText = fileText('Chart.yaml');
  if (chartText === undefined) throw configError(`${shown} has no ${top}/Chart.yaml`, { file: shown });
  const meta = parseChartYaml(parseYaml(`${shown}:${top}/Chart.yaml`, chartText));
  const valuesText = fileText('values.yaml');
  return {
    ...meta,
    source: shown,
    builtin: false,
    values: valuesText === undefined ? undefined : parseYaml(`${shown}:${top}/values.yaml`, valuesText),
  };
}

async function chartFromDir(abs: string, shown: string): Promise<ChartSource> {
  checkFiles(await readdir(abs), shown);
  const meta = parseChartYaml(await readYamlFile(join(abs, 'Chart.yaml'), `${shown}/Chart.yaml`));
  let values: YamlFile | undefined;
  try {
    values = await readYamlFile(join(abs, 'values.yaml'), `${shown}/values.yaml`);
  } catch (e) {
    if (!(e instanceof SlipwayError && e.type === 'notFound')) throw e;
  }
  return { ...meta, source: shown, builtin: false, values };
}

async function readSource(abs: string, shown: string): Promise<ChartSource> {
  const st = await stat(abs).catch(() => undefined);
  if (st?.isDirectory()) return chartFromDir(abs, shown);
  if (st?.isFile() && abs.endsWith('.tgz')) return chartFromArchive(await readFile(abs), shown);
  throw new SlipwayError('notFound', `${shown} is neither a chart directory nor a .tgz chart archive`, {
    location: { file: shown },
  });
}

const BUILTIN_URL = new URL('../../chart/', import.meta.url);
let builtin: Promise<ChartSource> | undefined;

/** slipway's own chart (chart/Chart.yaml), read once per process. */
export function builtinChart(): Promise<ChartSource> {
  builtin ??= readYamlFile(fileURLToPath(new URL('Chart.yaml', BUILTIN_URL)), 'chart/Chart.yaml').then(
    (file) => ({ ...parseChartYaml(file), source: 'chart/', builtin: true }),
  );
  return builtin;
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Every chart version under the platform's charts/ (directories with a Chart.yaml, .tgz archives). */
export async function platformCharts(p: LoadedPlatform): Promise<ChartSource[]> {
  const dir = join(p.dir, CHARTS_DIR);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: ChartSource[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const shown = `${CHARTS_DIR}/${e.name}`;
    if (e.isFile() && e.name.endsWith('.tgz'))
      out.push(chartFromArchive(await readFile(join(dir, e.name)), shown));
    else if (e.isDirectory() && (await stat(join(dir, e.name, 'Chart.yaml')).catch(() => undefined)))
      out.push(await chartFromDir(join(dir, e.name), shown));
  }
  return out;
}

const catalogues = new WeakMap<LoadedPlatform, Promise<ChartSource[]>>();
const resolved = new WeakMap<LoadedPlatform, Map<string, Promise<ChartSource>>>();

/** The pin that applies to `service` in `env` and where it is written, or undefined. */
export function chartPinOf(
  p: LoadedPlatform,
  env: string,
  service: string,
): { pin: ChartPin; file: YamlFile | undefined; at: string[] } | undefined {
  const desired = p.desired.get(env);
  const own = desired?.state.services[service]?.chart;
  if (own) return { pin: own, file: desired?.file, at: ['services', service, 'chart'] };
  const shared = desired?.state.chart;
  if (shared) return { pin: shared, file: desired?.file, at: ['chart'] };
  return undefined;
}

async function findSource(p: LoadedPlatform, pin: ChartPin, where: () => Where): Promise<ChartSource> {
  if (pin.path !== undefined) {
    const abs = isAbsolute(pin.path) ? pin.path : join(p.dir, pin.path);
    const rel = toPosix(relative(p.dir, abs));
    if (rel.startsWith('..') || isAbsolute(rel))
      throw where().error('path', `chart path ${pin.path} is outside the platform directory`, {
        hint: `Keep chart versions in the platform's repository, e.g. under ${CHARTS_DIR}/.`,
      });
    const found = await readSource(abs, rel).catch((e: unknown) => {
      if (e instanceof SlipwayError && e.type === 'notFound')
        throw where().error('path', `there is no chart at ${pin.path}`, {
          hint: `Point chart.path at a chart directory or a .tgz under ${CHARTS_DIR}/.`,
        });
      throw e;
    });
    if (found.version !== pin.version)
      throw where().error(
        'version',
        `chart ${pin.version} is pinned, but ${rel} is version ${found.version}`,
        {
          hint: `Pin version: ${found.version}, or point chart.path at the source of ${pin.version}.`,
        },
      );
    return found;
  }
  let list = catalogues.get(p);
  if (!list) {
    list = platformCharts(p);
    catalogues.set(p, list);
  }
  const own = await list;
  const matches = own.filter((c) => c.version === pin.version);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw where().error(
      'version',
      `chart ${pin.version} is ambiguous: ${matches.map((m) => m.source).join(', ')}`,
      {
        hint: 'Name the one to use with chart.path.',
      },
    );
  const mine = await builtinChart();
  if (mine.version === pin.version) return mine;
  const all = [...own, mine];
  const near = suggest(
    pin.version,
    all.map((c) => c.version),
  );
  throw where().error(
    'version',
    `there is no chart version ${pin.version}${near ? ` — did you mean ${near}?` : ''}`,
    {
      hint: `Chart versions: ${all.map((c) => `${c.version} (${c.builtin ? 'slipway’s chart' : c.source})`).join(', ')}. Add it under ${CHARTS_DIR}/ (a directory with a Chart.yaml, or helm package’s .tgz).`,
    },
  );
}

interface Where {
  error(field: 'version' | 'path', message: string, o: { hint: string }): SlipwayError;
}

/**
 * The chart `service` runs in `env` by the desired state, or undefined when nothing is pinned (then
 * slipway's chart renders, unlabelled, as it always has). An unknown version or a bad source is a
 * config error (exit 2) naming the environment file and the field.
 */
export async function resolveChart(
  p: LoadedPlatform,
  env: string,
  service: string,
): Promise<ResolvedChart | undefined> {
  const found = chartPinOf(p, env, service);
  if (!found) return undefined;
  const { pin, file, at } = found;
  const where = (): Where => ({
    error: (field, message, o) =>
      new SlipwayError('config', message, {
        location: file
          ? locationOf(file, [...at, field])
          : { file: `environments/${env}.yaml`, path: [...at, field].join('.') },
        hint: o.hint,
      }),
  });
  let cache = resolved.get(p);
  if (!cache) {
    cache = new Map();
    resolved.set(p, cache);
  }
  const key = `${pin.version}\0${pin.path ?? ''}`;
  let source = cache.get(key);
  if (!source) {
    source = findSource(p, pin, where);
    cache.set(key, source);
    // A failure is not kept: the next caller's error names its own file and field.
    source.catch(() => cache.delete(key));
  }
  return { ...(await source), pin };
}
