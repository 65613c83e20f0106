// Carrying out an approved promotion: B's desired state file gets the promoted versions (optionally as
// one git commit), then each service is released into B with the release engine's deploy(), in
// priority order, stopping at the first failure. Every release is recorded in the store (the input of
// soak checks) and audited as `deploy`; the promotion ends `succeeded` or `failed`.
// The cluster connection and the engine come in as functions, so this module holds no CLI concerns.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENVIRONMENTS_DIR, type LoadedPlatform, loadPlatform } from '../config/load.ts';
import { serviceNames } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ReleaseRecord } from '../release/history.ts';
import type { DeployRequest, ReleaseEvents } from '../release/types.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { DeploymentStatus, PromotionRecord, StateStore } from '../store/types.ts';
import { appendAudit } from './audit.ts';
import {
  commitDesiredState,
  type DesiredStateChange,
  promoteDesiredStateWithChanges,
} from './desired-state.ts';
import { actorName, markPromotion, type OperationContext } from './operations.ts';

export type DeployFn = (
  client: KubeClient,
  req: DeployRequest,
  events: ReleaseEvents,
) => Promise<ReleaseRecord>;

export interface ReleaseRunner {
  connect(platform: LoadedPlatform, environment: string): Promise<KubeClient>;
  deploy: DeployFn;
  /** Events of one service's release (progress lines). */
  events(service: string): ReleaseEvents;
}

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
}

export function desiredStateFile(platform: LoadedPlatform, env: string): string {
  return join(platform.dir, ENVIRONMENTS_DIR, `${env}.yaml`);
}

const EMPTY_STATE = (env: string) =>
  `apiVersion: slipway.dev/v1\nkind: DesiredState\nenvironment: ${env}\nservices: {}\n`;

export function deploymentStatus(r: ReleaseRecord): DeploymentStatus {
  if (r.status === 'deployed' || r.status === 'superseded') return 'succeeded';
  if (r.status === 'rolled-back') return 'rolledBack';
  if (r.status === 'aborted') return 'aborted';
  return 'failed';
}

/** Records a finished release in the store (soak checks read these) and audits it as `deploy`. */
export async function recordRelease(
  store: StateStore,
  r: ReleaseRecord,
  o: { actor: string; now?: Date; detail?: Record<string, unknown> },
): Promise<void> {
  const finishedAt = r.endedAt ?? (o.now ?? new Date()).toISOString();
  await store.recordDeployment({
    environment: r.environment,
    service: r.service,
    version: r.version.tag,
    digest: r.version.digest,
    status: deploymentStatus(r),
    finishedAt,
  });
  await appendAudit(store, {
    at: finishedAt,
    actor: o.actor,
    action: 'deploy',
    environment: r.environment,
    service: r.service,
    detail: {
      revision: r.revision,
      status: r.status,
      ...(r.version.tag ? { version: r.version.tag } : {}),
      ...(r.version.digest ? { digest: r.version.digest } : {}),
      ...(r.failure ? { failure: r.failure.reason } : {}),
      ...(o.detail ?? {}),
    },
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
  o: { commit?: boolean; deploy?: boolean; runner?: ReleaseRunner },
): Promise<PromotionRunResult> {
  const p = await ctx.store.getPromotion(id);
  if (!p) throw new SlipwayError('notFound', `there is no promotion #${id}`);
  if (p.status !== 'approved') {
    throw new SlipwayError('conflict', `promotion #${id} is ${p.status}; only an approved promotion runs`, {
      hint:
        p.status === 'requested' ? `It still needs approvals (slipway approve ${id}).` : 'Request it again.',
    });
  }
  const actor = actorName(ctx.platform, ctx.user);
  await markPromotion(ctx, id, 'running');
  const releases: ServiceOutcome[] = [];
  const file = desiredStateFile(ctx.platform, p.to);
  let changes: DesiredStateChange[] = [];
  let commit: string | undefined;
  try {
    const fromText = await readFile(desiredStateFile(ctx.platform, p.from), 'utf8').catch(() => '');
    const toText = existsSync(file) ? await readFile(file, 'utf8') : EMPTY_STATE(p.to);
    const edited = promoteDesiredStateWithChanges(fromText, toText, p.service, p.versions);
    changes = edited.changes;
    if (o.commit) {
      const versions = Object.entries(p.versions)
        .map(([s, v]) => `${s} ${v.version ?? v.digest ?? ''}`.trim())
        .join(', ');
      commit = await commitDesiredState(
        ctx.platform.dir,
        file,
        `promote ${p.service === 'all' ? 'all services' : p.service} from ${p.from} to ${p.to}: ${versions}\n\nPromotion #${id} requested by ${p.requester}${p.reason ? `: ${p.reason}` : ''}.`,
        edited.text,
      );
    } else if (edited.text !== toText || !existsSync(file)) {
      await writeFile(file, edited.text);
    }
    if (o.deploy === false || !o.runner) {
      const done = await markPromotion(ctx, id, 'succeeded');
      return { promotion: done, file, changes, commit, releases };
    }
    // The platform as it is now, with B's new desired state.
    const platform = await loadPlatform(ctx.platform.dir);
    const order = serviceNames(platform).filter((s) => Object.hasOwn(p.versions, s));
    const client = await o.runner.connect(platform, p.to);
    let failed = false;
    for (const service of order) {
      if (failed) {
        releases.push({ service, status: 'not run' });
        continue;
      }
      const r = await o.runner.deploy(
        client,
        {
          platform,
          service,
          environment: p.to,
          user: actor,
          reason: `promotion #${id} from ${p.from}${p.reason ? `: ${p.reason}` : ''}`,
        },
        o.runner.events(service),
      );
      await recordRelease(ctx.store, r, { actor, detail: { promotion: id } });
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
