// Small helpers for writing checks: severity tables and per-workload / per-container iteration.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { CheckScope, CheckSeverity, PolicyLevel, RawFinding } from '../types.ts';
import { type ContainerView, containersOf, isMap, type Workload } from './index-objects.ts';

export function sev(
  relaxed: CheckSeverity,
  standard: CheckSeverity,
  strict: CheckSeverity,
): Record<PolicyLevel, CheckSeverity> {
  return { relaxed, standard, strict };
}

export function workloads(scope: CheckScope): readonly Workload[] {
  if (scope.workloads) return scope.workloads;
  const out: Workload[] = [];
  for (const o of scope.objects) {
    const w = scope.index.workload(o);
    if (w) out.push(w);
  }
  return out;
}

/** Calls fn for each (non-init unless `withInit`) container of each workload of the service. */
export function eachContainer(
  scope: CheckScope,
  fn: (c: ContainerView, w: Workload, out: RawFinding[]) => void,
  withInit = true,
): RawFinding[] {
  const out: RawFinding[] = [];
  for (const w of workloads(scope)) for (const c of containersOf(w)) if (withInit || !c.init) fn(c, w, out);
  return out;
}

export function eachWorkload(scope: CheckScope, fn: (w: Workload, out: RawFinding[]) => void): RawFinding[] {
  const out: RawFinding[] = [];
  for (const w of workloads(scope)) fn(w, out);
  return out;
}

export function eachObject(
  scope: CheckScope,
  kind: string,
  fn: (o: KubeObject, out: RawFinding[]) => void,
): RawFinding[] {
  const out: RawFinding[] = [];
  for (const o of scope.objects) if (o.kind === kind) fn(o, out);
  return out;
}

export function map(v: unknown): Record<string, unknown> {
  return isMap(v) ? v : {};
}

/** The container's securityContext field, falling back to the pod's for the fields both have. */
export function effective(c: ContainerView, w: Workload, field: string): { value: unknown; path: string } {
  const csc = map(c.container.securityContext);
  if (csc[field] !== undefined && csc[field] !== null)
    return { value: csc[field], path: `${c.path}.securityContext.${field}` };
  const psc = map(w.podSpec.securityContext);
  if (psc[field] !== undefined && psc[field] !== null)
    return { value: psc[field], path: `${w.podPath}.securityContext.${field}` };
  return { value: undefined, path: `${c.path}.securityContext.${field}` };
}
