// What the pipeline page shows, read from the same sources `slipway promote` reads: each environment's
// in-cluster release history (releasesSeen → runningVersion), the targets' declared freezes from the
// store, and the open promotions. Whether a service may move on is explainPromotion's answer, which is
// checkPromotion's — the page never decides by itself.
import type { LoadedPlatform } from '../../config/load.ts';
import { getEnvironment } from '../../config/model.ts';
import { releasesSeen } from '../../operations/history-source.ts';
import { type Eligibility, explainPromotion, OPEN_PROMOTION_STATUSES } from '../../promotion/eligibility.ts';
import { freezeInForce, listPromotions } from '../../promotion/index.ts';
import { promotionSources, runningVersion } from '../../promotion/rules.ts';
import type { DeploymentSeen, PromotedVersion } from '../../store/types.ts';
import type { Caller } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { viewableEnvironments } from './data.ts';

export interface PipelineCell {
  service: string;
  /** What runs here by the release history, and since when (its first succeeded release: soak counts from it). */
  running?: { version: PromotedVersion; since: string } | undefined;
  /** One per environment promoted from this one. */
  next: Eligibility[];
}

export interface PipelineStage {
  name: string;
  from?: string | undefined;
  soak?: string | undefined;
  approvals: number;
  /** The freeze in force, in words. */
  freeze?: string | undefined;
  cells: PipelineCell[];
}

export interface PipelineData {
  stages: PipelineStage[];
  filter: string;
  now: Date;
}

/** Environments in promotion order: by how many sources precede them, ties in slipway.yaml's order. */
export function promotionOrder(platform: LoadedPlatform, names: readonly string[]): string[] {
  const depth = new Map(names.map((n) => [n, promotionSources(platform, n).length]));
  return [...names].sort((a, b) => depth.get(a)! - depth.get(b)!);
}

export async function pipelineData(deps: ServerDeps, caller: Caller, filter: string): Promise<PipelineData> {
  const ctx = contextFor(deps, caller);
  const { platform, now } = ctx;
  const envs = promotionOrder(platform, viewableEnvironments(platform, caller));
  const needle = filter.trim().toLowerCase();
  const services = Object.keys(platform.platform.services)
    .filter((s) => !needle || s.toLowerCase().includes(needle))
    .sort();
  const [seen, declared, open] = await Promise.all([
    Promise.all(envs.map((e) => releasesSeen(ctx, e, services))),
    Promise.all(envs.map((e) => ctx.store.listFreezes({ environment: e }))),
    listPromotions(ctx, { status: OPEN_PROMOTION_STATUSES }),
  ]);
  const deployments: DeploymentSeen[] = seen.flat();
  const stages = envs.map((name, i): PipelineStage => {
    const env = getEnvironment(platform, name);
    const targets = envs.filter((t) => getEnvironment(platform, t).promotion?.from === name);
    return {
      name,
      from: env.promotion?.from,
      soak: env.promotion?.soak,
      approvals: env.promotion?.approvals ?? 0,
      freeze: freezeInForce(env, declared[i]!, now)?.name,
      cells: services.map((service) => {
        const running = runningVersion(deployments, name, service);
        return {
          service,
          running: running && { version: running.version, since: running.since.toISOString() },
          next: targets.map((to) =>
            explainPromotion({
              platform,
              from: name,
              to,
              service,
              user: ctx.user,
              grants: ctx.identity,
              now,
              deployments,
              declaredFreezes: declared[envs.indexOf(to)]!,
              open,
              targetRuns: runningVersion(deployments, to, service)?.version,
            }),
          ),
        };
      }),
    };
  });
  return { stages, filter, now };
}
