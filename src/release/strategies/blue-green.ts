// The blue-green executor (document 004): `<service>-blue` / `<service>-green` Deployments, the active
// Service `<service>` selecting one colour, `<service>-preview` selecting the colour under test and
// the direct `-blue` / `-green` Services.
//
//   pre-deploy hook <name>    backup, then preDeploy hooks, as Jobs, before any pod of the release
//   deploy idle colour        render the release for the idle colour, apply it (all but the active
//                             Service and the HPA), wait until the idle colour is available
//   smoke tests (preview)     the service's smoke tests against `<service>-preview`
//   pre-promotion analysis    templates with args previewUrl/activeUrl (analysis engine)
//   await promotion           autoPromotion false: until `slipway promote` (or abort, or the deadline)
//   switch active Service     held while the environment is frozen (freeze-hold.ts), then full
//                             size first, then the selector switch (one apply: instant)
//   post-promotion analysis   failure switches the selector back at once
//   post-deploy hook <name>   postDeploy hooks as Jobs; failure switches back
//   smoke tests (active)      the smoke tests again, against the active Service; failure switches back
//   scale down old colour     the old colour is kept for scaleDownDelay (a `slipway rollback` then only
//                             switches back: its pods still run that version), then scaled to 0 at
//                             the time recorded on it (scale-down.ts), also after a restart
//
// The active colour is read live from the Service's selector, never from the record, so a crash or a
// hand-made switch cannot confuse it. A rollback is a release of the old version: its colour is
// usually still up, so it is a switch without a rollout.
import type { BlueGreenStrategy } from '../../config/schema.ts';
import { renderService } from '../../render/index.ts';
import { type KubeObject, LABELS } from '../../shared/kube-types.ts';
import { ReleaseFailure } from '../failure.ts';
import {
  executeLifecycleStep,
  hasSmokeTests,
  isPreDeployStep,
  postDeploySteps,
  preDeploySteps,
  smokeTestSteps,
} from '../lifecycle.ts';
import { releaseName } from '../names.ts';
import { applyManifests } from '../rolling.ts';
import { serviceUrl } from '../smoke.ts';
import { trackDeployments } from '../track.ts';
import type { PlannedStep, StrategyContext, StrategyExecutor } from '../types.ts';
import { analysisOptionsFor, setDefaultAnalysisOptions } from './analysis-options.ts';
import { type Color, otherColor, BLUE_GREEN_PHASES as P, planBlueGreen } from './blue-green-plan.ts';
import {
  type AnalysisOptions,
  analyse,
  chartOf,
  clearGate,
  holdWhileFrozen,
  verdict,
  waitGated,
} from './canary-runtime.ts';
import { forgetHeld, withHeldDeadline } from './freeze-hold.ts';
import { recordScaleDown, settleScaleDowns } from './scale-down.ts';

export const REVISION_ANNOTATION = 'slipway.dev/release-revision';

function bgOf(ctx: StrategyContext): BlueGreenStrategy {
  if (ctx.strategy.type !== 'blueGreen') throw new ReleaseFailure(`${ctx.service} does not use blue-green`);
  return ctx.strategy;
}

/** The colour the active Service selects now, if it exists and selects one. */
export async function liveActiveColor(ctx: StrategyContext): Promise<Color | undefined> {
  const svc = await ctx.client.get('v1', 'Service', releaseName(ctx), ctx.namespace);
  const c = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector?.[LABELS.track];
  return c === 'blue' || c === 'green' ? c : undefined;
}

/** The colour this release deploys to: the one carrying its revision, else the idle one. */
async function targetColor(ctx: StrategyContext): Promise<{ target: Color; active: Color | undefined }> {
  for (const c of ['blue', 'green'] as const) {
    const d = await ctx.client.get('apps/v1', 'Deployment', releaseName(ctx, c), ctx.namespace);
    if (d?.metadata.annotations?.[REVISION_ANNOTATION] === String(ctx.release.revision)) {
      const live = await liveActiveColor(ctx);
      return { target: c, active: live === c ? otherColor(c) : live };
    }
  }
  const active = await liveActiveColor(ctx);
  return { target: active ? otherColor(active) : 'blue', active };
}

/** The release rendered for one colour (the engine renders the at-rest blue). */
function renderFor(ctx: StrategyContext, color: Color, replicas: number): KubeObject[] {
  const objects = renderService({ ...chartOf(ctx), activeColor: color });
  return objects.map((o) => {
    if (o.kind !== 'Deployment') return o;
    return {
      ...o,
      metadata: {
        ...o.metadata,
        annotations: {
          ...(o.metadata.annotations ?? {}),
          [REVISION_ANNOTATION]: String(ctx.release.revision),
        },
      },
      spec: { ...(o.spec as object), replicas },
    };
  });
}

