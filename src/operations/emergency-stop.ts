// The emergency stop (issue 11 item 8): `slipway freeze --all` declares a freeze in every environment
// at once, `slipway unfreeze --all` lifts them. Only someone who administers every environment may:
// all are checked before anything is declared, and a refusal names each environment they may not
// administer (each refusal audited as permission-denied). Each environment then gets its own audited
// freeze (so notifications fire per environment) and its own marker in its cluster (freeze-mirror.ts).
import { authorize } from '../promotion/roles.ts';
import { SlipwayError, usageError } from '../shared/errors.ts';
import type { OperationContext } from './context.ts';
import {
  type DeclaredFreeze,
  declareFreeze,
  freezeEnd,
  type LiftedFreezes,
  liftFreezes,
  listDeclaredFreezes,
} from './freeze.ts';
import { mirrorFreezes } from './freeze-mirror.ts';

/** Checks that the caller administers every environment; refuses naming the others. */
async function adminOfAll(ctx: OperationContext, operation: string): Promise<string[]> {
  const names = ctx.platform.environments.map((e) => e.name);
  const refused: string[] = [];
  for (const env of names) {
    try {
      await authorize(ctx, env, 'admin', { operation });
    } catch (e) {
      if (e instanceof SlipwayError && e.type === 'forbidden') refused.push(env);
      else throw e;
    }
  }
  if (refused.length > 0)
    throw new SlipwayError(
      'forbidden',
      `${ctx.user} may not administer ${refused.join(', ')}: \`${operation}\` needs an admin of every environment; nothing was changed`,
      {
        hint: `Ask someone who administers all of ${names.join(', ')}, or act per environment with --env.`,
        data: { user: ctx.user, action: 'admin', environments: refused },
      },
    );
  return names;
}

/** Declares a freeze in every environment of the platform. */
export async function declareFreezeAll(
  ctx: OperationContext,
  input: { reason: string; duration?: string | undefined },
): Promise<DeclaredFreeze[]> {
  freezeEnd(input, ctx.now); // a bad reason or duration refuses before any check or write
  const names = await adminOfAll(ctx, 'freeze --all');
  const declared: DeclaredFreeze[] = [];
  for (const environment of names)
    declared.push(await declareFreeze(ctx, { ...input, environment, all: true }));
  return declared;
}

/**
 * Lifts the declared freezes of every environment that has one in force; elsewhere it only removes a
 * marker left in the cluster by an unfreeze that could not reach it.
 */
export async function liftFreezesAll(
  ctx: OperationContext,
  input: { reason: string },
): Promise<LiftedFreezes[]> {
  if (input.reason.trim() === '')
    throw usageError('unfreeze needs a reason', { hint: 'e.g. --reason "INC-4711 resolved"' });
  const names = await adminOfAll(ctx, 'unfreeze --all');
  const frozen: string[] = [];
  for (const env of names) if ((await listDeclaredFreezes(ctx, env)).length > 0) frozen.push(env);
  if (frozen.length === 0)
    throw new SlipwayError('notFound', 'no environment has a declared freeze in force', {
      hint: 'Configured freeze windows (freezeWindows: in slipway.yaml) end by themselves.',
    });
  const lifted: LiftedFreezes[] = [];
  for (const environment of frozen)
    lifted.push(await liftFreezes(ctx, { environment, reason: input.reason, all: true }));
  for (const environment of names.filter((n) => !frozen.includes(n))) await mirrorFreezes(ctx, environment);
  return lifted;
}
