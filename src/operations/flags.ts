// The flag operations: `slipway flag set` and the rollback of a flag release. Each is a release of
// kind flag and passes the same gates as a service release (guard.ts): the deployer role, freezes
// (an admin may override with a reason), approvals, and the audit log (requested, then the outcome).
// Switching a flag to its off variant, or rolling it back, never waits for approvals: it is how a
// feature is disabled in an incident. The flag engine (src/flags) does the work and keeps the history.
import { offVariant } from '../config/flags.ts';
import { type FlagRelease, getFlag, rollbackFlag, setFlag } from '../flags/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { OperationContext } from './context.ts';
import { gated, type Outcome } from './guard.ts';

export interface FlagInput {
  flag: string;
  environment: string;
  reason?: string | undefined;
  overrideFreeze?: string | undefined;
}

export interface SetFlagInput extends FlagInput {
  variant: string;
  percent?: number | undefined;
  immediate?: boolean | undefined;
}

async function clientFor(ctx: OperationContext, environment: string): Promise<KubeClient> {
  const client = await ctx.cluster.connect(ctx.platform, environment);
  if (!client) throw new SlipwayError('unreachable', `cannot connect to the cluster of ${environment}`);
  return client;
}

/** The audit detail of a finished flag release. */
export function flagOutcome(r: FlagRelease): { outcome: Outcome; detail: Record<string, unknown> } {
  return {
    outcome: r.status === 'deployed' ? 'succeeded' : 'failed',
    detail: {
      kind: 'flag',
      flag: r.flag,
      revision: r.revision,
      status: r.status,
      variant: r.state.variant,
      percent: r.state.percent,
      ...(r.rollbackOf !== undefined ? { rollbackOf: r.rollbackOf } : {}),
      ...(r.failure ? { failure: r.failure.reason } : {}),
    },
  };
}

export async function setFlagOperation(ctx: OperationContext, input: SetFlagInput): Promise<FlagRelease> {
  const f = getFlag(ctx.platform.platform, input.flag);
  const switchingOff = input.variant === offVariant(f) || input.percent === 0;
  return await gated(
    ctx,
    {
      environment: input.environment,
      action: 'flag-set',
      permission: 'deploy',
      freeze: true,
      approvals: !switchingOff,
      overrideFreeze: input.overrideFreeze,
      detail: {
        kind: 'flag',
        flag: input.flag,
        variant: input.variant,
        percent: input.percent ?? 100,
        ...(input.reason ? { reason: input.reason } : {}),
      },
    },
    async () =>
      await setFlag(
        await clientFor(ctx, input.environment),
        {
          platform: ctx.platform,
          flag: input.flag,
          environment: input.environment,
          user: ctx.user,
          reason: input.reason,
          variant: input.variant,
          percent: input.percent,
          immediate: input.immediate,
        },
        ctx.cluster.events(`flag ${input.flag}`),
      ),
    flagOutcome,
  );
}

export async function rollbackFlagOperation(
  ctx: OperationContext,
  input: FlagInput & { toRevision?: number | undefined },
): Promise<FlagRelease> {
  getFlag(ctx.platform.platform, input.flag);
  return await gated(
    ctx,
    {
      environment: input.environment,
      action: 'flag-rollback',
      permission: 'deploy',
      freeze: true,
      overrideFreeze: input.overrideFreeze,
      detail: {
        kind: 'flag',
        flag: input.flag,
        ...(input.toRevision !== undefined ? { toRevision: input.toRevision } : {}),
        ...(input.reason ? { reason: input.reason } : {}),
      },
    },
    async () =>
      await rollbackFlag(
        await clientFor(ctx, input.environment),
        {
          platform: ctx.platform,
          flag: input.flag,
          environment: input.environment,
          user: ctx.user,
          reason: input.reason,
          toRevision: input.toRevision,
        },
        ctx.cluster.events(`flag ${input.flag}`),
      ),
    flagOutcome,
  );
}