const replicasOf = (ctx: StrategyContext) =>
  Number(
    (ctx.manifests.find((o) => o.kind === 'Deployment')?.spec as { replicas?: number } | undefined)
      ?.replicas ?? 1,
  );

async function track(ctx: StrategyContext, name: string): Promise<string> {
  const done = await trackDeployments(ctx.client, [name], {
    namespace: ctx.namespace,
    deadline: ctx.deadline,
    onProgress: (p) => ctx.events.progress(p),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return done.map((p) => `${p.name} ${p.available}/${p.desired} available`).join(', ');
}

/** Points the active Service at `color` (one apply of the rendered Service: the switch is instant). */
async function switchTo(ctx: StrategyContext, color: Color): Promise<void> {
  const active = releaseName(ctx);
  const svc = renderFor(ctx, color, 0).find((o) => o.kind === 'Service' && o.metadata.name === active);
  if (!svc) throw new ReleaseFailure(`the release renders no Service ${active}`);
  await ctx.client.apply(svc, { force: true });
}

async function scaleTo(ctx: StrategyContext, color: Color, replicas: number): Promise<void> {
  await ctx.client
    .patch(
      'apps/v1',
      'Deployment',
      releaseName(ctx, color),
      { spec: { replicas } },
      {
        namespace: ctx.namespace,
        type: 'merge',
      },
    )
    .catch(() => undefined);
}

/**
 * The args every blue-green analysis gets: the preview and active URLs, and for the built-in mesh
 * metrics the new colour as the measured track (`canary`) against the old one (`stable`); without
 * them the built-in metrics would look for a `<service>-canary` workload blue-green never has.
 */
async function gateArgs(ctx: StrategyContext, target: Color, old: Color): Promise<Record<string, string>> {
  const out: Record<string, string> = {
    canary: releaseName(ctx, target),
    stable: releaseName(ctx, old),
  };
  for (const [arg, name] of [
    ['previewUrl', releaseName(ctx, 'preview')],
    ['activeUrl', releaseName(ctx)],
  ] as const) {
    const svc = await ctx.client.get('v1', 'Service', name, ctx.namespace);
    const u = svc ? serviceUrl(svc) : undefined;
    if (u) out[arg] = u;
  }
  return out;
}

async function runGate(
  ctx: StrategyContext,
  o: AnalysisOptions,
  gate: { templates: string[]; what: string; target: Color; old: Color },
): Promise<string> {
  const { templates, what } = gate;
  const stop = new AbortController();
  const args = await gateArgs(ctx, gate.target, gate.old);
  const run = analyse(ctx, analysisOptionsFor(ctx, o), templates, args, stop.signal);
  let result: Awaited<typeof run> | undefined;
  run.then(
    (r) => {
      result = r;
    },
    () => {},
  );
  try {
    await waitGated(ctx, { deadline: ctx.deadline, what, until: () => result !== undefined });
  } finally {
    stop.abort();
  }
  const r = await run;
  if (verdict(r) !== 'pass') throw new ReleaseFailure(`${what} ${r.phase.toLowerCase()}: ${r.message}`);
  return r.message;
}

// Kept here for callers that wait for the scale-downs of their releases (tests).
export { settleScaleDowns };

export function createBlueGreenStrategy(o: AnalysisOptions = {}): StrategyExecutor {
  async function execute(step: PlannedStep, ctx: StrategyContext): Promise<string | undefined> {
    const strategy = bgOf(ctx);
    const { target, active } = await targetColor(ctx);
    const N = replicasOf(ctx);
    const plan = planBlueGreen(strategy, { active, replicas: N });
    switch (step.name) {
      case P.deploy: {
        const first = active === undefined;
        const objects = renderFor(ctx, target, first ? N : plan.previewReplicas).filter(
          (x) =>
            first ||
            !(
              (x.kind === 'Service' && x.metadata.name === releaseName(ctx)) ||
              x.kind === 'HorizontalPodAutoscaler'
            ),
        );
        const summary = await applyManifests({ ...ctx, manifests: objects });
        return `${summary}; ${await track(ctx, releaseName(ctx, target))}${first ? `; ${target} is active` : ` (preview; ${active} serves)`}`;
      }
      case P.preAnalysis:
        if (!active || !plan.preAnalysis) return 'nothing to check';
        return await runGate(ctx, o, {
          templates: plan.preAnalysis,
          what: P.preAnalysis,
          target,
          old: active,
        });
      case P.awaitPromote: {
        if (!active) return undefined;
        ctx.events.log(
          `${target} is ready in preview: run \`slipway promote ${ctx.service} --env ${ctx.release.environment}\``,
        );
        const r = await waitGated(ctx, { deadline: ctx.deadline, what: P.awaitPromote, promotable: true });
        return `promoted by ${r.user}`;
      }
      case P.switch: {
        // A freeze holds the release before users see the new colour.
        const ms = active ? await holdWhileFrozen(ctx, P.switch) : 0;
        const c = ms > 0 ? { ...ctx, deadline: ctx.deadline + ms } : ctx;
        if (plan.previewReplicas < N) {
          await scaleTo(c, target, N);
          await track(c, releaseName(ctx, target));
        }
        await switchTo(c, target);
        for (const x of renderFor(c, target, N).filter((y) => y.kind === 'HorizontalPodAutoscaler'))
          await ctx.client.apply(x, { force: true });
        return `${ctx.service} → ${target}${active ? ` (was ${active})` : ''}`;
      }
      case P.postAnalysis:
        if (!active || !plan.postAnalysis) return 'nothing to check';
        return await runGate(ctx, o, {
          templates: plan.postAnalysis,
          what: P.postAnalysis,
          target,
          old: active,
        });
      case P.scaleDown: {
        if (!active) return 'no old colour';
        await clearGate(ctx.client, ctx.namespace, ctx.service);
        // The release ends now; the old colour stays for scaleDownDelay so that a rollback is a switch.
        // The time it goes is recorded on it (scale-down.ts): a restart does not move it.
        const at = await recordScaleDown(ctx.client, ctx.namespace, {
          deployment: releaseName(ctx, active),
          activeService: releaseName(ctx),
          color: active,
          delayMs: plan.scaleDownDelayMs,
        });
        return `${active} kept until ${at.toISOString()} for instant rollback, then scaled to 0`;
      }
      default:
        throw new ReleaseFailure(`the blue-green strategy has no step "${step.name}"`);
    }
  }

  return {
    type: 'blueGreen',
    restoresItself: true,
    plan(ctx) {
      const strategy = ctx.strategy as BlueGreenStrategy;
      const fast = ctx.release.rollbackOf !== undefined;
      const smoke = hasSmokeTests(ctx);
      // The first release has no old colour; a rollback skips the checks before the switch (the
      // version ran before) but its smoke tests still check the active Service after it.
      const plan = planBlueGreen(
        fast
          ? ({
              ...strategy,
              autoPromotion: true,
              prePromotionAnalysis: undefined,
              postPromotionAnalysis: undefined,
            } as BlueGreenStrategy)
          : strategy,
        {
          active: ctx.previous ? 'blue' : undefined,
          replicas: replicasOf(ctx as StrategyContext),
          smoke: { preview: smoke && !fast, active: smoke },
          postDeployHooks: postDeploySteps(ctx).length > 0,
        },
      );
      return [
        ...preDeploySteps(ctx),
        ...plan.phases.flatMap((name): PlannedStep[] => {
          if (name === P.smoke)
            return smokeTestSteps(ctx, { target: releaseName(ctx, 'preview'), label: 'preview' });
          if (name === P.smokeActive) return smokeTestSteps(ctx, { label: 'active' });
          if (name === P.postDeploy) return postDeploySteps(ctx);
          return [{ name, ...(name === P.deploy ? { changesWorkloads: true } : {}) }];
        }),
      ];
    },
    async execute(step, given) {
      // Every hold so far moves the release's deadline.
      const ctx = withHeldDeadline(given);
      // Nothing of the release runs yet: a failed pre-deploy hook has nothing to switch back.
      if (isPreDeployStep(step)) return (await executeLifecycleStep(step, ctx))?.detail;
      try {
        const lifecycle = await executeLifecycleStep(step, ctx);
        return lifecycle ? lifecycle.detail : await execute(step, ctx);
      } catch (e) {
        forgetHeld(ctx);
        if (ctx.signal?.aborted) throw e; // the lock was taken: the new holder owns both colours now
        // Switch back at once when the switch happened, and take the new colour out of the way. The
        // first release has nothing to go back to: its objects stay as they are (as rolling's do).
        const { target, active } = ctx.previous
          ? await targetColor(ctx).catch(() => ({ target: undefined, active: undefined }))
          : { target: undefined, active: undefined };
        if (target && active) {
          if ((await liveActiveColor(ctx).catch(() => undefined)) === target) {
            await switchTo(ctx, active).catch(() => undefined);
            ctx.events.log(`switched ${ctx.service} back to ${active}`);
          }
          await scaleTo(ctx, target, 0);
        }
        await clearGate(ctx.client, ctx.namespace, ctx.service);
        throw e instanceof ReleaseFailure ? e : new ReleaseFailure((e as Error).message);
      }
    },
  };
}

export const blueGreenStrategy: StrategyExecutor = createBlueGreenStrategy();

/**
 * @deprecated The engine's strategy map is static (registry.ts); pass `analysis` in the request.
 * Kept for callers not yet doing so: sets process-wide analysis defaults and answers the executor.
 */
export function registerBlueGreen(o: AnalysisOptions = {}): StrategyExecutor {
  setDefaultAnalysisOptions(o);
  return blueGreenStrategy;
}
