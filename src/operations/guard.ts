// The gates every operation that changes what runs passes, in this order and only here:
//   1. authorize: the user holds a role granting the permission in the environment;
//   2. freeze: no configured window or declared freeze is in force — unless the environment accepts
//      hotfixes and this is one (configured windows only), or an admin overrides it with a reason;
//   3. approvals: a plain deploy into an environment whose promotion rules ask for approvals is
//      refused and pointed at `slipway promote` (a hotfix deploy passes only where hotfixes need none);
//   4. audit: `requested` is written before anything runs; the caller ends it with `finish`.
// Every refusal is audited with its reason before the error is thrown.
import { getEnvironment } from '../config/model.ts';
import { appendAudit } from '../promotion/audit.ts';
import { freezeInForce, freezeUntil } from '../promotion/freeze.ts';
import { type Action, authorize, can } from '../promotion/roles.ts';
import { approvalsNeeded } from '../promotion/rules.ts';
import { SlipwayError, usageError } from '../shared/errors.ts';
import type { AuditAction } from '../store/types.ts';
import { actorDetail, type OperationContext } from './context.ts';

export interface GateSpec {
  environment: string;
  service?: string | undefined;
  /** The audit action and the operation's name in messages. */
  action: AuditAction;
  permission: Action;
  /** Check freezes (false only for operations that change nothing that runs). */
  freeze: boolean;
  /** Refuse where the environment needs approvals (plain deploys). */
  approvals?: boolean;
  hotfix?: boolean | undefined;
  /** A reason to release through a freeze; only an admin of the environment may. */
  overrideFreeze?: string | undefined;
  /** More facts for the `requested` entry. */
  detail?: Record<string, unknown>;
}

export type Outcome = 'succeeded' | 'failed';

export interface Passed {
  /** Writes the operation's outcome to the audit log. */
  finish(outcome: Outcome, detail?: Record<string, unknown>): Promise<void>;
}

async function refuse(ctx: OperationContext, spec: GateSpec, error: SlipwayError): Promise<never> {
  await appendAudit(ctx.store, {
    at: ctx.now,
    actor: ctx.user,
    action: spec.action,
    environment: spec.environment,
    service: spec.service,
    detail: { outcome: 'refused', reason: error.message, ...spec.detail, ...actorDetail(ctx) },
  });
  throw error;
}

export async function passGates(ctx: OperationContext, spec: GateSpec): Promise<Passed> {
  const env = getEnvironment(ctx.platform, spec.environment);
  await authorize(ctx, env.name, spec.permission, {
    service: spec.service,
    operation: spec.action,
  });

  let freezeNote: Record<string, unknown> = {};
  if (spec.freeze) {
    const declared = await ctx.store.listFreezes({ environment: env.name });
    const freeze = freezeInForce(env, declared, ctx.now);
    if (freeze) {
      const hotfixPasses =
        spec.hotfix === true && freeze.declaredBy === undefined && env.promotion?.hotfix?.allowed === true;
      if (spec.overrideFreeze !== undefined) {
        if (spec.overrideFreeze.trim() === '')
          throw usageError('--override-freeze needs a reason', {
            hint: 'Say why, e.g. --override-freeze "rollback of the broken payment release, INC-4711".',
          });
        await authorize(ctx, env.name, 'admin', {
          service: spec.service,
          operation: `${spec.action} through ${freeze.name}`,
        });
        freezeNote = { freeze: freeze.name, freezeOverride: spec.overrideFreeze };
      } else if (hotfixPasses) {
        freezeNote = { freeze: freeze.name, throughFreezeAsHotfix: true };
      } else {
        const adminHint = can(ctx.platform, env.name, ctx.user, 'admin', ctx.identity)
          ? ' or, as an admin, release through it with --override-freeze "<reason>"'
          : '';
        const hotfixHint =
          freeze.declaredBy === undefined && env.promotion?.hotfix?.allowed === true
            ? ' A hotfix (--hotfix) may be released through a configured window.'
            : '';
        await refuse(
          ctx,
          spec,
          new SlipwayError('policy', `${env.name} is frozen (${freeze.name}) ${freezeUntil(freeze)}`, {
            hint: `Wait for the freeze to end${adminHint}.${hotfixHint}`,
            data: { environment: env.name, freeze: freeze.name, endsAt: freeze.endsAt?.toISOString() },
          }),
        );
      }
    }
  }

  if (spec.approvals === true) {
    const needed = approvalsNeeded(env, spec.hotfix === true);
    if (needed > 0) {
      const from = env.promotion?.from;
      const how = from
        ? `slipway promote ${spec.service ?? '<service>'} --from ${from} --to ${env.name}${spec.hotfix ? ' --hotfix' : ''}`
        : 'slipway promote';
      await refuse(
        ctx,
        spec,
        new SlipwayError(
          'policy',
          `${env.name} needs ${needed} approval${needed === 1 ? '' : 's'}${spec.hotfix ? ' for a hotfix' : ''}; a plain deploy cannot carry them`,
          {
            hint: `Request it with \`${how}\`; it runs when approved.`,
            data: { environment: env.name, approvalsNeeded: needed },
          },
        ),
      );
    }
  }

  const base = {
    actor: ctx.user,
    action: spec.action,
    environment: env.name,
    service: spec.service,
  } as const;
  await appendAudit(ctx.store, {
    ...base,
    at: ctx.now,
    detail: {
      outcome: 'requested',
      ...(spec.hotfix ? { hotfix: true } : {}),
      ...freezeNote,
      ...spec.detail,
      ...actorDetail(ctx),
    },
  });
  return {
    async finish(outcome, detail = {}) {
      await appendAudit(ctx.store, {
        ...base,
        at: new Date(),
        detail: { outcome, ...detail, ...actorDetail(ctx) },
      });
    },
  };
}

/** Runs `work` after the gates; its outcome is audited, and a throw is audited as failed. */
export async function gated<T>(
  ctx: OperationContext,
  spec: GateSpec,
  work: () => Promise<T>,
  outcomeOf: (r: T) => { outcome: Outcome; detail?: Record<string, unknown> },
): Promise<T> {
  const passed = await passGates(ctx, spec);
  let result: T;
  try {
    result = await work();
  } catch (e) {
    await passed.finish('failed', { error: e instanceof Error ? e.message : String(e) }).catch(() => {});
    throw e;
  }
  const o = outcomeOf(result);
  await passed.finish(o.outcome, o.detail);
  return result;
}
