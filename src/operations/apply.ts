// `slipway apply --env E`: reconciles an environment to its desired state, service by service in
// priority order, each released with its own strategy through the release engine's deploy(). It
// stops at the first failed release and reports what was done and what was not. Every release is
// audited as `deploy`, the apply itself as `apply`. It passes the gates of guard.ts: freezes block it
// unless --hotfix (where the environment allows hotfixes) or an admin's --override-freeze.
import { getEnvironment, getService } from '../config/model.ts';
import { type EnvironmentPlan, PLAN_ACTIONS, planEnvironment, type ServicePlan } from '../promotion/plan.ts';
import { readPlanInput } from '../promotion/plan-read.ts';
import { deploy } from '../release/engine.ts';
import type { ReleaseRecord } from '../release/history.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { OperationContext } from './context.ts';
import { passGates } from './guard.ts';
import { auditRelease, type ServiceOutcome } from './promotion-run.ts';

export interface ApplyOptions {
  environment: string;
  /** Only these services (default: every service whose plan is not in sync). */
  targets?: readonly string[];
  hotfix?: boolean;
  reason?: string;
  /** Release through a freeze: only an admin, with this reason. */
  overrideFreeze?: string | undefined;
  /** Called before each release starts. */
  onStart?: (s: ServicePlan) => void;
}

export interface ApplyResult {
  plan: EnvironmentPlan;
  /** Released (deployed or failed), in order. */
  releases: ServiceOutcome[];
  /** Planned but not run because an earlier release failed. */
  notRun: string[];
  ok: boolean;
}

const ACTIONABLE: ReadonlySet<string> = new Set([
  PLAN_ACTIONS.install,
  PLAN_ACTIONS.update,
  PLAN_ACTIONS.drift,
]);

export async function applyEnvironment(ctx: OperationContext, o: ApplyOptions): Promise<ApplyResult> {
  const { platform } = ctx;
  const env = getEnvironment(platform, o.environment);
  for (const t of o.targets ?? []) getService(platform, t);
  const passed = await passGates(ctx, {
    environment: env.name,
    action: 'apply',
    permission: 'deploy',
    freeze: true,
    hotfix: o.hotfix,
    overrideFreeze: o.overrideFreeze,
    detail: {
      ...(o.targets && o.targets.length > 0 ? { targets: [...o.targets] } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    },
  });
  try {
    const result = await applyPassed(ctx, o);
    await passed.finish(result.ok ? 'succeeded' : 'failed', {
      released: result.releases.map((r) => `${r.service} ${r.status}`),
      ...(result.notRun.length > 0 ? { notRun: result.notRun } : {}),
    });
    return result;
  } catch (e) {
    await passed.finish('failed', { error: e instanceof Error ? e.message : String(e) }).catch(() => {});
    throw e;
  }
}

async function applyPassed(ctx: OperationContext, o: ApplyOptions): Promise<ApplyResult> {
  const { platform } = ctx;
  const env = getEnvironment(platform, o.environment);
  const actor = ctx.user;
  const client = await ctx.cluster.connect(platform, env.name);
  if (!client) throw new SlipwayError('unreachable', `cannot connect to the cluster of ${env.name}`);
  const plan = planEnvironment(await readPlanInput(client, platform, env.name));
  const targets = o.targets && o.targets.length > 0 ? new Set(o.targets) : undefined;
  const todo = plan.services.filter((s) => ACTIONABLE.has(s.action) && (!targets || targets.has(s.service)));
  const releases: ServiceOutcome[] = [];
  const notRun: string[] = [];
  let failed = false;
  for (const s of todo) {
    if (failed) {
      notRun.push(s.service);
      continue;
    }
    o.onStart?.(s);
    let r: ReleaseRecord;
    try {
      r = await deploy(
        client,
        {
          platform,
          service: s.service,
          environment: env.name,
          user: actor,
          reason: o.reason ?? `apply: ${s.summary.slice(s.service.length + 2)}`,
        },
        ctx.cluster.events(s.service),
      );
    } catch (e) {
      // Refused before anything was applied (lint errors, locked, unreachable): stop here.
      releases.push({
        service: s.service,
        status: 'failed',
        reason: e instanceof Error ? e.message : String(e),
      });
      failed = true;
      continue;
    }
    await auditRelease(ctx, r, { operation: 'apply', ...(o.hotfix ? { hotfix: true } : {}) });
    const version = r.version.tag ?? r.version.digest;
    if (r.status === 'deployed') {
      releases.push({
        service: s.service,
        status: 'deployed',
        revision: r.revision,
        ...(version ? { version } : {}),
      });
    } else {
      failed = true;
      releases.push({
        service: s.service,
        status: 'failed',
        revision: r.revision,
        ...(version ? { version } : {}),
        reason: r.failure?.reason ?? r.status,
      });
    }
  }
  return { plan, releases, notRun, ok: !failed };
}
