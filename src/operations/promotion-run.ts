// Carrying out an approved promotion: B's desired state file gets the promoted versions (optionally as
// one git commit), then each service is released into B with the release engine, in priority order,
// stopping at the first failure. Each release is audited as `deploy` with the promotion's id, and its
// record stays in B's in-cluster history (what the next promotion reads); the promotion ends
// `succeeded` or `failed`. The gates were passed when the promotion was requested and approved.
// With `pullRequest`, B's new desired state goes on a new branch instead (promotion-pr.ts).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ENVIRONMENTS_DIR, type LoadedPlatform, loadPlatform } from '../config/load.ts';
import { serviceNames } from '../config/model.ts';
import { appendAudit } from '../promotion/audit.ts';
import {
  commitDesiredState,
  type DesiredStateChange,
  promoteDesiredStateWithChanges,
} from '../promotion/desired-state.ts';
import { markPromotion } from '../promotion/operations.ts';
import { deploy } from '../release/engine.ts';
import type { ReleaseRecord } from '../release/history.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { PromotionRecord } from '../store/types.ts';
import { actorDetail, type OperationContext } from './context.ts';
import { type PullRequestOutcome, runAsPullRequest } from './promotion-pr.ts';
import { releaseOutcome } from './release.ts';

export interface ServiceOutcome {
  service: string;
  status: 'deployed' | 'failed' | 'not run';
  revision?: number;
  version?: string;
  reason?: string;
}

export interface PromotionRunResult {
  promotion: PromotionRecord;
  file: string;
  changes: DesiredStateChange[];
  commit: string | undefined;
  releases: ServiceOutcome[];
  /** Set when the promotion was written as a branch for a pull request. */
  pullRequest?: PullRequestOutcome;
}

export function desiredStateFile(platform: LoadedPlatform, env: string): string {
  return join(platform.dir, ENVIRONMENTS_DIR, `${env}.yaml`);
}

const EMPTY_STATE = (env: string) =>
  `apiVersion: slipway.dev/v1\nkind: DesiredState\nenvironment: ${env}\nservices: {}\n`;

/** Audits a release made on behalf of a promotion or an apply as `deploy`, with its outcome. */
export async function auditRelease(
  ctx: OperationContext,
  r: ReleaseRecord,
  detail: Record<string, unknown>,
): Promise<void> {
  const o = releaseOutcome(r);
  await appendAudit(ctx.store, {
    at: r.endedAt ?? new Date().toISOString(),
    actor: ctx.user,
    action: 'deploy',
    environment: r.environment,
    service: r.service,
    detail: { outcome: o.outcome, ...o.detail, ...detail, ...actorDetail(ctx) },
  });
}

/**
 * Runs an approved promotion: writes B's desired state, then (unless `deploy` is false) releases each
 * promoted service into B. Answers what was done; a release that fails ends the run (later services
 * are `not run`) and the promotion `failed`.
 */
export async function runPromotion(
  ctx: OperationContext,
  id: number,
  o: { commit?: boolean; deploy?: boolean; pullRequest?: boolean },
): Promise<PromotionRunResult> {
  const p = await ctx.store.getPromotion(id);
  if (!p) throw new SlipwayError('notFound', `there is no promotion #${id}`);
  if (p.status !== 'approved') {
    throw new SlipwayError('conflict', `promotion #${id} is ${p.status}; only an approved promotion runs`, {
      hint:
        p.status === 'requested' ? `It still needs approvals (slipway approve ${id}).` : 'Request it again.',
    });
  }
  const actor = ctx.user;
  await markPromotion(ctx, id, 'running');
  const releases: ServiceOutcome[] = [];
  const file = desiredStateFile(ctx.platform, p.to);
  let changes: DesiredStateChange[] = [];
  let commit: string | undefined;
  try {
    const fromText = await readFile(desiredStateFile(ctx.platform, p.from), 'utf8').catch(() => '');
    if (o.pullRequest) {
      const pr = await runAsPullRequest(ctx, p, { file, fromText });
      return { ...pr, file, commit: pr.pullRequest.commit, releases };
    }
    const toText = existsSync(file) ? await readFile(file, 'utf8') : EMPTY_STATE(p.to);
    const edited = promoteDesiredStateWithChanges(fromText, toText, p.service, p.versions);
    changes = edited.changes;
    if (o.commit) {
      const versions = Object.entries(p.versions)
        .map(([s, v]) =>
          `${s} ${v.version ?? v.digest ?? ''}${v.chart ? ` (chart ${v.chart.version})` : ''}`.trim(),
        )
        .join(', ');
      commit = await commitDesiredState(
        ctx.platform.dir,
        file,
        `promote ${p.service === 'all' ? 'all services' : p.service} from ${p.from} to ${p.to}: ${versions}\n\nPromotion #${id} requested by ${p.requester}${p.reason ? `: ${p.reason}` : ''}.`,
        edited.text,
      );
    } else if (edited.text !== toText || !existsSync(file)) {
      // A platform may have no environments/ directory yet (git keeps no empty ones).
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, edited.text);
    }
    if (o.deploy === false) {
      const done = await markPromotion(ctx, id, 'succeeded');
      return { promotion: done, file, changes, commit, releases };
    }
    // The platform as it is now, with B's new desired state.
    const platform = await loadPlatform(ctx.platform.dir);
    const order = serviceNames(platform).filter((s) => Object.hasOwn(p.versions, s));
    const client = await ctx.cluster.connect(platform, p.to);
    if (!client) throw new SlipwayError('unreachable', `cannot connect to the cluster of ${p.to}`);
    let failed = false;
    for (const service of order) {
      if (failed) {
        releases.push({ service, status: 'not run' });
        continue;
      }
      const r = await deploy(
        client,
        {
          platform,
          service,
          environment: p.to,
          user: actor,
          reason: `promotion #${id} from ${p.from}${p.reason ? `: ${p.reason}` : ''}`,
        },
        ctx.cluster.events(service),
      );
      await auditRelease(ctx, r, { promotion: id });
      const version = r.version.tag ?? r.version.digest;
      if (r.status === 'deployed') {
        releases.push({ service, status: 'deployed', revision: r.revision, ...(version ? { version } : {}) });
      } else {
        failed = true;
        releases.push({
          service,
          status: 'failed',
          revision: r.revision,
          ...(version ? { version } : {}),
          reason: r.failure?.reason ?? r.status,
        });
      }
    }
    const done = await markPromotion({ ...ctx, now: new Date() }, id, failed ? 'failed' : 'succeeded');
    return { promotion: done, file, changes, commit, releases };
  } catch (e) {
    await markPromotion({ ...ctx, now: new Date() }, id, 'failed').catch(() => {});
    throw e;
  }
}
