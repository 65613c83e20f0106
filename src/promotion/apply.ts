// `slipway apply --env E`: reconciles an environment to its desired state, service by service in
// priority order, each released with its own strategy through the release engine's deploy(). It
// stops at the first failed release and reports what was done and what was not. Every release is
// recorded in the store (soak checks read it) and audited as `deploy`. Freeze windows of the
// environment block it unless --hotfix (where the environment allows hotfixes).
import { getEnvironment, getService } from '../config/model.ts';
import { formatTime } from '../shared/duration.ts';
import { SlipwayError } from '../shared/errors.ts';
import { appendAudit } from './audit.ts';
import { activeFreeze } from './freeze.ts';
import { actorName, type OperationContext } from './operations.ts';
import { type EnvironmentPlan, PLAN_ACTIONS, planEnvironment, type ServicePlan } from './plan.ts';
import { readPlanInput } from './plan-read.ts';
import { authorize } from './roles.ts';
import { type ReleaseRunner, recordRelease, type ServiceOutcome } from './run.ts';

export interface ApplyOptions {
  environment: string;
  /** Only these services (default: every service whose plan is not in sync). */
  targets?: readonly string[];
  hotfix?: boolean;
  reason?: string;
  runner: ReleaseRunner;
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
  const { platform, store, now } = ctx;
  const env = getEnvironment(platform, o.environment);
  const actor = actorName(platform, ctx.user);
  for (const t of o.targets ?? []) getService(platform, t);
  await authorize({ ...ctx, user: actor }, env.name, 'deploy', {
    operation: o.hotfix ? 'apply --hotfix' : 'apply',
  });
  const freeze = activeFreeze(env, now);
  if (freeze) {
    const hotfixOk = o.hotfix === true && env.promotion?.hotfix?.allowed === true;
    await appendAudit(store, {
      at: now,
      actor,
      action: hotfixOk ? 'hotfix' : 'deploy',
      environment: env.name,
      detail: { operation: 'apply', freeze: freeze.name, outcome: hotfixOk ? 'through freeze' : 'refused' },
    });
    if (!hotfixOk) {
      throw new SlipwayError(
        'policy',
        `${env.name} is frozen (${freeze.name}) until ${formatTime(freeze.endsAt)}; only a hotfix (--hotfix) may be released now`,
        {
          hint:
            env.promotion?.hotfix?.allowed === true
              ? 'Wait for the window to end, or apply with --hotfix if this is an emergency fix.'
              : `Wait for the window to end; ${env.name} does not accept hotfixes.`,
        },
      );
    }
  }
  const client = await o.runner.connect(platform, env.name);
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
    let r: Awaited<ReturnType<ReleaseRunner['deploy']>>;
    try {
      r = await o.runner.deploy(
        client,
        {
          platform,
          service: s.service,
          environment: env.name,
          user: actor,
          reason: o.reason ?? `apply: ${s.summary.slice(s.service.length + 2)}`,
        },
        o.runner.events(s.service),
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
    await recordRelease(store, r, {
      actor,
      detail: { operation: 'apply', ...(o.hotfix ? { hotfix: true } : {}) },
    });
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
