// `slipway lint` as an operation: render every selected service in every selected environment, then
// schema validation, the tighten-only rule and the check catalogue at each environment's policy level,
// after the analysis templates are known to compile (analysis-check.ts).
// lintRendered is the pure part (also what `slipway render` calls before writing anything).
import { type LoadedPlatform, PLATFORM_FILE } from '../config/load.ts';
import { getEnvironment, getService, serviceNames } from '../config/model.ts';
import type { ServiceConfig } from '../config/schema.ts';
import {
  collectLayers,
  type MergedValues,
  mergeLayers,
  type ValueOverrides,
  type ValuesLayer,
} from '../config/values.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { assertAnalysisTemplates } from './analysis-check.ts';
import { applyWaiver, checkWaivers, runChecks, SCHEMA_CHECK, TIGHTEN_ONLY_CHECK } from './catalogue.ts';
import { prepareServices } from './prepare.ts';
import { validateObject } from './schema-validation.ts';
import { checkTightenOnly } from './tighten.ts';
import type { Finding, PolicyLevel } from './types.ts';

export interface LintServiceInput {
  service: string;
  objects: KubeObject[];
  /** Merged values: enables the tighten-only rule and file:line sources of findings. */
  values?: MergedValues;
  waivers?: ServiceConfig['waivers'];
}

export interface LintSummary {
  errors: number;
  warnings: number;
  infos: number;
  waived: number;
}

export interface LintReport {
  /** The platform file, for locations of findings without a values source. */
  platformFile?: string;
  environments: Array<{ name: string; level: PolicyLevel }>;
  findings: Finding[];
  summary: LintSummary;
  /** True when no unwaived error-severity finding exists. */
  ok: boolean;
}

export function summarize(findings: readonly Finding[]): LintSummary {
  const s: LintSummary = { errors: 0, warnings: 0, infos: 0, waived: 0 };
  for (const f of findings) {
    if (f.waived) s.waived++;
    else if (f.severity === 'error') s.errors++;
    else if (f.severity === 'warning') s.warnings++;
    else s.infos++;
  }
  return s;
}

/** Schema validation + tighten-only + checks for one environment's rendered services. Pure. */
export function lintRendered(input: {
  environment: string;
  level: PolicyLevel;
  services: LintServiceInput[];
}): Finding[] {
  const findings: Finding[] = [];
  for (const s of input.services) {
    for (const obj of s.objects) {
      for (const p of validateObject(obj)) {
        const f: Finding = {
          checkId: SCHEMA_CHECK.id,
          checkName: SCHEMA_CHECK.name,
          severity: 'error',
          object: p.object,
          message: p.message,
          service: s.service,
          environment: input.environment,
        };
        if (p.path) f.path = p.path;
        findings.push(f);
      }
    }
    if (s.values) {
      for (const e of checkTightenOnly(s.values.layers)) {
        const loc = e.location;
        const f: Finding = {
          checkId: TIGHTEN_ONLY_CHECK.id,
          checkName: TIGHTEN_ONLY_CHECK.name,
          severity: 'error',
          object: `values/${s.service}`,
          message: e.message,
          service: s.service,
          environment: input.environment,
        };
        if (loc) {
          f.source = { file: loc.file, key: loc.path ?? '' };
          if (loc.line !== undefined) f.source.line = loc.line;
          if (loc.column !== undefined) f.source.column = loc.column;
        }
        findings.push(applyWaiver(f, s.waivers));
      }
    }
  }
  findings.push(...runChecks(input));
  return findings;
}

/**
 * Throws a SlipwayError('policy') listing the unwaived error findings; for `render` before it writes
 * and `deploy` before it applies. `skipFlag` names the caller's way round the checks, if it has one
 * (render's `--no-lint`; deploy has none).
 */
