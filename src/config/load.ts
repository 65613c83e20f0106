// Loading a platform directory: slipway.yaml, environments/<env>.yaml (desired state) and the names
// of values/<x>.yaml files. The parse* functions are pure; loadPlatform does the file I/O. Every
// problem found is reported at once, each with file:line:column and key path.
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { configError, isSlipwayError, SlipwayError, SlipwayErrorList } from '../shared/errors.ts';
import { issuesToErrors } from './load-issues.ts';
import { suggest } from './model.ts';
import { checkRoleMembers } from './roles-check.ts';
import {
  BUILTIN_STRATEGIES,
  type DesiredState,
  desiredStateSchema,
  type EnvironmentConfig,
  type Platform,
  platformSchema,
} from './schema.ts';
import { locationOf, readYamlFile, type YamlFile } from './yaml-source.ts';

export const PLATFORM_FILE = 'slipway.yaml';
export const ENVIRONMENTS_DIR = 'environments';
export const VALUES_DIR = 'values';
export const BASE_VALUES_FILE = 'values.yaml';

export interface LoadedPlatform {
  /** Absolute path of the platform directory. */
  dir: string;
  /** slipway.yaml. */
  file: YamlFile;
  /** Parsed by platformSchema (defaults applied). */
  platform: Platform;
  /** In promotion order as written. */
  environments: EnvironmentConfig[];
  /** Per environment; an empty state when environments/<env>.yaml is absent. */
  desired: Map<string, { file: YamlFile | undefined; state: DesiredState }>;
  /**
   * Platform-relative paths of the values files that exist (`values.yaml`, `values/<x>.yaml`), listed
   * once at load so that looking up the optional layers of 500 services costs no file-system calls.
   * Absent on hand-made platforms: every optional file is then tried.
   */
  valuesFiles?: ReadonlySet<string>;
}

/** Validates slipway.yaml: schema, then cross-references. Pure; throws a SlipwayErrorList. */
export function parsePlatform(file: YamlFile): Platform {
  const platform = parseWith(
    file,
    platformSchema,
    'platform file',
    'apiVersion: slipway.dev/v1\nkind: Platform',
  );
  throwIfAny([...checkPlatformReferences(file, platform), ...checkRoleMembers(file, platform)]);
  return platform;
}

/** Validates one environments/<env>.yaml against the schema and its file name. Pure. */
export function parseDesiredState(file: YamlFile, env: string): DesiredState {
  const state = parseWith(
    file,
    desiredStateSchema,
    'desired-state file',
    'apiVersion: slipway.dev/v1\nkind: DesiredState',
  );
  if (state.environment !== env) {
    throw configError(
      `the file is for environment "${env}" (by its name) but says environment: "${state.environment}"`,
      locationOf(file, ['environment']),
      {
        hint: `Set environment: ${env}, or rename the file to ${ENVIRONMENTS_DIR}/${state.environment}.yaml.`,
      },
    );
  }
  return state;
}

/** A desired state with no services, for an environment without a file. */
export function emptyDesiredState(env: string): DesiredState {
  return { apiVersion: 'slipway.dev/v1', kind: 'DesiredState', environment: env, services: {} };
}

