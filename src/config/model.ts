// Small pure lookups over a loaded platform, shared by rendering, release and promotion.
import { closest, SlipwayError } from '../shared/errors.ts';
import type { NameAffixes } from '../shared/names.ts';
import type { LoadedPlatform } from './load.ts';
import { BUILTIN_STRATEGIES, type EnvironmentConfig, type ServiceConfig, type Strategy } from './schema.ts';

/** closest(), or else the one candidate that is a prefix of the word or has it as prefix. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const near = closest(word, list);
  if (near !== undefined) return near;
  // An abbreviation ("prod" for "production") or the long form of one ("production" for "prod").
  const w = word.toLowerCase();
  const related = list.filter((c) => {
    const l = c.toLowerCase();
    return Math.min(l.length, w.length) >= 3 && (l.startsWith(w) || w.startsWith(l));
  });
  return related.length === 1 ? related[0] : undefined;
}

function notFound(kind: string, name: string, known: readonly string[]): SlipwayError {
  const suggestion = suggest(name, known);
  return new SlipwayError(
    'notFound',
    `unknown ${kind} "${name}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`,
    {
      hint:
        known.length > 0
          ? `Known ${kind}s: ${known.join(', ')}.`
          : `No ${kind}s are declared in slipway.yaml.`,
      data: { kind, name, ...(suggestion ? { suggestion } : {}) },
    },
  );
}

export function getEnvironment(p: LoadedPlatform, name: string): EnvironmentConfig {
  const env = p.environments.find((e) => e.name === name);
  if (!env) {
    throw notFound(
      'environment',
      name,
      p.environments.map((e) => e.name),
    );
  }
  return env;
}

/**
 * `autoDeploy: true` is followed by the control plane (`slipway serve` with a `gitops:` section), which
 * rolls each new commit's desired state on by itself; the CLI alone never does, so `lint` and `apply`
 * say so rather than let the field look as if it worked. One note per named environment (all when none
 * are named) that sets it.
 */
export function autoDeployNotes(p: LoadedPlatform, environments: readonly string[] = []): string[] {
  return p.environments
    .filter((e) => e.autoDeploy && (environments.length === 0 || environments.includes(e.name)))
    .map(
      (e) =>
        `${e.name}: autoDeploy takes effect only under \`slipway serve\` with ${p.platform.gitops ? 'the' : 'a'} gitops: section (docs/server.md), which follows the git repository and applies each new commit's desired state; without it, run \`slipway apply --env ${e.name}\``,
    );
}

export function getService(p: LoadedPlatform, name: string): ServiceConfig {
  if (!Object.hasOwn(p.platform.services, name))
    throw notFound('service', name, Object.keys(p.platform.services));
  return p.platform.services[name]!;
}

/** Service names sorted by priority (lower first, unset = 0) then name. */
export function serviceNames(p: LoadedPlatform): string[] {
  return Object.entries(p.platform.services)
    .sort(([a, sa], [b, sb]) => (sa.priority ?? 0) - (sb.priority ?? 0) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([name]) => name);
}

/** The Kubernetes namespace of an environment: its `namespace`, else `<platform>-<environment>`. */
export function namespaceFor(p: LoadedPlatform, env: string): string {
  return getEnvironment(p, env).namespace ?? `${p.platform.name}-${env}`;
}

/** The environment's Kustomize-style namePrefix and nameSuffix (shared/names.ts applies them). */
export function nameAffixesFor(p: LoadedPlatform, env: string): NameAffixes {
  const e = getEnvironment(p, env);
  return { prefix: e.namePrefix, suffix: e.nameSuffix };
}

/** The strategy a service deploys with: a named entry of `strategies`, else a built-in; default rolling. */
export function strategyFor(p: LoadedPlatform, service: string): Strategy {
  const name = getService(p, service).strategy ?? 'rolling';
  const declared = p.platform.strategies;
  if (declared && Object.hasOwn(declared, name)) return declared[name]!;
  if (Object.hasOwn(BUILTIN_STRATEGIES, name)) return structuredClone(BUILTIN_STRATEGIES[name]!);
  // loadPlatform already rejects this; kept for platforms built by hand.
  throw new SlipwayError('config', `service "${service}" uses unknown strategy "${name}"`, {
    hint: `Declare it under strategies: or use one of ${Object.keys(BUILTIN_STRATEGIES).join(', ')}.`,
  });
}

/** Position of an environment in promotion order (0 = first). */
export function environmentIndex(p: LoadedPlatform, env: string): number {
  const i = p.environments.findIndex((e) => e.name === env);
  if (i < 0) getEnvironment(p, env); // throws notFound with a suggestion
  return i;
}
