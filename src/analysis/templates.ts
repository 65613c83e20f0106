// The built-in analysis templates, usable by name in any strategy even when slipway.yaml does not
// declare them (a template of the same name in slipway.yaml wins), and the lookup of templates by name.
import type { AnalysisTemplate, Platform } from '../config/schema.ts';
import { analysisTemplateSchema } from '../config/schema.ts';
import { closest, SlipwayError } from '../shared/errors.ts';
import { compileConditions } from './evaluate.ts';
import { providersConfigFor } from './providers/config.ts';
import { providerKind } from './providers/types.ts';
import type { ResolvedTemplate } from './run.ts';

/** The args slipway passes to built-in templates for a release (see providers/builtin.ts). */
export const BUILTIN_TEMPLATE_ARGS = ['service', 'namespace', 'metricsUrl'] as const;

export const BUILTIN_TEMPLATES: Readonly<Record<string, AnalysisTemplate>> = {
  // The canary's share of non-5xx responses over each 30 s interval, four times (two minutes).
  // failureLimit 0: one bad interval rolls back, so a canary whose error rate jumps is at weight 0
  // within two intervals (DESIGN.md's bar). noData inconclusive with inconclusiveLimit 1: an interval
  // without canary traffic is not evidence of failure (Flagger's "no values = failed" rolls back
  // healthy canaries at quiet hours), one is tolerated, two in a run pause the release for a person
  // instead of promoting code nobody exercised.
  'success-rate': analysisTemplateSchema.parse({
    args: [...BUILTIN_TEMPLATE_ARGS],
    metrics: [
      {
        name: 'success-rate',
        provider: { builtin: { metric: 'success-rate' } },
        interval: '30s',
        count: 4,
        successCondition: 'result >= 0.99',
        failureLimit: 0,
        inconclusiveLimit: 1,
        noData: 'inconclusive',
      },
    ],
  }),
  // The canary's p99 latency: at most 500 ms, or at most 1.5 × the stable track's p99 (a service that
  // is slow anyway is judged against itself). One slow interval is tolerated (latency is noisier).
  'latency-p99': analysisTemplateSchema.parse({
    args: [...BUILTIN_TEMPLATE_ARGS],
    metrics: [
      {
        name: 'latency-p99',
        provider: { builtin: { metric: 'latency-p99', compareWithStable: true } },
        interval: '30s',
        count: 4,
        successCondition: 'canary <= 500 || canary <= 1.5 * default(stable, 0)',
        failureLimit: 1,
        inconclusiveLimit: 1,
        noData: 'inconclusive',
      },
    ],
  }),
};

/** The templates by name: the platform's own first, then the built-in ones. Unknown names are errors. */
export function resolveTemplates(
  platform: Pick<Platform, 'analysis'>,
  names: readonly string[],
  location?: { file: string; path?: string },
): ResolvedTemplate[] {
  const own = platform.analysis ?? {};
  const known = [...new Set([...Object.keys(own), ...Object.keys(BUILTIN_TEMPLATES)])];
  const problems: string[] = [];
  const out: ResolvedTemplate[] = [];
  for (const name of names) {
    const template = Object.hasOwn(own, name) ? own[name] : BUILTIN_TEMPLATES[name];
    if (template) {
      out.push({ name, template });
      continue;
    }
    const near = closest(name, known);
    problems.push(`unknown analysis template "${name}"${near ? ` (did you mean "${near}"?)` : ''}`);
  }
  if (problems.length > 0) {
    throw new SlipwayError('config', problems[0]!, {
      details: problems.slice(1),
      hint: `Declare it under analysis: in slipway.yaml or use a built-in one; known: ${known.join(', ')}.`,
      ...(location ? { location } : {}),
    });
  }
  return out;
}

/** Every `{{args.x}}` a metric's provider uses. */
function argsUsed(provider: AnalysisTemplate['metrics'][number]['provider']): string[] {
  const texts: string[] = [];
  if ('prometheus' in provider) texts.push(provider.prometheus.query, provider.prometheus.address ?? '');
  if ('web' in provider) texts.push(provider.web.url, ...Object.values(provider.web.headers ?? {}));
  if ('job' in provider)
    texts.push(provider.job.image, ...(provider.job.command ?? []), ...(provider.job.args ?? []));
  return [...texts.join('\n').matchAll(/\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}/g)].map((m) => m[1]!);
}

/**
 * Checks the platform's analysis templates without measuring anything (for `slipway lint`): every
 * condition parses, every `{{args.x}}` a provider uses is declared in the template's args, and (when
 * the environments are given) a prometheus metric naming no address has one from analysisProviders in
 * every environment — else that environment's release would be refused when its analysis starts.
 * `file` is slipway.yaml's path; each problem carries the key path of the field.
 */
export function checkAnalysisTemplates(
  platform: Pick<Platform, 'analysis'> & Partial<Pick<Platform, 'analysisProviders' | 'environments'>>,
  file = 'slipway.yaml',
): SlipwayError[] {
  const problems: SlipwayError[] = [];
  const environments = platform.environments ?? [];
  const noPrometheus = environments
    .filter((e) => !providersConfigFor({ ...platform, environments }, e.name).prometheus)
    .map((e) => e.name);
  for (const [name, template] of Object.entries(platform.analysis ?? {})) {
    const declared = template.args ?? [];
    template.metrics.forEach((metric, i) => {
      const path = `analysis.${name}.metrics[${i}]`;
      if (
        'prometheus' in metric.provider &&
        !metric.provider.prometheus.address &&
        !declared.includes('prometheusAddress') &&
        noPrometheus.length > 0
      ) {
        problems.push(
          new SlipwayError(
            'config',
            `metric ${metric.name} of template ${name} names no Prometheus address, and environment(s) ${noPrometheus.join(', ')} configure none`,
            {
              hint: 'Set analysisProviders.prometheus.address in slipway.yaml (for every environment, or under each environment), or provider.prometheus.address on the metric.',
              location: { file, path: `${path}.provider.prometheus` },
            },
          ),
        );
      }
      try {
        compileConditions(metric, `metric ${metric.name}`);
      } catch (e) {
        if (!(e instanceof SlipwayError)) throw e;
        const field = /failureCondition/.test(e.message) ? 'failureCondition' : 'successCondition';
        problems.push(
          new SlipwayError('config', e.message, {
            details: e.details,
            ...(e.hint ? { hint: e.hint } : {}),
            location: { file, path: `${path}.${field}` },
          }),
        );
      }
      for (const arg of new Set(argsUsed(metric.provider))) {
        if (declared.includes(arg)) continue;
        problems.push(
          new SlipwayError(
            'config',
            `metric ${metric.name} uses {{args.${arg}}} but template ${name} does not declare it`,
            {
              hint: `Add ${arg} to analysis.${name}.args so that every strategy using the template has to pass it.`,
              location: { file, path: `${path}.provider.${providerKind(metric)}` },
            },
          ),
        );
      }
    });
  }
  return problems;
}