/** Cross-checks a desired state against the platform: its services must exist. Pure. */
export function checkDesiredState(platform: Platform, file: YamlFile, state: DesiredState): SlipwayError[] {
  const errors: SlipwayError[] = [];
  const services = Object.keys(platform.services);
  for (const name of Object.keys(state.services)) {
    if (Object.hasOwn(platform.services, name)) continue;
    const suggestion = suggest(name, services);
    errors.push(
      configError(
        `unknown service "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
        locationOf(file, ['services', name], true),
        { hint: `Services declared in ${PLATFORM_FILE}: ${services.join(', ')}.` },
      ),
    );
  }
  return errors;
}

/**
 * Checks the names of values/*.yaml: each must be a service, an environment or
 * <service>.<environment>, so a typo in a file name is an error instead of a silently ignored layer.
 * `displayDir` prefixes the names in messages. Pure.
 */
export function checkValuesFileNames(
  platform: Platform,
  fileNames: readonly string[],
  displayDir = VALUES_DIR,
): SlipwayError[] {
  const services = Object.keys(platform.services);
  const envs = platform.environments.map((e) => e.name);
  const valid = new Set([...services, ...envs, ...services.flatMap((s) => envs.map((e) => `${s}.${e}`))]);
  const errors: SlipwayError[] = [];
  for (const fileName of fileNames) {
    const shown = `${displayDir}/${fileName}`;
    if (!/\.ya?ml$/.test(fileName)) continue;
    if (fileName.endsWith('.yml')) {
      errors.push(
        configError(
          'values files must end in .yaml, not .yml',
          { file: shown },
          { hint: `Rename it to ${fileName.replace(/\.yml$/, '.yaml')}.` },
        ),
      );
      continue;
    }
    const stem = fileName.slice(0, -'.yaml'.length);
    if (valid.has(stem)) continue;
    const suggestion = suggest(stem, valid);
    errors.push(
      configError(
        `"${stem}" is neither a service, an environment nor <service>.<environment>${suggestion ? ` — did you mean ${VALUES_DIR}/${suggestion}.yaml?` : ''}`,
        { file: shown },
        {
          hint: `Values files are values/<service>.yaml, values/<environment>.yaml or values/<service>.<environment>.yaml; services: ${services.join(', ')}; environments: ${envs.join(', ')}.`,
        },
      ),
    );
  }
  return errors;
}

/** Reads and validates a whole platform directory. All problems are thrown together. */
export async function loadPlatform(dir: string): Promise<LoadedPlatform> {
  const abs = resolve(dir);
  const platformPath = join(abs, PLATFORM_FILE);
  let file: YamlFile;
  try {
    file = await readYamlFile(platformPath, display(platformPath));
  } catch (e) {
    if (isSlipwayError(e) && e.type === 'notFound') {
      throw new SlipwayError('notFound', `no ${PLATFORM_FILE} in ${abs}`, {
        hint: 'Run `slipway init` to create a platform here, or pass -C <dir> to point at the directory holding slipway.yaml.',
        data: { dir: abs },
      });
    }
    throw e;
  }

  const errors: SlipwayError[] = [];
  let platform: Platform | undefined;
  try {
    platform = parsePlatform(file);
  } catch (e) {
    collect(e, errors);
  }

  const desired = new Map<string, { file: YamlFile | undefined; state: DesiredState }>();
  const envNames = platform?.environments.map((e) => e.name) ?? [];
  const envFiles = await listDir(join(abs, ENVIRONMENTS_DIR));
  for (const fileName of envFiles) {
    if (!/\.ya?ml$/.test(fileName)) continue;
    const path = join(abs, ENVIRONMENTS_DIR, fileName);
    const shown = display(path);
    if (fileName.endsWith('.yml')) {
      errors.push(
        configError(
          'desired-state files must end in .yaml, not .yml',
          { file: shown },
          { hint: `Rename it to ${fileName.replace(/\.yml$/, '.yaml')}.` },
        ),
      );
      continue;
    }
    const env = fileName.slice(0, -'.yaml'.length);
    if (platform && !envNames.includes(env)) {
      const suggestion = suggest(env, envNames);
      errors.push(
        configError(
          `"${env}" is not an environment of this platform${suggestion ? ` — did you mean ${ENVIRONMENTS_DIR}/${suggestion}.yaml?` : ''}`,
          { file: shown },
          { hint: `Environments in ${PLATFORM_FILE}: ${envNames.join(', ')}.` },
        ),
      );
      continue;
    }
    try {
      const envFile = await readYamlFile(path, shown);
      const state = parseDesiredState(envFile, env);
      if (platform) errors.push(...checkDesiredState(platform, envFile, state));
      desired.set(env, { file: envFile, state });
    } catch (e) {
      collect(e, errors);
    }
  }

  const valuesDirNames = await listDir(join(abs, VALUES_DIR));
  if (platform) {
    errors.push(...checkValuesFileNames(platform, valuesDirNames, display(join(abs, VALUES_DIR))));
  }
  throwIfAny(errors);
  const p = platform as Platform;

  // Promotion order as written; environments without a file get an empty desired state.
  const ordered = new Map<string, { file: YamlFile | undefined; state: DesiredState }>();
  for (const env of p.environments) {
    ordered.set(env.name, desired.get(env.name) ?? { file: undefined, state: emptyDesiredState(env.name) });
  }
  const valuesFiles = new Set(valuesDirNames.map((n) => `${VALUES_DIR}/${n}`));
  if ((await listDir(abs)).includes(BASE_VALUES_FILE)) valuesFiles.add(BASE_VALUES_FILE);
  return { dir: abs, file, platform: p, environments: p.environments, desired: ordered, valuesFiles };
}

// ---------- cross-references inside slipway.yaml ----------

function checkPlatformReferences(file: YamlFile, p: Platform): SlipwayError[] {
  const errors: SlipwayError[] = [];
  const err = (message: string, path: (string | number)[], hint?: string, key = false) =>
    errors.push(configError(message, locationOf(file, path, key), hint ? { hint } : undefined));
  const didYouMean = (word: string, candidates: Iterable<string>) => {
    const s = suggest(word, candidates);
    return s ? ` — did you mean "${s}"?` : '';
  };

  const strategyNames = [
    ...Object.keys(p.strategies ?? {}),
    ...Object.keys(BUILTIN_STRATEGIES).filter((n) => !Object.hasOwn(p.strategies ?? {}, n)),
  ];
  for (const [name, service] of Object.entries(p.services)) {
    if (service.strategy === undefined || strategyNames.includes(service.strategy)) continue;
    err(
      `unknown strategy "${service.strategy}"${didYouMean(service.strategy, strategyNames)}`,
      ['services', name, 'strategy'],
      `Use a name from strategies: or a built-in (${Object.keys(BUILTIN_STRATEGIES).join(', ')}).`,
    );
  }

  const templates = Object.keys(p.analysis ?? {});
  const checkTemplates = (names: readonly string[], path: (string | number)[]) => {
    names.forEach((t, i) => {
      if (templates.includes(t)) return;
      err(
        `unknown analysis template "${t}"${didYouMean(t, templates)}`,
        [...path, i],
        templates.length > 0
          ? `Templates declared under analysis: ${templates.join(', ')}.`
          : 'Declare it under analysis: in slipway.yaml.',
      );
    });
  };
  for (const [name, s] of Object.entries(p.strategies ?? {})) {
    const at = ['strategies', name];
    if (s.type === 'canary') {
      s.steps.forEach((step, i) => {
        if ('analysis' in step)
          checkTemplates(step.analysis.templates, [...at, 'steps', i, 'analysis', 'templates']);
      });
      if (s.backgroundAnalysis)
        checkTemplates(s.backgroundAnalysis.templates, [...at, 'backgroundAnalysis', 'templates']);
    } else if (s.type === 'blueGreen') {
      if (s.prePromotionAnalysis)
        checkTemplates(s.prePromotionAnalysis.templates, [...at, 'prePromotionAnalysis', 'templates']);
      if (s.postPromotionAnalysis)
        checkTemplates(s.postPromotionAnalysis.templates, [...at, 'postPromotionAnalysis', 'templates']);
    }
  }

  const envNames = p.environments.map((e) => e.name);
  // Two environments in one namespace of one cluster would overwrite each other's objects.
  const placements = new Map<string, number>();
  p.environments.forEach((env, i) => {
    const namespace = env.namespace ?? `${p.name}-${env.name}`;
    const where = `${JSON.stringify(env.cluster)} ${namespace}`;
    const other = placements.get(where);
    if (other === undefined) placements.set(where, i);
    else if (p.environments[other]!.name !== env.name) {
      err(
        `environments "${p.environments[other]!.name}" and "${env.name}" both use namespace "${namespace}" in the same cluster`,
        env.namespace === undefined ? ['environments', i, 'name'] : ['environments', i, 'namespace'],
        'Give each environment its own namespace.',
      );
    }
  });
  p.environments.forEach((env, i) => {
    const first = envNames.indexOf(env.name);
    if (first !== i) {
      err(
        `environment "${env.name}" is declared twice (first at environments[${first}])`,
        ['environments', i, 'name'],
        'Environment names must be unique.',
      );
    }
    const from = env.promotion?.from;
    if (from === undefined) return;
    const fromIndex = envNames.indexOf(from);
    const path = ['environments', i, 'promotion', 'from'];
    if (fromIndex < 0) {
      err(
        `unknown environment "${from}"${didYouMean(from, envNames)}`,
        path,
        `Environments: ${envNames.join(', ')}.`,
      );
    } else if (fromIndex >= i) {
      err(
        `environment "${env.name}" is promoted from "${from}", which is not an earlier environment`,
        path,
        'Environments are listed in promotion order: promotion.from must name one listed above this one.',
      );
    }
  });

  const webhooks = new Set<string>();
  p.notifications?.forEach((n, i) => {
    if (webhooks.has(n.name))
      err(
        `notification "${n.name}" is declared twice`,
        ['notifications', i, 'name'],
        'Names must be unique.',
      );
    webhooks.add(n.name);
    n.environments?.forEach((e, j) => {
      if (!envNames.includes(e))
        err(`unknown environment "${e}"${didYouMean(e, envNames)}`, ['notifications', i, 'environments', j]);
    });
  });

  const selfHeal = p.gitops?.selfHeal;
  if (Array.isArray(selfHeal)) {
    selfHeal.forEach((e, j) => {
      const env = p.environments.find((x) => x.name === e);
      if (!env) err(`unknown environment "${e}"${didYouMean(e, envNames)}`, ['gitops', 'selfHeal', j]);
      else if (!env.autoDeploy)
        err(
          `environment "${e}" is not followed by GitOps (autoDeploy is not true), so selfHeal has no effect there`,
          ['gitops', 'selfHeal', j],
          `Set autoDeploy: true on ${e}, or remove it from gitops.selfHeal.`,
        );
    });
  }

  for (const [name, service] of Object.entries(p.services)) {
    service.waivers?.forEach((w, i) => {
      w.environments?.forEach((e, j) => {
        if (!envNames.includes(e)) {
          err(`unknown environment "${e}"${didYouMean(e, envNames)}`, [
            'services',
            name,
            'waivers',
            i,
            'environments',
            j,
          ]);
        }
      });
    });
  }
  return errors;
}

// ---------- helpers ----------

function parseWith<T extends z.ZodType>(
  file: YamlFile,
  schema: T,
  what: string,
  header: string,
): z.output<T> {
  if (file.empty) {
    throw configError(
      `the ${what} is empty`,
      { file: file.file },
      { hint: `It must start with:\n${header}` },
    );
  }
  const result = schema.safeParse(file.value);
  if (result.success) return result.data;
  throwIfAny(issuesToErrors(file, schema, result.error.issues, what));
  throw configError(`invalid ${what}`, { file: file.file }); // unreachable: a failed parse has issues
}

function throwIfAny(errors: SlipwayError[]): void {
  if (errors.length > 0) throw new SlipwayErrorList(errors);
}

function collect(e: unknown, into: SlipwayError[]): void {
  if (e instanceof SlipwayErrorList) into.push(...e.errors);
  else if (isSlipwayError(e)) into.push(e);
  else throw e;
}

async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw configError(
      `cannot list the directory: ${(e as Error).message}`,
      { file: display(path) },
      { cause: e },
    );
  }
}

/** A path for messages: relative to the working directory when inside it, else absolute. */
function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
