// Carries a pending release out: the diff, then the strategy's planned steps in order, each written
// to the record before it runs (Recorder). On failure the previous revision is restored — by the
// engine re-applying its manifests (rolling, canary), or by the strategy itself (blue-green switches
// back) — but only once a step that changes workloads has started: a failed pre-deploy hook leaves
// everything as it was.
//
// With a lock (the engine always passes one), every step starts by renewing it (fence.ts guards each
// write within); a process whose lock was taken stops at once, without restoring anything or writing
// the record: the new holder owns the release now.
//
// A resumed release continues from its record: a step that already ended ok (in an earlier run of
// this release) is not run again, so a restarted server never repeats a hook, a switch or a wait.
import { getService, strategyFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { diffManifests, summarizeChanges } from './diff.ts';
import { ReleaseFailure } from './failure.ts';
import { RELEASE_STATUS, type ReleaseRecord } from './history.ts';
import type { Lock } from './lock.ts';
import { workloadsOf } from './plan.ts';
import { now, type Recorder } from './recorder.ts';
import { executorFor } from './registry.ts';
import { applyManifests, pruneManifests } from './rolling.ts';
import type { AnalysisOptions } from './strategies/canary-runtime.ts';
import { ownershipOf, type ServiceTarget, versionText } from './target.ts';
import { trackDeployments } from './track.ts';
import type { ReleaseEvents, StrategyContext } from './types.ts';

export interface CarryOutOptions {
  timeoutMs: number;
  events: ReleaseEvents;
  signal?: AbortSignal;
  analysis?: AnalysisOptions | undefined;
  /** The release's lock: renewed before each step; once lost, the release stops without a write. */
  lock?: Lock;
}

/**
 * Answers the final record (deployed or failed); never leaves it pending unless the process dies.
 * `previous` is the revision a failure returns to.
 */
export async function carryOut(
  client: KubeClient,
  t: ServiceTarget,
  rec: Recorder,
  previous: ReleaseRecord | undefined,
  o: CarryOutOptions,
): Promise<ReleaseRecord> {
  const strategy = strategyFor(t.platform, t.service);
  const executor = executorFor(strategy);
  const ctx: StrategyContext = {
    client,
    platform: t.platform,
    history: t.history,
    namespace: t.namespace,
    service: t.service,
    serviceConfig: getService(t.platform, t.service),
    strategy,
    release: rec.record,
    previous,
    manifests: rec.record.manifests,
    deadline: Date.now() + o.timeoutMs,
    events: o.events,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.analysis ? { analysis: o.analysis } : {}),
  };
  let workloadsTouched = false;
  const doneBefore = new Set(rec.record.steps.filter((s) => s.outcome === 'ok').map((s) => s.name));
  const step = async (name: string, fn: () => Promise<{ detail?: string | undefined; value: undefined }>) => {
    if (doneBefore.has(name)) {
      o.events.log(`"${name}" ended before this release was resumed; not repeated`);
      return;
    }
    await o.lock?.ensureHeld();
    await rec.step(name, fn);
  };
  try {
    await step('diff', async () => {
      const changes = await diffManifests(
        client,
        ctx.manifests,
        t.namespace,
        previous?.manifests ?? [],
        ownershipOf(t),
      );
      return { detail: summarizeChanges(changes), value: undefined };
    });
    for (const planned of executor.plan(ctx)) {
      if (planned.changesWorkloads) workloadsTouched = true;
      await step(planned.name, async () => ({
        detail: await executor.execute(planned, { ...ctx, release: rec.record }),
        value: undefined,
      }));
    }
  } catch (e) {
    if (o.lock?.isLost) throw await o.lock.lost; // no rollback, no record: not ours any more
    const failure =
      e instanceof ReleaseFailure
        ? { reason: e.reason, ...(e.detail ? { detail: e.detail } : {}) }
        : { reason: e instanceof Error ? e.message : String(e) };
    o.events.log(`release failed: ${failure.reason}`);
    if (failure.detail) o.events.log(failure.detail);
    if (!workloadsTouched) {
      failure.reason += '; nothing was changed in the cluster';
    } else if (!previous) {
      failure.reason +=
        '; there is no earlier good revision to roll back to, so the new objects were left as they are';
    } else if (executor.restoresItself) {
      failure.reason += `; revision ${previous.revision} (${versionText(previous)}) keeps serving`;
    } else {
      try {
        await restore(client, t, rec, ctx, previous, o);
      } catch (rollbackError) {
        failure.reason += `; the rollback to revision ${previous.revision} failed too: ${(rollbackError as Error).message}`;
      }
    }
    if (o.lock?.isLost) throw await o.lock.lost; // lost while restoring: the new holder decides
    rec.record = { ...rec.record, status: RELEASE_STATUS.failed, endedAt: now(), failure };
    await rec.save();
    return rec.record;
  }
  await o.lock?.ensureHeld();
  rec.record = { ...rec.record, status: RELEASE_STATUS.deployed, endedAt: now() };
  await rec.save();
  await t.history.markSuperseded(t.service, rec.record.revision);
  await t.history.prune(t.service);
  return rec.record;
}

/** The atomic part of a failed release: the previous revision's objects applied, tracked and pruned to. */
async function restore(
  client: KubeClient,
  t: ServiceTarget,
  rec: Recorder,
  ctx: StrategyContext,
  previous: ReleaseRecord,
  o: CarryOutOptions,
): Promise<void> {
  await o.lock?.ensureHeld();
  await rec.step(`rollback to revision ${previous.revision}`, async () => {
    const back = { ...ctx, manifests: previous.manifests, previous: rec.record };
    await applyManifests(back);
    await trackDeployments(
      client,
      workloadsOf(previous.manifests).map((w) => w.metadata.name ?? ''),
      {
        namespace: t.namespace,
        deadline: Date.now() + o.timeoutMs,
        onProgress: (p) => o.events.progress(p),
      },
    );
    await pruneManifests(back);
    return {
      detail: `revision ${previous.revision} (${versionText(previous)}) is serving again`,
      value: undefined,
    };
  });
}
