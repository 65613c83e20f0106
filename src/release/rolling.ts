// The rolling strategy: pre-deploy hooks, apply every object (server-side, field manager slipway),
// track every Deployment until the rolling update completes, post-deploy hooks, smoke tests, then
// prune what this release no longer renders. Old pods keep serving until new ones are ready
// (maxUnavailable 0 by default), so a crash at any step leaves the service up; a failure after apply
// makes the engine re-apply the previous revision.

import {
  describeLocalTarget,
  ensureSecretCrds,
  localTargetSecret,
  readLocalTargets,
} from './external-secrets.ts';
import { ReleaseFailure } from './failure.ts';
import { executeLifecycleStep, postDeploySteps, preDeploySteps, smokeTestSteps } from './lifecycle.ts';
import { applyOrder, objectKey, ownershipSelector, pruneKinds, workloadsOf } from './plan.ts';
import { resolveSecrets, secretSourcesFor } from './secrets.ts';
import { trackDeployments } from './track.ts';
import type { PlannedStep, StrategyContext, StrategyExecutor } from './types.ts';

export const ROLLING_STEPS = {
  apply: 'apply',
  track: 'track rollout',
  prune: 'prune',
} as const;

/**
 * Applies the manifests in dependency order; answers a summary line. Secret references are resolved
 * here, on the way to the client (secrets.ts), and all of them before the first object is applied.
 */
export async function applyManifests(
  ctx: Pick<StrategyContext, 'client' | 'manifests' | 'events' | 'service' | 'platform' | 'release'>,
): Promise<string> {
  const sources = secretSourcesFor(ctx.platform, ctx.release?.environment, ctx.service);
  const objects = resolveSecrets(ctx.manifests, sources);
  // The local cluster runs no secrets operator: its Secrets are written here (external-secrets.ts).
  const local = sources.local ? readLocalTargets(objects, sources.local) : [];
  if (local.length > 0)
    for (const crd of await ensureSecretCrds(ctx.client, objects)) ctx.events.log(`installed CRD ${crd}`);
  let n = 0;
  for (const obj of applyOrder(objects)) {
    const applied = await ctx.client.apply(obj, { force: true });
    ctx.events.log(`applied ${obj.kind}/${obj.metadata.name}`);
    n++;
    const target = local.find((t) => t.owner === obj);
    if (target) {
      await ctx.client.apply(localTargetSecret(target, applied), { force: true });
      ctx.events.log(describeLocalTarget(target));
    }
  }
  return `${n} object${n === 1 ? '' : 's'} applied`;
}

/** Deletes objects of this service that the manifests no longer contain. */
export async function pruneManifests(
  ctx: Pick<StrategyContext, 'client' | 'manifests' | 'namespace' | 'release' | 'events'> & {
    previous?: StrategyContext['previous'];
  },
): Promise<string> {
  const r = ctx.release;
  const deleted = await ctx.client.prune({
    labelSelector: ownershipSelector({
      platform: r.platform,
      environment: r.environment,
      service: r.service,
    }),
    keep: new Set(ctx.manifests.map((o) => objectKey(o, ctx.namespace))),
    kinds: pruneKinds(ctx.manifests, ctx.previous?.manifests ?? []),
    namespace: ctx.namespace,
  });
  for (const d of deleted) ctx.events.log(`pruned ${d}`);
  return deleted.length ? `deleted ${deleted.join(', ')}` : 'nothing to prune';
}

export const rollingStrategy: StrategyExecutor = {
  type: 'rolling',
  plan(ctx) {
    const steps: PlannedStep[] = [...preDeploySteps(ctx)];
    steps.push({
      name: ROLLING_STEPS.apply,
      detail: `${ctx.manifests.length} objects`,
      changesWorkloads: true,
    });
    const workloads = workloadsOf(ctx.manifests).map((w) => w.metadata.name ?? '');
    if (workloads.length) steps.push({ name: ROLLING_STEPS.track, data: { deployments: workloads } });
    // Before prune: a failure here re-applies the previous revision, whose objects are still there.
    steps.push(...postDeploySteps(ctx), ...smokeTestSteps(ctx), { name: ROLLING_STEPS.prune });
    return steps;
  },
  async execute(step, ctx) {
    const lifecycle = await executeLifecycleStep(step, ctx);
    if (lifecycle) return lifecycle.detail;
    switch (step.name) {
      case ROLLING_STEPS.apply:
        return await applyManifests(ctx);
      case ROLLING_STEPS.track: {
        const names = (step.data?.deployments as string[] | undefined) ?? [];
        const done = await trackDeployments(ctx.client, names, {
          namespace: ctx.namespace,
          deadline: ctx.deadline,
          onProgress: (p) => ctx.events.progress(p),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        return done.map((p) => `${p.kind}/${p.name} ${p.available}/${p.desired} available`).join(', ');
      }
      case ROLLING_STEPS.prune:
        return await pruneManifests(ctx);
      default:
        throw new ReleaseFailure(`the rolling strategy has no step "${step.name}"`);
    }
  },
};