export function assertNoLintErrors(findings: readonly Finding[], skipFlag?: string): void {
  const errors = findings.filter((f) => f.severity === 'error' && !f.waived);
  if (errors.length === 0) return;
  throw new SlipwayError(
    'policy',
    `${errors.length} policy error${errors.length === 1 ? '' : 's'} in the rendered manifests`,
    {
      details: errors.map(
        (f) =>
          `${f.checkId} ${f.checkName} ${f.object}${f.path ? ` ${f.path}` : ''}: ${f.message}${f.source ? ` (${f.source.file}${f.source.line ? `:${f.source.line}` : ''})` : ''}`,
      ),
      hint: `Fix them${skipFlag ? ',' : ' or'} add a waiver under services.<service>.waivers with a reason${skipFlag ? `, or pass ${skipFlag}` : ''}.`,
      data: { findings: errors },
    },
  );
}

/** MergedValues whose merge runs on first use. */
export function lazyMergedValues(layers: ValuesLayer[]): MergedValues {
  let merged: MergedValues | undefined;
  const get = () => {
    merged ??= mergeLayers(layers);
    return merged;
  };
  return {
    get values() {
      return get().values;
    },
    layers,
    origin: (path) => get().origin(path),
    leaves: () => get().leaves(),
  };
}

function waiverErrors(p: LoadedPlatform): SlipwayError[] {
  const envs = p.environments.map((e) => e.name);
  return serviceNames(p).flatMap((s) => checkWaivers(s, getService(p, s).waivers, envs));
}

function throwWaiverErrors(p: LoadedPlatform): void {
  const errors = waiverErrors(p);
  if (errors.length === 0) return;
  throw errors.length === 1
    ? errors[0]!
    : new SlipwayError('config', `${errors.length} invalid waivers in slipway.yaml`, {
        details: errors.map((e) => `${e.location?.path ?? ''}: ${e.message}`),
      });
}

/**
 * Checks already rendered services of one environment together (prepareRelease for one, `slipway lint`
 * and `slipway render` for several). Each service's merged values, when not given, are collected again
 * (files are cached) for the tighten-only rule and file:line sources.
 * Use with assertNoLintErrors(report.findings) to refuse on unwaived errors.
 */
export async function lintRenderedServices(
  p: LoadedPlatform,
  env: string,
  rendered: ReadonlyArray<{ service: string; objects: KubeObject[]; values?: MergedValues }>,
  overrides?: ValueOverrides,
): Promise<LintReport> {
  throwWaiverErrors(p);
  assertAnalysisTemplates(p);
  const level = getEnvironment(p, env).policy as PolicyLevel;
  const inputs: LintServiceInput[] = [];
  for (const r of rendered) {
    // The layers are enough for the tighten-only rule; merging them (for file:line sources of
    // findings) is deferred until a finding asks, which in a clean platform is never.
    const values = r.values ?? lazyMergedValues(await collectLayers(p, r.service, env, overrides));
    const waivers = getService(p, r.service).waivers;
    const input = { service: r.service, objects: r.objects, values };
    inputs.push(waivers ? { ...input, waivers } : input);
  }
  const findings = lintRendered({ environment: env, level, services: inputs });
  const summary = summarize(findings);
  return {
    platformFile: PLATFORM_FILE,
    environments: [{ name: env, level }],
    findings,
    summary,
    ok: summary.errors === 0,
  };
}

/** Renders and checks the platform: every environment (at its own policy level) unless narrowed. */
export async function lintPlatform(
  p: LoadedPlatform,
  o: { environments?: string[]; services?: string[]; overrides?: ValueOverrides } = {},
): Promise<LintReport> {
  const envNames =
    o.environments && o.environments.length > 0 ? o.environments : p.environments.map((e) => e.name);
  for (const e of envNames) getEnvironment(p, e);
  throwWaiverErrors(p);
  assertAnalysisTemplates(p);
  const environments: LintReport['environments'] = [];
  const findings: Finding[] = [];
  for (const env of envNames) {
    const prepared = await prepareServices(p, env, { services: o.services, overrides: o.overrides });
    const r = await lintRenderedServices(p, env, prepared, o.overrides);
    environments.push(...r.environments);
    findings.push(...r.findings);
  }
  const summary = summarize(findings);
  return { platformFile: PLATFORM_FILE, environments, findings, summary, ok: summary.errors === 0 };
}
