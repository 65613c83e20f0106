// Types shared by the policy checks, the catalogue and the reports.
import type { KubeObject } from '../shared/kube-types.ts';
import type { ObjectIndex, Workload } from './checks/index-objects.ts';

export type PolicyLevel = 'relaxed' | 'standard' | 'strict';
export const POLICY_LEVELS: readonly PolicyLevel[] = ['relaxed', 'standard', 'strict'];
export type Severity = 'info' | 'warning' | 'error';
export type CheckSeverity = Severity | 'off';

export interface Finding {
  checkId: string;
  checkName: string;
  severity: Severity;
  /** kind/namespace/name */
  object: string;
  /** Field path inside the object, e.g. spec.template.spec.containers[0].securityContext.privileged */
  path?: string;
  message: string;
  service: string;
  environment: string;
  /** The values file and line that set the controlling key (when values were given and it is set). */
  source?: { file: string; line?: number; column?: number; key: string };
  waived?: { reason: string };
}

export type Waiver = { check: string; reason: string; environments?: string[] | undefined };

/** One problem a check found, before severity, waivers and sources are applied. */
export interface RawFinding {
  object: KubeObject;
  path?: string;
  message: string;
  /** A more specific values key than the check's own valuesPath. */
  valuesPath?: string;
}

export interface CheckScope {
  service: string;
  environment: string;
  level: PolicyLevel;
  /** This service's objects. */
  objects: readonly KubeObject[];
  /** Every object of every service being checked in this environment, indexed. */
  index: ObjectIndex;
  /** The workload views of `objects` (computed once per service). */
  workloads?: readonly Workload[];
}

export interface CheckDefinition {
  /** Stable id, e.g. SLW-SEC-001. Never reused or renumbered. */
  id: string;
  /** Stable kebab-case name, e.g. run-as-non-root. */
  name: string;
  category: 'security' | 'reliability' | 'resources' | 'images' | 'network' | 'configuration' | 'schema';
  /** One line: why it matters. */
  rationale: string;
  /** How to fix a finding. */
  remedy: string;
  severity: Record<PolicyLevel, CheckSeverity>;
  /** The values key that controls it, so a finding can name the file:line that set it. */
  valuesPath?: string;
  /** False for checks whose findings the API server or the tighten-only rule would refuse anyway. */
  waivable?: boolean;
  run?(scope: CheckScope): RawFinding[];
}
