// What runs in an environment, as promotion's order and soak checks need it, read from the in-cluster
// release history: the same records `slipway history` shows, written by whoever released (this
// machine, another one, or a rollback), so a rollback anywhere is seen by the next promotion.
import { serviceTarget } from '../release/engine.ts';
import type { ReleaseRecord } from '../release/history.ts';
import type { DeploymentSeen, DeploymentStatus } from '../store/types.ts';
import type { OperationContext } from './context.ts';

export function deploymentStatus(r: ReleaseRecord): DeploymentStatus {
  if (r.status === 'deployed' || r.status === 'superseded') return 'succeeded';
  if (r.status === 'rolled-back') return 'rolledBack';
  if (r.status === 'aborted') return 'aborted';
  return 'failed';
}

/** The finished releases of `services` in `environment` (none when its local cluster is not running). */
export async function releasesSeen(
  ctx: OperationContext,
  environment: string,
  services: readonly string[],
): Promise<DeploymentSeen[]> {
  const client = await ctx.cluster.connect(ctx.platform, environment, { start: false });
  if (!client) return [];
  const out: DeploymentSeen[] = [];
  for (const service of services) {
    const t = serviceTarget(client, { platform: ctx.platform, service, environment });
    for (const r of await t.history.list(service)) {
      if (r.status === 'pending') continue;
      out.push({
        environment,
        service,
        version: r.version.tag,
        digest: r.version.digest,
        ...(r.version.chart
          ? {
              chart: {
                version: r.version.chart.version,
                ...(r.version.chart.path !== undefined ? { path: r.version.chart.path } : {}),
              },
            }
          : {}),
        status: deploymentStatus(r),
        finishedAt: r.endedAt ?? r.startedAt,
      });
    }
  }
  return out;
}
