// The canary executor: plugs into the release engine's StrategyExecutor interface (types.ts).
//
//   pre-deploy hook <name>   backup, then preDeploy hooks, as Jobs, before the canary exists
//   apply          every object of the release except the stable Deployment and the routing
//                  objects (so the new hashed ConfigMap/Secret arrive, the old ones stay for stable),
//                  and `<service>-canary` (track canary, the new version) at 0 pods
//   step i: …      per strategy step: hold while the environment is frozen, scale the canary (Argo's
//                  replica math, the HPA's live count as N), wait until it is available, hold again
//                  if frozen meanwhile, set weight and header route, then wait (pause, promote,
//                  analysis) while watching the gate, the lock, the freeze and background analysis
//   promote        hold while frozen, upgrade stable to the new version, wait until it is fully
//                  available, only then route 100 % to stable, then delete the canary
//   post-deploy hook <name>, smoke tests   against the promoted stable Service; a failure re-applies
//                  the previous revision (the engine does, as for rolling)
//   prune          what the release no longer renders (old ConfigMaps/Secrets, the NGINX canary Ingress)
//
// On any failure the first action is weight 0, then the canary is deleted; the ReleaseFailure then
// lets the engine re-apply the last good revision (stable was never touched before promote) and mark
// the release failed with the reason (the analysis that failed). The first release of a service and
// rollbacks have nothing to compare with: they go straight to stable as an atomic rolling update.
// A declared freeze (`slipway freeze`) holds the canary at its weight, before each step and inside its
// waits, and moves its deadlines by the time held (freeze-hold.ts); an abort still ends it.
import type { CanaryStrategy } from '../../config/schema.ts';
import { renderWorkload } from '../../render/index.ts';
import { parseDuration } from '../../shared/duration.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import { ReleaseFailure } from '../failure.ts';
import {
  executeLifecycleStep,
  isPreDeployStep,
  postDeploySteps,
  preDeploySteps,
  smokeTestSteps,
} from '../lifecycle.ts';
import { releaseName } from '../names.ts';
import { applyManifests, pruneManifests, ROLLING_STEPS, rollingStrategy } from '../rolling.ts';
import { trackDeployments } from '../track.ts';
import type { PlannedStep, StrategyContext, StrategyExecutor } from '../types.ts';
import { analysisOptionsFor, setDefaultAnalysisOptions } from './analysis-options.ts';
import { type CanaryTarget, planCanary, routerOf, stepLabel } from './canary-plan.ts';
import {
  type AnalysisOptions,
  analyse,
  backgroundInconclusive,
  chartOf,
  clearGate,
  holdWhileFrozen,
  isFullPromotion,
  startBackground,
  stopBackground,
  verdict,
  waitGated,
} from './canary-runtime.ts';
import { forgetHeld, withHeldDeadline } from './freeze-hold.ts';
import { routeAllToStable, setTraffic } from './traffic.ts';

export const CANARY_STEPS = {
  apply: ROLLING_STEPS.apply,
  promote: 'promote',
  prune: ROLLING_STEPS.prune,
} as const;

/** The canary Deployment `<service>-canary` and the stable one `<service>`, with the environment's affixes. */
const canaryName = (ctx: Parameters<typeof releaseName>[0]) => releaseName(ctx, 'canary');
const stableName = (ctx: Parameters<typeof releaseName>[0]) => releaseName(ctx);

function canaryOf(ctx: StrategyContext): CanaryStrategy {
  if (ctx.strategy.type !== 'canary')
    throw new ReleaseFailure(`${ctx.service} does not use a canary strategy`);
  return ctx.strategy;
}

function isStable(o: KubeObject, service: string): boolean {
  return o.apiVersion === 'apps/v1' && o.kind === 'Deployment' && o.metadata.name === service;
}

const ROUTE_KINDS = new Set(['VirtualService', 'HTTPRoute']);

/** The new version's stable Deployment as rendered. */
function stableManifest(ctx: StrategyContext): KubeObject {
  const d = ctx.manifests.find((o) => isStable(o, stableName(ctx)));
  if (!d) throw new ReleaseFailure(`the release renders no Deployment ${stableName(ctx)}`);
  return d;
}

const hasHpa = (ctx: StrategyContext) => ctx.manifests.some((o) => o.kind === 'HorizontalPodAutoscaler');

