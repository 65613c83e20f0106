// What a restarted or newly elected `slipway serve` finds to carry on in an environment: releases whose
// newest revision is pending while their lock holder is gone (interrupted.ts decides), and blue-green
// scale-downs recorded on an old colour (scale-down.ts). Finding changes nothing; the server resumes
// each release through resumeRelease (gated and audited like `slipway resume`). A recorded scale-down
// is the rest of a release that already passed its gates and ended: it is only scheduled here.
import type { KubeClient } from '../kube/client.ts';
import { findInterrupted, stoppedAt } from '../release/interrupted.ts';
import { resumeScaleDowns } from '../release/strategies/scale-down.ts';
import { serviceTarget } from '../release/target.ts';
import type { OperationContext } from './context.ts';

export interface InterruptedRelease {
  service: string;
  environment: string;
  revision: number;
  /** The holder whose lock is gone (dead process or expired lease), if a lock was left. */
  holder: string | undefined;
  /** The step it stopped at. */
  step: string;
}

/** A client of a running cluster only: finding never starts a local cluster. */
async function running(ctx: OperationContext, environment: string): Promise<KubeClient | undefined> {
  return await ctx.cluster.connect(ctx.platform, environment, { start: false });
}

/** The interrupted releases of every service of the platform in `environment`. */
export async function interruptedReleases(
  ctx: OperationContext,
  environment: string,
): Promise<InterruptedRelease[]> {
  const client = await running(ctx, environment);
  if (!client) return [];
  const out: InterruptedRelease[] = [];
  for (const service of Object.keys(ctx.platform.platform.services)) {
    const t = serviceTarget(client, { platform: ctx.platform, service, environment });
    const found = await findInterrupted(client, t);
    if (found)
      out.push({
        service,
        environment,
        revision: found.record.revision,
        holder: found.holder,
        step: stoppedAt(found.record),
      });
  }
  return out;
}

/** Schedules, in this process, the recorded blue-green scale-downs of `environment`; answers how many. */
export async function resumeRecordedScaleDowns(ctx: OperationContext, environment: string): Promise<number> {
  const client = await running(ctx, environment);
  return client ? await resumeScaleDowns(client, client.target.namespace) : 0;
}
