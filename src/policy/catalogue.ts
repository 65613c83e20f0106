// The check catalogue: every check slipway runs, with a stable id, a severity per policy level and the
// values key that controls it; runChecks applies them to rendered objects, then waivers and sources.
// Pure: no fs, no clock.

import type { ServiceConfig } from '../config/schema.ts';
import type { MergedValues } from '../config/values.ts';
import { closest, SlipwayError } from '../shared/errors.ts';
import { type KubeObject, objectRef } from '../shared/kube-types.ts';
import { sev } from './checks/define.ts';
import { ObjectIndex } from './checks/index-objects.ts';
import { NETWORK_CHECKS } from './checks/network.ts';
import { RELIABILITY_CHECKS } from './checks/reliability.ts';
import { SECRET_CHECKS } from './checks/secrets.ts';
import { SECURITY_CHECKS } from './checks/security.ts';
import { WORKLOAD_CHECKS } from './checks/workload.ts';
import type { CheckDefinition, Finding, PolicyLevel, Severity, Waiver } from './types.ts';

/** Findings of the schema validation and of the tighten-only rule; they have no run() of their own. */
export const SCHEMA_CHECK: CheckDefinition = {
  id: 'SLW-SCH-001',
  name: 'schema',
  category: 'schema',
  rationale:
    'An object the Kubernetes API would reject (wrong type, missing or unknown field) fails the deploy half-way.',
  remedy: 'Fix the values that produce the field; the message names the field path.',
  severity: sev('error', 'error', 'error'),
  waivable: false,
};

export const TIGHTEN_ONLY_CHECK: CheckDefinition = {
  id: 'SLW-SEC-015',
  name: 'tighten-only',
  category: 'security',
  rationale: 'Security settings of the base values may be tightened by later layers but never loosened.',
  remedy: 'Remove the loosening from the named layer, or change the base values for everyone.',
  severity: sev('error', 'error', 'error'),
  waivable: false,
};

export const CHECKS: readonly CheckDefinition[] = [
  SCHEMA_CHECK,
  ...SECURITY_CHECKS,
  ...SECRET_CHECKS,
  TIGHTEN_ONLY_CHECK,
  ...RELIABILITY_CHECKS,
  ...WORKLOAD_CHECKS,
  ...NETWORK_CHECKS,
].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const BY_KEY = new Map<string, CheckDefinition>();
for (const c of CHECKS) {
  BY_KEY.set(c.id.toLowerCase(), c);
  BY_KEY.set(c.name.toLowerCase(), c);
}

/** A check by id (SLW-SEC-001) or name (run-as-non-root), case-insensitive. */
export function findCheck(idOrName: string): CheckDefinition | undefined {
  return BY_KEY.get(idOrName.trim().toLowerCase());
}

/** Errors for waivers naming an unknown check or a check that cannot be waived (config errors). */
export function checkWaivers(
  service: string,
  waivers: readonly Waiver[] | undefined,
  environments?: readonly string[],
): SlipwayError[] {
  const errors: SlipwayError[] = [];
  (waivers ?? []).forEach((w, i) => {
    const key = `services.${service}.waivers[${i}]`;
    const c = findCheck(w.check);
    if (!c) {
      const guess = closest(
        w.check,
        CHECKS.flatMap((x) => [x.id, x.name]),
      );
      errors.push(
        new SlipwayError('config', `waiver for unknown check "${w.check}"`, {
          location: { file: 'slipway.yaml', path: `${key}.check` },
          hint: guess
            ? `Did you mean ${guess}? \`slipway lint --help\` and docs/policy.md list the checks.`
            : 'docs/policy.md lists the checks.',
        }),
      );
    } else if (c.waivable === false) {
      errors.push(
        new SlipwayError('config', `check ${c.id} ${c.name} cannot be waived`, {
          location: { file: 'slipway.yaml', path: `${key}.check` },
          hint: c.remedy,
        }),
      );
    }
    for (const env of w.environments ?? []) {
      if (environments && !environments.includes(env)) {
        errors.push(
          new SlipwayError('config', `waiver names unknown environment "${env}"`, {
            location: { file: 'slipway.yaml', path: `${key}.environments` },
            hint: `Environments: ${environments.join(', ')}.`,
          }),
        );
      }
    }
  });
  return errors;
}

export interface CheckInput {
  environment: string;
  level: PolicyLevel;
  services: Array<{
    service: string;
    objects: KubeObject[];
    values?: MergedValues;
    waivers?: ServiceConfig['waivers'];
  }>;
}

/** The file:line that set a values key (or its closest set ancestor). */
export function valuesSource(values: MergedValues | undefined, key: string): Finding['source'] | undefined {
  if (!values) return undefined;
  const segs = key.split('.');
  for (let n = segs.length; n > 0; n--) {
    const o = values.origin(segs.slice(0, n));
    if (o) {
      const src: NonNullable<Finding['source']> = { file: o.layer.source, key: segs.slice(0, n).join('.') };
      if (o.line !== undefined) src.line = o.line;
      if (o.column !== undefined) src.column = o.column;
      return src;
    }
  }
  return undefined;
}

/** Applies a waiver of the service (by check id or name, for this environment) to a finding. */
export function applyWaiver(f: Finding, waivers: readonly Waiver[] | undefined): Finding {
  for (const w of waivers ?? []) {
    const c = findCheck(w.check);
    if (!c || c.id !== f.checkId || c.waivable === false) continue;
    if (w.environments && !w.environments.includes(f.environment)) continue;
    return { ...f, waived: { reason: w.reason } };
  }
  return f;
}

/** Runs every enabled check of the level over the services' objects. Pure; throws on unknown waivers. */
export function runChecks(input: CheckInput): Finding[] {
  const errors = input.services.flatMap((s) => checkWaivers(s.service, s.waivers));
  if (errors.length > 0)
    throw errors.length === 1
      ? errors[0]!
      : new SlipwayError('config', `${errors.length} invalid waivers`, {
          details: errors.map((e) => e.message),
        });
  const index = new ObjectIndex(input.services.flatMap((s) => s.objects));
  const findings: Finding[] = [];
  for (const s of input.services) {
    const workloads = s.objects.map((o) => index.workload(o)).filter((w) => w !== undefined);
    const scope = {
      service: s.service,
      environment: input.environment,
      level: input.level,
      objects: s.objects,
      index,
      workloads,
    };
    for (const check of CHECKS) {
      const severity = check.severity[input.level];
      if (severity === 'off' || !check.run) continue;
      for (const raw of check.run(scope)) {
        const f: Finding = {
          checkId: check.id,
          checkName: check.name,
          severity: severity as Severity,
          object: objectRef(raw.object),
          message: raw.message,
          service: s.service,
          environment: input.environment,
        };
        if (raw.path !== undefined) f.path = raw.path;
        const key = raw.valuesPath ?? check.valuesPath;
        const source = key ? valuesSource(s.values, key) : undefined;
        if (source) f.source = source;
        findings.push(applyWaiver(f, s.waivers));
      }
    }
  }
  return findings;
}