/** N: the live stable count when an HPA manages it (never fight the autoscaler), else the rendered one. */
async function stableReplicas(ctx: StrategyContext): Promise<number> {
  const rendered = Number((stableManifest(ctx).spec as { replicas?: number }).replicas ?? 1);
  if (!hasHpa(ctx)) return rendered;
  const live = await ctx.client.get('apps/v1', 'Deployment', stableName(ctx), ctx.namespace);
  const n = (live?.spec as { replicas?: number } | undefined)?.replicas;
  return typeof n === 'number' ? n : rendered;
}

function canaryWorkload(ctx: StrategyContext, replicas: number): KubeObject {
  return renderWorkload(chartOf(ctx), { name: canaryName(ctx), track: 'canary', replicas });
}

async function liveCanaryReplicas(ctx: StrategyContext): Promise<number> {
  const d = await ctx.client.get('apps/v1', 'Deployment', canaryName(ctx), ctx.namespace);
  const n = (d?.spec as { replicas?: number } | undefined)?.replicas;
  return typeof n === 'number' ? n : 0;
}

/** Whether this step already ended well in an earlier run of this release (resume skips its waits). */
function doneBefore(ctx: StrategyContext, name: string): boolean {
  return ctx.release.steps.some((s) => s.name === name && s.outcome === 'ok');
}

/** When this step first started in this release (its earliest record, across resumes); now if never. */
function firstStart(ctx: StrategyContext, name: string): number {
  const times = ctx.release.steps.filter((s) => s.name === name).map((s) => Date.parse(s.startedAt));
  return Math.min(Date.now(), ...times.filter((t) => !Number.isNaN(t)));
}

