// Declared freezes: an admin stops every release into an environment now (`slipway freeze`), for a
// time or until lifted (`slipway unfreeze`). Every gate of guard.ts honours them like configured
// windows, except that a hotfix does not pass a declared freeze; an admin may still override one
// with a reason. Running canary and blue-green releases hold while a freeze is declared: the freeze is
// mirrored into the environment's cluster (freeze-mirror.ts). `--all` (emergency-stop.ts) does this
// for every environment at once, one audited freeze per environment.
import { getEnvironment } from '../config/model.ts';
import { parseDuration } from '../shared/duration.ts';
import { SlipwayError, usageError } from '../shared/errors.ts';
import type { FreezeRecord } from '../store/types.ts';
import type { OperationContext } from './context.ts';
import { type ClusterNotice, mirrorFreezes } from './freeze-mirror.ts';
import { gated } from './guard.ts';

/** A declared freeze, and whether the releases running in its environment were told. */
export type DeclaredFreeze = FreezeRecord & ClusterNotice;

/** The lifted freezes of one environment, and whether the releases held there were told. */
export interface LiftedFreezes extends ClusterNotice {
  environment: string;
  lifted: FreezeRecord[];
}

/** The end of a freeze declared now for `duration` (undefined: until lifted); checks the input. */
export function freezeEnd(
  input: { reason: string; duration?: string | undefined },
  now: Date,
): string | undefined {
  if (input.reason.trim() === '')
    throw usageError('a freeze needs a reason', { hint: 'e.g. --reason "incident INC-4711"' });
  const ms = input.duration === undefined ? undefined : parseDuration(input.duration);
  if (ms !== undefined && ms <= 0) throw usageError(`--for ${input.duration} must be longer than 0`);
  return ms === undefined ? undefined : new Date(now.getTime() + ms).toISOString();
}

export async function declareFreeze(
  ctx: OperationContext,
  input: { environment: string; reason: string; duration?: string | undefined; all?: boolean },
): Promise<DeclaredFreeze> {
  const env = getEnvironment(ctx.platform, input.environment);
  const endsAt = freezeEnd(input, ctx.now);
  return await gated(
    ctx,
    {
      environment: env.name,
      action: 'freeze',
      permission: 'admin',
      freeze: false,
      detail: {
        reason: input.reason,
        ...(endsAt ? { endsAt } : { endsAt: 'until lifted' }),
        ...(input.all ? { all: true } : {}),
      },
    },
    async () => {
      const f = await ctx.store.insertFreeze({
        environment: env.name,
        reason: input.reason,
        createdBy: ctx.user,
        startsAt: ctx.now.toISOString(),
        endsAt,
      });
      return { ...f, ...(await mirrorFreezes(ctx, env.name)) };
    },
    // The reason again: notifications (server/notify/events.ts) read the outcome's entry.
    (f) => ({
      outcome: 'succeeded',
      detail: {
        id: f.id,
        reason: f.reason,
        ...(input.all ? { all: true } : {}),
        runningReleasesTold: f.runningReleasesTold,
      },
    }),
  );
}

export async function liftFreezes(
  ctx: OperationContext,
  input: { environment: string; reason: string; all?: boolean },
): Promise<LiftedFreezes> {
  const env = getEnvironment(ctx.platform, input.environment);
  return await gated(
    ctx,
    {
      environment: env.name,
      action: 'unfreeze',
      permission: 'admin',
      freeze: false,
      detail: { reason: input.reason, ...(input.all ? { all: true } : {}) },
    },
    async () => {
      const lifted = await ctx.store.liftFreezes(env.name, ctx.user, ctx.now.toISOString());
      if (lifted.length === 0)
        throw new SlipwayError('notFound', `${env.name} has no declared freeze in force`, {
          hint: 'Configured freeze windows (freezeWindows: in slipway.yaml) end by themselves.',
        });
      return { environment: env.name, lifted, ...(await mirrorFreezes(ctx, env.name)) };
    },
    (l) => ({
      outcome: 'succeeded',
      detail: {
        lifted: l.lifted.map((f) => f.id),
        reason: input.reason,
        ...(input.all ? { all: true } : {}),
        runningReleasesTold: l.runningReleasesTold,
      },
    }),
  );
}

/** Declared freezes of an environment that are in force now or later. */
export async function listDeclaredFreezes(
  ctx: OperationContext,
  environment: string,
): Promise<FreezeRecord[]> {
  const iso = ctx.now.toISOString();
  return (await ctx.store.listFreezes({ environment })).filter(
    (f) => f.liftedAt === undefined && (f.endsAt === undefined || f.endsAt > iso),
  );
}
