// `slipway lint` as an operation: render every selected service in every selected environment, then
// schema validation, the tighten-only rule and the check catalogue at each environment's policy level.
// lintRendered is the pure part (also what `slipway render` calls before writing anything).
import { type LoadedPlatform, PLATFORM_FILE } from '../config/load.ts';
import { getEnvironment, getService, namespaceFor, serviceNames, strategyFor } from '../config/model.ts';
import type { ServiceConfig } from '../config/schema.ts';
import { computeValues, type MergedValues, type ValueOverrides } from '../config/values.ts';
import { renderService } from '../render/index.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { applyWaiver, checkWaivers, runChecks, SCHEMA_CHECK, TIGHTEN_ONLY_CHECK } from './catalogue.ts';
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

/** Throws a SlipwayError('policy') listing the unwaived error findings; for `render` before it writes. */
export function assertNoLintErrors(findings: readonly Finding[]): void {
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
      hint: 'Fix them, add a waiver under services.<service>.waivers with a reason, or pass --no-lint.',
      data: { findings: errors },
    },
  );
}

/** Renders and checks the platform: every environment (at its own policy level) unless narrowed. */
export async function lintPlatform(
  p: LoadedPlatform,
  o: { environments?: string[]; services?: string[]; overrides?: ValueOverrides } = {},
): Promise<LintReport> {
  const envNames =
    o.environments && o.environments.length > 0 ? o.environments : p.environments.map((e) => e.name);
  const services = o.services && o.services.length > 0 ? o.services : serviceNames(p);
  for (const s of services) getService(p, s);
  const envs = envNames.map((name) => ({ name, level: getEnvironment(p, name).policy as PolicyLevel }));
  const waiverErrors = serviceNames(p).flatMap((s) =>
    checkWaivers(
      s,
      getService(p, s).waivers,
      p.environments.map((e) => e.name),
    ),
  );
  if (waiverErrors.length > 0) {
    throw waiverErrors.length === 1
      ? waiverErrors[0]!
      : new SlipwayError('config', `${waiverErrors.length} invalid waivers in slipway.yaml`, {
          details: waiverErrors.map((e) => `${e.location?.path ?? ''}: ${e.message}`),
        });
  }
  const findings: Finding[] = [];
  for (const env of envs) {
    const namespace = namespaceFor(p, env.name);
    const inputs: LintServiceInput[] = [];
    for (const service of services) {
      const values = await computeValues(p, service, env.name, o.overrides);
      const objects = renderService({
        platform: p.platform.name,
        service,
        environment: env.name,
        namespace,
        values: values.values,
        strategy: strategyFor(p, service),
      });
      const waivers = getService(p, service).waivers;
      inputs.push(waivers ? { service, objects, values, waivers } : { service, objects, values });
    }
    findings.push(...lintRendered({ environment: env.name, level: env.level, services: inputs }));
  }
  const summary = summarize(findings);
  return { platformFile: PLATFORM_FILE, environments: envs, findings, summary, ok: summary.errors === 0 };
}