async function track(ctx: StrategyContext, names: string[], deadline: number): Promise<string> {
  const done = await trackDeployments(ctx.client, names, {
    namespace: ctx.namespace,
    deadline,
    onProgress: (p) => ctx.events.progress(p),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return done.map((p) => `${p.name} ${p.available}/${p.desired}`).join(', ');
}

/**
 * Weight 0 (first), then the canary deleted. Idempotent: safe to run any number of times, also when
 * the canary never existed. Leaves stable serving 100 %.
 */
export async function abortCanary(ctx: StrategyContext): Promise<void> {
  const router = routerOf(canaryOf(ctx));
  const chart = chartOf(ctx);
  await routeAllToStable(ctx.client, chart, router);
  // Requests a router already sent to the canary finish before its pods go (Argo's abortScaleDownDelay).
  if (router !== 'none') await sleep(ROUTER_SETTLE_MS / 2);
  await ctx.client.delete('apps/v1', 'Deployment', canaryName(ctx), ctx.namespace);
}

/** How long routers take to stop sending to the canary after a weight change (proxies, meshes). */
export const ROUTER_SETTLE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createCanaryStrategy(o: AnalysisOptions = {}): StrategyExecutor {
  const stepDeadline = (ctx: StrategyContext) => {
    const s = canaryOf(ctx);
    const per = s.stepTimeout ? Date.now() + parseDuration(s.stepTimeout) : Number.POSITIVE_INFINITY;
    return Math.min(ctx.deadline, per);
  };

  async function runStep(held: StrategyContext, index: number, name: string): Promise<string> {
    // No more weight while frozen; the step's clock starts after the hold.
    const ms = await holdWhileFrozen(held, name);
    const ctx = ms > 0 ? { ...held, deadline: held.deadline + ms } : held;
    const strategy = canaryOf(ctx);
    const plan = planCanary(strategy, { replicas: await stableReplicas(ctx) });
    const t: CanaryTarget = plan.targets[index]!;
    const chart = chartOf(ctx);
    let deadline = stepDeadline(ctx);
    const notes: string[] = [];
    if (t.background && plan.background)
      startBackground(ctx, analysisOptionsFor(ctx, o), plan.background.templates);
    const full = isFullPromotion(ctx);
    // Scale up before routing more, route less before scaling down: never send traffic to pods that
    // are not there (a resumed release re-runs earlier steps, whose targets may be smaller).
    const live = await liveCanaryReplicas(ctx);
    const route = async () =>
      notes.push(
        await setTraffic(ctx.client, chart, plan.router, { weight: t.weight, headerRoute: t.headerRoute }),
      );
    const shrinking = t.canaryReplicas < live;
    if (shrinking) await route();
    await ctx.client.apply(canaryWorkload(ctx, t.canaryReplicas), { force: true });
    await track(ctx, [canaryName(ctx)], deadline);
    notes.unshift(`canary ${t.canaryReplicas} pods, stable ${t.stableReplicas}`);
    if (plan.router === 'none' && t.stableReplicas !== plan.replicas) {
      // Basic canary: the ratio is the split, so stable shrinks while the canary runs.
      await ctx.client.patch(
        'apps/v1',
        'Deployment',
        stableName(ctx),
        { spec: { replicas: t.stableReplicas } },
        { namespace: ctx.namespace, type: 'merge' },
      );
      await track(ctx, [stableName(ctx)], deadline);
    }
    // More weight only when not frozen (a freeze may have come while the pods started).
    let heldHere = ms;
    if (!shrinking) {
      const more = await holdWhileFrozen(ctx, name);
      deadline += more;
      heldHere += more;
      await route();
    }
    if (full) return [...notes, 'skipped: full promotion'].join('; ');
    if (t.wait.kind !== 'none' && doneBefore(ctx, name))
      return [...notes, 'already done before the resume'].join('; ');
    switch (t.wait.kind) {
      case 'pause': {
        // Ends at the time recorded when the pause first started (Argo's pauseStartTime), not
        // a full duration after a resume: a restarted server waits only what is left.
        // Time held for a freeze before the pause began does not count towards it.
        const left = Math.max(0, firstStart(ctx, name) + heldHere + t.wait.ms - Date.now());
        const r = await waitGated(ctx, { ms: left, deadline, what: name });
        notes.push(r.by === 'time' ? `paused ${t.wait.ms / 1000}s` : `${r.by} by ${r.user}`);
        break;
      }
      case 'promote': {
        ctx.events.log(
          `${ctx.service} waits at "${name}": run \`slipway promote ${ctx.service} --env ${ctx.release.environment}\``,
        );
        const r = await waitGated(ctx, { deadline, what: name, promotable: true });
        notes.push(`${r.by === 'promote-full' ? 'fully promoted' : 'promoted'} by ${r.user}`);
        break;
      }
      case 'analysis': {
        const stop = new AbortController();
        const run = analyse(ctx, analysisOptionsFor(ctx, o), t.wait.templates, t.wait.args, stop.signal);
        let result: Awaited<typeof run> | undefined;
        void run.then(
          (r) => {
            result = r;
          },
          () => {},
        );
        try {
          await waitGated(ctx, { deadline, what: name, until: () => result !== undefined });
        } finally {
          stop.abort();
        }
        const r = await run;
        const v = verdict(r);
        if (v === 'fail')
          throw new ReleaseFailure(`analysis ${t.wait.templates.join(', ')} failed: ${r.message}`);
        if (v === 'inconclusive') {
          ctx.events.log(`analysis inconclusive (${r.message}); waiting for promote or abort`);
          const g = await waitGated(ctx, { deadline, what: `${name} (inconclusive)`, promotable: true });
          notes.push(`inconclusive, promoted by ${g.user}`);
        } else notes.push(`analysis successful: ${r.message}`);
        break;
      }
      case 'none':
        break;
    }
    return notes.join('; ');
  }

  async function promote(held: StrategyContext): Promise<string> {
    const ms = await holdWhileFrozen(held, CANARY_STEPS.promote);
    const ctx = ms > 0 ? { ...held, deadline: held.deadline + ms } : held;
    const strategy = canaryOf(ctx);
    const router = routerOf(strategy);
    const chart = chartOf(ctx);
    // An inconclusive verdict holds the canary (weight unchanged) until a person decides.
    if (backgroundInconclusive(ctx)) await waitGated(ctx, { deadline: ctx.deadline, what: 'promote (held)' });
    const bg = await stopBackground(ctx);
    if (bg && verdict(bg) === 'fail') throw new ReleaseFailure(`background analysis failed: ${bg.message}`);
    const N = hasHpa(ctx)
      ? await stableReplicas(ctx)
      : Number((stableManifest(ctx).spec as { replicas?: number }).replicas ?? 1);
    const stable = stableManifest(ctx);
    // With an HPA keep its count: applying the rendered count would fight the autoscaler.
    const upgraded = { ...stable, spec: { ...(stable.spec as object), replicas: N } };
    await ctx.client.apply(upgraded, { force: true });
    const tracked = await track(ctx, [stableName(ctx)], ctx.deadline);
    // Only now that stable runs the new version everywhere does it take all traffic back.
    await routeAllToStable(ctx.client, chart, router);
    // Routing objects at rest (e.g. a DestinationRule) as the release renders them.
    for (const obj of ctx.manifests.filter((x) => ROUTE_KINDS.has(x.kind) || x.kind === 'DestinationRule'))
      await ctx.client.apply(obj, { force: true });
    if (router !== 'none') await sleep(ROUTER_SETTLE_MS);
    await ctx.client.delete('apps/v1', 'Deployment', canaryName(ctx), ctx.namespace);
    await clearGate(ctx.client, ctx.namespace, ctx.service);
    return `stable ${tracked}; 100 % to stable; canary deleted`;
  }

  return {
    type: 'canary',
    plan(ctx) {
      // Nothing to compare with on the first release; a rollback must be fast: both roll atomically.
      if (!ctx.previous || ctx.release.rollbackOf !== undefined) return rollingStrategy.plan(ctx);
      const strategy = ctx.strategy as CanaryStrategy;
      const steps: PlannedStep[] = [
        ...preDeploySteps(ctx),
        {
          name: CANARY_STEPS.apply,
          detail: `canary Deployment ${canaryName(ctx)} and shared objects`,
          changesWorkloads: true,
        },
      ];
      strategy.steps.forEach((s, i) => {
        steps.push({
          name: `step ${i + 1}/${strategy.steps.length}: ${stepLabel(s)}`,
          data: { canaryStep: i },
        });
      });
      // After promote stable runs the new version: hooks and smoke tests see what users will get.
      steps.push({ name: CANARY_STEPS.promote }, ...postDeploySteps(ctx), ...smokeTestSteps(ctx), {
        name: CANARY_STEPS.prune,
      });
      return steps;
    },
    async execute(step, given) {
      // Every hold so far moves the release's deadline.
      const ctx = withHeldDeadline(given);
      const canaryRun = ctx.previous !== undefined && ctx.release.rollbackOf === undefined;
      if (!canaryRun) return await rollingStrategy.execute(step, ctx);
      // Before the canary exists: a failed pre-deploy hook has no canary to abort.
      if (isPreDeployStep(step)) return (await executeLifecycleStep(step, ctx))?.detail;
      try {
        const lifecycle = await executeLifecycleStep(step, ctx);
        if (lifecycle) return lifecycle.detail;
        if (step.name === CANARY_STEPS.apply) {
          const rest = ctx.manifests.filter(
            (x) =>
              !isStable(x, stableName(ctx)) &&
              !ROUTE_KINDS.has(x.kind) &&
              x.kind !== 'Deployment' &&
              x.kind !== 'DestinationRule',
          );
          const routes = ctx.manifests.filter((x) => x.kind === 'DestinationRule');
          const summary = await applyManifests({ ...ctx, manifests: [...rest, ...routes] });
          // A resumed release keeps the canary's pods: traffic may still be routed to them.
          await ctx.client.apply(canaryWorkload(ctx, await liveCanaryReplicas(ctx)), { force: true });
          return `${summary}; ${canaryName(ctx)} created`;
        }
        if (typeof step.data?.canaryStep === 'number')
          return await runStep(ctx, step.data.canaryStep, step.name);
        if (step.name === CANARY_STEPS.promote) return await promote(ctx);
        if (step.name === CANARY_STEPS.prune) {
          forgetHeld(ctx);
          return await pruneManifests(ctx);
        }
        throw new ReleaseFailure(`the canary strategy has no step "${step.name}"`);
      } catch (e) {
        // The lock was taken: the new holder owns the canary now; touch nothing (fence.ts).
        if (ctx.signal?.aborted) throw e;
        // Weight 0 first, then the canary goes; stable (untouched until promote) serves everything.
        await stopBackground(ctx).catch(() => undefined);
        forgetHeld(ctx);
        try {
          await abortCanary(ctx);
          ctx.events.log(`canary aborted: weight 0, ${canaryName(ctx)} deleted`);
        } catch (abortError) {
          ctx.events.log(`aborting the canary failed too: ${(abortError as Error).message}`);
        }
        await clearGate(ctx.client, ctx.namespace, ctx.service);
        throw e instanceof ReleaseFailure ? e : new ReleaseFailure((e as Error).message);
      }
    },
  };
}

/** The default canary executor: the built-in analysis templates plus the platform's. */
export const canaryStrategy: StrategyExecutor = createCanaryStrategy();

/**
 * @deprecated The engine's strategy map is static (registry.ts); pass `analysis` in the request.
 * Kept for callers not yet doing so: sets process-wide analysis defaults and answers the executor.
 */
export function registerCanary(o: AnalysisOptions = {}): StrategyExecutor {
  setDefaultAnalysisOptions(o);
  return canaryStrategy;
}
