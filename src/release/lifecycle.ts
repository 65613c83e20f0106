// The steps every strategy shares around its own: pre-deploy hooks (backup, then preDeploy, one step
// each) before any pod changes, post-deploy hooks after the rollout, and smoke tests against a named
// Service. Each strategy places them in its plan (see docs/strategies.md for the order per strategy)
// and hands them to executeLifecycleStep, inside its own failure handling, so a failed post-deploy hook
// or smoke test restores the previous revision the way that strategy does.
//
// A rollback runs no hooks: migrations are forward-only (the older version must work with the newer
// schema) and a backup would only delay getting the good version back. Its smoke tests still run.
import { postDeployHooks, preDeployHooks, runHook } from './hooks.ts';
import { releaseName } from './names.ts';
import { httpSmokeTests, jobSmokeTests, runSmokeTests } from './smoke.ts';
import type { PlanContext, PlannedStep, StrategyContext } from './types.ts';

export const LIFECYCLE_STEPS = {
  preDeploy: (hook: string) => `pre-deploy hook ${hook}`,
  postDeploy: (hook: string) => `post-deploy hook ${hook}`,
  smoke: 'smoke tests',
} as const;

type LifecycleData =
  | { lifecycle: 'pre-deploy' | 'post-deploy'; hook: string }
  | { lifecycle: 'smoke'; target: string; label?: string };

const isRollback = (ctx: PlanContext) => ctx.release.rollbackOf !== undefined;

export function preDeploySteps(ctx: PlanContext): PlannedStep[] {
  if (isRollback(ctx)) return [];
  return preDeployHooks(ctx.serviceConfig).map((h) => ({
    name: LIFECYCLE_STEPS.preDeploy(h.name),
    data: { lifecycle: 'pre-deploy', hook: h.name } satisfies LifecycleData,
  }));
}

export function postDeploySteps(ctx: PlanContext): PlannedStep[] {
  if (isRollback(ctx)) return [];
  return postDeployHooks(ctx.serviceConfig).map((h) => ({
    name: LIFECYCLE_STEPS.postDeploy(h.name),
    data: { lifecycle: 'post-deploy', hook: h.name } satisfies LifecycleData,
  }));
}

export const hasSmokeTests = (ctx: PlanContext): boolean =>
  httpSmokeTests(ctx.serviceConfig).length + jobSmokeTests(ctx.serviceConfig).length > 0;

/** The smoke test step against the Service `target` (default the service's own), if any are declared. */
export function smokeTestSteps(
  ctx: PlanContext,
  o: { target?: string; label?: 'preview' | 'active' } = {},
): PlannedStep[] {
  if (!hasSmokeTests(ctx)) return [];
  const data: LifecycleData = {
    lifecycle: 'smoke',
    target: o.target ?? releaseName(ctx),
    ...(o.label ? { label: o.label } : {}),
  };
  return [{ name: o.label ? `${LIFECYCLE_STEPS.smoke} (${o.label})` : LIFECYCLE_STEPS.smoke, data }];
}

function lifecycleOf(step: PlannedStep): LifecycleData | undefined {
  const l = step.data?.lifecycle;
  return l === 'pre-deploy' || l === 'post-deploy' || l === 'smoke'
    ? (step.data as LifecycleData)
    : undefined;
}

export const isLifecycleStep = (step: PlannedStep): boolean => lifecycleOf(step) !== undefined;

/** Pre-deploy steps change nothing that runs: their failure needs no undo. */
export const isPreDeployStep = (step: PlannedStep): boolean => lifecycleOf(step)?.lifecycle === 'pre-deploy';

/** Carries out a lifecycle step; answers undefined when `step` is not one (the strategy's own). */
export async function executeLifecycleStep(
  step: PlannedStep,
  ctx: StrategyContext,
): Promise<{ detail: string | undefined } | undefined> {
  const l = lifecycleOf(step);
  if (!l) return undefined;
  if (l.lifecycle === 'smoke') {
    return { detail: await runSmokeTests(ctx, { target: l.target, ...(l.label ? { label: l.label } : {}) }) };
  }
  return { detail: await runHook(ctx, l.lifecycle, l.hook) };
}
