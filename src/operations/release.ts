// The operations on one service's release: deploy, rollback, resume, abort, and advancing a paused
// canary or blue-green release. Each passes the gates (guard.ts) and is audited; the release engine
// then does the work and keeps the history in the cluster, where promotion reads what runs.
import type { ValueOverrides } from '../config/values.ts';
import type { KubeClient } from '../kube/client.ts';
import { authorize } from '../promotion/roles.ts';
import { deploy, resume, rollback } from '../release/engine.ts';
import type { ReleaseRecord } from '../release/history.ts';
import { type GateOutcome, requestGate } from '../release/strategies/canary-gates.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { OperationContext } from './context.ts';
import { type GateSpec, gated, type Outcome } from './guard.ts';

/** Facts common to every release operation. */
export interface ReleaseTarget {
  service: string;
  environment: string;
  reason?: string | undefined;
  timeoutMs?: number | undefined;
  /** Release through a freeze: only an admin, with this reason. */
  overrideFreeze?: string | undefined;
}

export interface DeployInput extends ReleaseTarget {
  overrides?: ValueOverrides;
  hotfix?: boolean;
  dryRun?: boolean;
  /** Roll back an interrupted release of another version first (see DeployRequest.replace). */
  replace?: boolean;
}

async function clientFor(ctx: OperationContext, environment: string): Promise<KubeClient> {
  const client = await ctx.cluster.connect(ctx.platform, environment);
  if (!client) throw new SlipwayError('unreachable', `cannot connect to the cluster of ${environment}`);
  return client;
}

/** The audit detail of a finished release. */
export function releaseOutcome(r: ReleaseRecord): { outcome: Outcome; detail: Record<string, unknown> } {
  return {
    outcome: r.status === 'deployed' ? 'succeeded' : 'failed',
    detail: {
      revision: r.revision,
      status: r.status,
      ...(r.version.tag ? { version: r.version.tag } : {}),
      ...(r.version.digest ? { digest: r.version.digest } : {}),
      ...(r.failure ? { failure: r.failure.reason } : {}),
    },
  };
}

const optional = (t: ReleaseTarget) => ({
  ...(t.reason ? { reason: t.reason } : {}),
  ...(t.timeoutMs !== undefined ? { timeoutMs: t.timeoutMs } : {}),
});

/** The gates of a release operation on one service: the deployer role, freezes (with the override). */
function releaseGate(
  input: ReleaseTarget,
  action: GateSpec['action'],
  extra: Partial<GateSpec> = {},
): GateSpec {
  return {
    environment: input.environment,
    service: input.service,
    action,
    permission: 'deploy',
    freeze: true,
    overrideFreeze: input.overrideFreeze,
    ...extra,
  };
}

/** What every engine request names: the platform, the service, the environment, who acts. */
const engineTarget = (ctx: OperationContext, input: ReleaseTarget) => ({
  platform: ctx.platform,
  service: input.service,
  environment: input.environment,
  user: ctx.user,
});

export async function deployService(ctx: OperationContext, input: DeployInput): Promise<ReleaseRecord> {
  const request = {
    ...engineTarget(ctx, input),
    ...(input.overrides ? { overrides: input.overrides } : {}),
    ...(input.replace ? { replace: true } : {}),
    ...optional(input),
  };
  const events = ctx.cluster.events(input.service);
  if (input.dryRun) {
    // Changes nothing: viewing is enough, and nothing is audited.
    await authorize(ctx, input.environment, 'view', {
      service: input.service,
      operation: 'deploy --dry-run',
    });
    // A dry run never starts a local cluster: it diffs against a running one or says why it cannot.
    const client = await ctx.cluster.connect(ctx.platform, input.environment, { start: false });
    if (!client) {
      throw new SlipwayError(
        'unreachable',
        `a dry run of ${input.service} in ${input.environment} needs the running cluster to diff against, and the local cluster is not running (a dry run does not start it)`,
        {
          hint: `Start it with \`slipway cluster up\`, or see the manifests without a cluster: \`slipway render ${input.service} --env ${input.environment}\`.`,
        },
      );
    }
    return await deploy(client, { ...request, dryRun: true }, events);
  }
  return await gated(
    ctx,
    releaseGate(input, input.hotfix ? 'hotfix' : 'deploy', {
      approvals: true,
      hotfix: input.hotfix,
      detail: { operation: 'deploy', ...(input.reason ? { reason: input.reason } : {}) },
    }),
    async () => await deploy(await clientFor(ctx, input.environment), request, events),
    releaseOutcome,
  );
}

export async function rollbackService(
  ctx: OperationContext,
  input: ReleaseTarget & { toRevision?: number | undefined },
): Promise<ReleaseRecord> {
  return await gated(
    ctx,
    releaseGate(input, 'rollback', {
      detail: {
        ...(input.toRevision !== undefined ? { toRevision: input.toRevision } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      },
    }),
    async () =>
      await rollback(
        await clientFor(ctx, input.environment),
        {
          ...engineTarget(ctx, input),
          ...(input.toRevision !== undefined ? { toRevision: input.toRevision } : {}),
          ...optional(input),
        },
        ctx.cluster.events(input.service),
      ),
    releaseOutcome,
  );
}

/** Finishes an interrupted release; undefined when there was nothing to resume. */
export async function resumeRelease(
  ctx: OperationContext,
  input: ReleaseTarget,
): Promise<ReleaseRecord | undefined> {
  return await gated(
    ctx,
    releaseGate(input, 'resume'),
    async () =>
      await resume(
        await clientFor(ctx, input.environment),
        {
          ...engineTarget(ctx, input),
          ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
        },
        ctx.cluster.events(input.service),
      ),
    (r) => (r ? releaseOutcome(r) : { outcome: 'succeeded', detail: { resumed: false } }),
  );
}

export type GateKind = 'promote' | 'promote-full' | 'abort';

/**
 * Sets a gate of the running canary or blue-green release: `promote` (the next step), `promote-full`
 * (skip the remaining steps) or `abort` (stable serves everything, the canary goes).
 */
export async function gateRelease(
  ctx: OperationContext,
  input: ReleaseTarget & { action: GateKind },
): Promise<GateOutcome> {
  return await gated(
    ctx,
    releaseGate(input, input.action === 'abort' ? 'abort' : 'advance', {
      detail: { gate: input.action, ...(input.reason ? { reason: input.reason } : {}) },
    }),
    async () =>
      await requestGate(
        await clientFor(ctx, input.environment),
        {
          ...engineTarget(ctx, input),
          action: input.action,
        },
        ctx.cluster.events(input.service),
      ),
    (g) => ({
      // An abort that ended the release did what was asked; a promote that ended in failure did not.
      outcome: g.record?.status === 'failed' && input.action !== 'abort' ? 'failed' : 'succeeded',
      detail: {
        message: g.message,
        ...(g.revision !== undefined ? { revision: g.revision } : {}),
        ...(g.record ? { status: g.record.status } : {}),
      },
    }),
  );
}
