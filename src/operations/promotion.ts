// Promotion between environments as operations: request (runs at once when the target needs no
// approvals), approve (the last approval needed runs it), reject. The rules (order, soak, roles,
// freezes, four eyes) live in promotion/; here they get their inputs — what runs in the source, from
// its in-cluster history, and the target's declared freezes — and an approved promotion is carried out.
import { getEnvironment } from '../config/model.ts';
import { appendAudit } from '../promotion/audit.ts';
import { freezeInForce, freezeUntil } from '../promotion/freeze.ts';
import {
  approve,
  getPromotion,
  type PromotionRequest,
  type PromotionView,
  reject,
  requestPromotion,
} from '../promotion/operations.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { PromotionRecord } from '../store/types.ts';
import { actorDetail, type OperationContext } from './context.ts';
import { releasesSeen } from './history-source.ts';
import { type PromotionRunResult, runPromotion } from './promotion-run.ts';

export interface RunOptions {
  /** Commit the desired-state change to git. */
  commit?: boolean;
  /** Release the services (default true); false writes the desired state only. */
  deploy?: boolean;
  /** Write the desired state on a new branch for a pull request instead (nothing is released). */
  pullRequest?: boolean;
}

export interface PromotionOutcome {
  promotion: PromotionRecord;
  /** Set when the promotion ran (it needed no more approvals). */
  run?: PromotionRunResult;
}

function sourceServices(ctx: OperationContext, req: PromotionRequest): string[] {
  if (req.service !== 'all') return [req.service];
  return Object.keys(ctx.platform.desired.get(req.from)?.state?.services ?? {});
}

/** Requests a promotion; when the target needs no approvals it runs at once. */
export async function promote(
  ctx: OperationContext,
  req: PromotionRequest,
  run: RunOptions = {},
): Promise<PromotionOutcome> {
  getEnvironment(ctx.platform, req.from);
  getEnvironment(ctx.platform, req.to);
  const promotion = await requestPromotion(ctx, req, {
    deployments: await releasesSeen(ctx, req.from, sourceServices(ctx, req)),
    declaredFreezes: await ctx.store.listFreezes({ environment: req.to }),
  });
  if (promotion.status !== 'approved') return { promotion };
  return { promotion, run: await runPromotion(ctx, promotion.id, run) };
}

/**
 * Approves a promotion. The approval that completes it runs it — unless a freeze began since the
 * request (a hotfix passes configured windows): then the approval is refused and audited, and the
 * request stays open.
 */
export async function approvePromotion(
  ctx: OperationContext,
  id: number,
  comment: string | undefined,
  run: RunOptions = {},
): Promise<PromotionOutcome & { view: PromotionView }> {
  const pending = (await getPromotion(ctx, id)).promotion;
  const target = getEnvironment(ctx.platform, pending.to);
  const freeze = freezeInForce(target, await ctx.store.listFreezes({ environment: target.name }), ctx.now);
  const hotfixPasses =
    pending.hotfix && freeze?.declaredBy === undefined && target.promotion?.hotfix?.allowed === true;
  if (freeze && !hotfixPasses && pending.status === 'requested') {
    const error = new SlipwayError(
      'policy',
      `${target.name} is frozen (${freeze.name}) ${freezeUntil(freeze)}; promotion #${id} cannot be approved now`,
      { hint: 'Approve it when the freeze has ended (the request stays open until it expires).' },
    );
    await appendAudit(ctx.store, {
      at: ctx.now,
      actor: ctx.user,
      action: 'approve',
      environment: target.name,
      service: pending.service,
      detail: { id, outcome: 'refused', reason: error.message, ...actorDetail(ctx) },
    });
    throw error;
  }
  const view = await approve(ctx, id, comment);
  if (view.promotion.status !== 'approved') return { promotion: view.promotion, view };
  const result = await runPromotion(ctx, id, run);
  return { promotion: result.promotion, run: result, view };
}

/** Rejects a promotion (an approver of the target, or the requester withdrawing it). */
export async function rejectPromotion(
  ctx: OperationContext,
  id: number,
  reason: string,
): Promise<PromotionView> {
  return await reject(ctx, id, reason);
}
