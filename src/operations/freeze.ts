// Declared freezes: an admin stops every release into an environment now (`slipway freeze`), for a
// time or until lifted (`slipway unfreeze`). Every gate of guard.ts honours them like configured
// windows, except that a hotfix does not pass a declared freeze; an admin may still override one
// with a reason.
import { getEnvironment } from '../config/model.ts';
import { parseDuration } from '../shared/duration.ts';
import { SlipwayError, usageError } from '../shared/errors.ts';
import type { FreezeRecord } from '../store/types.ts';
import type { OperationContext } from './context.ts';
import { gated } from './guard.ts';

export async function declareFreeze(
  ctx: OperationContext,
  input: { environment: string; reason: string; duration?: string | undefined },
): Promise<FreezeRecord> {
  const env = getEnvironment(ctx.platform, input.environment);
  if (input.reason.trim() === '')
    throw usageError('a freeze needs a reason', { hint: 'e.g. --reason "incident INC-4711"' });
  const ms = input.duration === undefined ? undefined : parseDuration(input.duration);
  if (ms !== undefined && ms <= 0) throw usageError(`--for ${input.duration} must be longer than 0`);
  const endsAt = ms === undefined ? undefined : new Date(ctx.now.getTime() + ms).toISOString();
  return await gated(
    ctx,
    {
      environment: env.name,
      action: 'freeze',
      permission: 'admin',
      freeze: false,
      detail: { reason: input.reason, ...(endsAt ? { endsAt } : { endsAt: 'until lifted' }) },
    },
    () =>
      ctx.store.insertFreeze({
        environment: env.name,
        reason: input.reason,
        createdBy: ctx.user,
        startsAt: ctx.now.toISOString(),
        endsAt,
      }),
    (f) => ({ outcome: 'succeeded', detail: { id: f.id } }),
  );
}

export async function liftFreezes(
  ctx: OperationContext,
  input: { environment: string; reason: string },
): Promise<FreezeRecord[]> {
  const env = getEnvironment(ctx.platform, input.environment);
  return await gated(
    ctx,
    {
      environment: env.name,
      action: 'unfreeze',
      permission: 'admin',
      freeze: false,
      detail: { reason: input.reason },
    },
    async () => {
      const lifted = await ctx.store.liftFreezes(env.name, ctx.user, ctx.now.toISOString());
      if (lifted.length === 0)
        throw new SlipwayError('notFound', `${env.name} has no declared freeze in force`, {
          hint: 'Configured freeze windows (freezeWindows: in slipway.yaml) end by themselves.',
        });
      return lifted;
    },
    (l) => ({ outcome: 'succeeded', detail: { lifted: l.map((f) => f.id) } }),
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
