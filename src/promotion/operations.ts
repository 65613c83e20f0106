// Promotion operations over the store: request, approve, reject, expire, finish. The CLI and the HTTP
// server call exactly these; every permission check and every audit entry lives here, never at an edge.
// Each takes the store, the loaded platform, the acting user and `now`.
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment, getService } from '../config/model.ts';
import { formatTime, parseDuration } from '../shared/duration.ts';
import { SlipwayError } from '../shared/errors.ts';
import type {
  ApprovalRecord,
  AuditRecord,
  DeploymentSeen,
  PromotedVersion,
  PromotionRecord,
  PromotionStatus,
  StateStore,
} from '../store/types.ts';
import { type AuditQuery, appendAudit, listAudit } from './audit.ts';
import { conflictMessage, isDue, OPEN_PROMOTION_STATUSES, overlaps } from './eligibility.ts';
import type { DeclaredFreeze } from './freeze.ts';
import { authorize, can, type Grants, personOf, type UserRef } from './roles.ts';
import { checkPromotion } from './rules.ts';

export interface OperationContext {
  store: StateStore;
  platform: LoadedPlatform;
  user: UserRef;
  now: Date;
  /** How the user was identified: groups and scope count in role checks; the rest goes to the audit log. */
  identity?: AuditedIdentity | undefined;
}

export interface AuditedIdentity extends Grants {
  source?: string;
  authenticated?: boolean;
  credential?: string | undefined;
}

/** How the actor was identified, beside each decision in the audit log (as operations/ records it). */
function identityDetail(ctx: OperationContext): Record<string, unknown> {
  const i = ctx.identity;
  if (i?.source === undefined) return {};
  return {
    identity: {
      source: i.source,
      authenticated: i.authenticated === true,
      ...(i.credential ? { credential: i.credential } : {}),
    },
  };
}

export interface PromotionRequest {
  /** A service, or `all` for every service in the source environment's desired state. */
  service: string;
  from: string;
  to: string;
  version?: string | undefined;
  digest?: string | undefined;
  hotfix?: boolean;
  reason?: string | undefined;
}

/** What the checks read from outside the store: the source's release history and declared freezes. */
export interface PromotionInputs {
  /** The source environment's finished releases, from its in-cluster release history. */
  deployments: readonly DeploymentSeen[];
  /** Freezes declared on the target with `slipway freeze`. */
  declaredFreezes: readonly DeclaredFreeze[];
}

export interface PromotionView {
  promotion: PromotionRecord;
  approvals: ApprovalRecord[];
}

/** The user as the audit log and the four-eyes rule see them: the `people:` key when known. */
export function actorName(platform: LoadedPlatform, user: UserRef): string {
  const name = typeof user === 'string' ? user : user.name;
  return personOf(platform, name) ?? name;
}

function servicesOf(ctx: OperationContext, req: PromotionRequest): string[] {
  if (req.service !== 'all') {
    getService(ctx.platform, req.service); // notFound with a suggestion
    return [req.service];
  }
  const state = ctx.platform.desired.get(req.from)?.state;
  const names = Object.keys(state?.services ?? {}).sort();
  if (names.length === 0) {
    throw new SlipwayError('usage', `${req.from} has no services in its desired state to promote`, {
      hint: `Name a service, or add services to environments/${req.from}.yaml.`,
    });
  }
  return names;
}

/**
 * Requests a promotion. Refused with `forbidden` (audited) when the user may not deploy to the target
 * and with `policy` listing every reason when the rules say no (also audited). Approved at once when
 * the target needs no approvals.
 */
export async function requestPromotion(
  ctx: OperationContext,
  req: PromotionRequest,
  inputs: PromotionInputs,
): Promise<PromotionRecord> {
  const { platform, now, store } = ctx;
  const actor = actorName(platform, ctx.user);
  const hotfix = req.hotfix === true;
  const target = getEnvironment(platform, req.to);
  getEnvironment(platform, req.from);
  await authorize({ ...ctx, user: actor }, req.to, 'deploy', {
    service: req.service,
    operation: hotfix ? 'hotfix' : 'promote',
  });
  const services = servicesOf(ctx, req);
  if (req.service === 'all' && (req.version !== undefined || req.digest !== undefined)) {
    throw new SlipwayError('usage', 'a version or digest can only be given when promoting one service');
  }
  const { deployments, declaredFreezes } = inputs;
  const reasons: string[] = [];
  const versions: Record<string, PromotedVersion> = {};
  let needed = 0;
  for (const service of services) {
    const result = checkPromotion({
      platform,
      from: req.from,
      to: req.to,
      service,
      version: req.version,
      digest: req.digest,
      user: actor,
      grants: ctx.identity,
      hotfix,
      now,
      deployments,
      declaredFreezes,
    });
    if (result.allowed) {
      versions[service] = result.version;
      needed = Math.max(needed, result.approvalsNeeded);
    } else {
      for (const r of result.reasons) {
        const line = services.length > 1 ? `${service}: ${r}` : r;
        if (!reasons.includes(line)) reasons.push(line);
      }
    }
  }
  if (reasons.length > 0) {
    await appendAudit(store, {
      at: now,
      actor,
      action: hotfix ? 'hotfix' : 'promote',
      environment: req.to,
      service: req.service,
      detail: { outcome: 'refused', from: req.from, reasons },
    });
    throw new SlipwayError('policy', `cannot promote ${req.service} from ${req.from} to ${req.to}`, {
      details: reasons,
      hint: 'Fix what is listed above, or wait, and request the promotion again.',
      data: { reasons },
    });
  }
  // One open promotion per service and target: a second request would race the first. Checked after
  // the rules, so a frozen target answers "frozen" whatever is pending, as every other gate does.
  for (const open of await store.listPromotions({ status: OPEN_PROMOTION_STATUSES, to: req.to })) {
    if (!overlaps(open, req.service)) continue;
    if (await expireIfDue(ctx, open, actor)) continue;
    throw new SlipwayError('conflict', conflictMessage(open, req.to), {
      hint:
        open.status === 'requested'
          ? `Approve or reject #${open.id} first (the requester may withdraw it with reject).`
          : `Wait for #${open.id} to finish.`,
      data: { id: open.id, status: open.status },
    });
  }
  const timeout = target.promotion?.approvalTimeout;
  const approved = needed === 0;
  const promotion = await store.insertPromotion({
    service: req.service,
    versions,
    from: req.from,
    to: req.to,
    requester: actor,
    reason: req.reason,
    hotfix,
    status: approved ? 'approved' : 'requested',
    approvalsNeeded: needed,
    createdAt: now.toISOString(),
    decidedAt: approved ? now.toISOString() : undefined,
    expiresAt:
      !approved && timeout !== undefined
        ? new Date(now.getTime() + parseDuration(timeout)).toISOString()
        : undefined,
  });
  await appendAudit(store, {
    at: now,
    actor,
    action: hotfix ? 'hotfix' : 'promote',
    environment: req.to,
    service: req.service,
    detail: {
      outcome: 'requested',
      id: promotion.id,
      from: req.from,
      versions,
      approvalsNeeded: needed,
      status: promotion.status,
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...identityDetail(ctx),
    },
  });
  return promotion;
}

async function load(store: StateStore, id: number): Promise<PromotionRecord> {
  const p = await store.getPromotion(id);
  if (!p) {
    throw new SlipwayError('notFound', `there is no promotion #${id}`, {
      hint: 'List the open ones with `slipway approvals`.',
    });
  }
  return p;
}

/** Marks a pending request expired when its time is up; true if it is (now) expired. */
async function expireIfDue(
  ctx: { store: StateStore; now: Date },
  p: PromotionRecord,
  actor: string,
): Promise<boolean> {
  if (!isDue(p, ctx.now)) return false;
  if (await ctx.store.updatePromotionStatus(p.id, ['requested'], 'expired', ctx.now.toISOString())) {
    await appendAudit(ctx.store, {
      at: ctx.now,
      actor,
      action: 'expire',
      environment: p.to,
      service: p.service,
      detail: { id: p.id, expiresAt: p.expiresAt, approvals: (await ctx.store.listApprovals(p.id)).length },
    });
  }
  return true;
}

function notPending(p: PromotionRecord, status: PromotionStatus): SlipwayError {
  return new SlipwayError('conflict', `promotion #${p.id} is ${status}, no longer waiting for a decision`, {
    hint:
      status === 'expired'
        ? 'Request the promotion again.'
        : 'Only requested promotions are approved or rejected.',
    data: { id: p.id, status },
  });
}

/**
 * Approves a requested promotion. Refused when the user is not an approver (or admin) of the target,
 * is the requester (four eyes), has already decided it, or the request is no longer pending or has
 * expired. The promotion becomes `approved` with the N-th distinct approval.
 */
export async function approve(ctx: OperationContext, id: number, comment?: string): Promise<PromotionView> {
  const { store, platform, now } = ctx;
  const actor = actorName(platform, ctx.user);
  const p = await load(store, id);
  await authorize({ ...ctx, user: actor }, p.to, 'approve', {
    service: p.service,
    operation: `approve #${id}`,
  });
  if (actor === p.requester) {
    await appendAudit(store, {
      at: now,
      actor,
      action: 'permission-denied',
      environment: p.to,
      service: p.service,
      detail: {
        action: 'approve',
        operation: `approve #${id}`,
        reason: 'requester may not approve (four eyes)',
        ...identityDetail(ctx),
      },
    });
    throw new SlipwayError('forbidden', `${actor} requested promotion #${id} and may not approve it too`, {
      hint: 'Four eyes: another approver of the environment must approve it.',
      data: { id, user: actor },
    });
  }
  if (await expireIfDue(ctx, p, actor)) {
    throw new SlipwayError('conflict', `promotion #${id} expired at ${formatTime(new Date(p.expiresAt!))}`, {
      hint: 'An expired request cannot be approved; request the promotion again.',
      data: { id, status: 'expired' },
    });
  }
  if (p.status !== 'requested') throw notPending(p, p.status);
  const earlier = (await store.listApprovals(id)).find((a) => a.approver === actor);
  if (earlier) {
    throw new SlipwayError('conflict', `${actor} has already ${earlier.decision} promotion #${id}`, {
      hint: `It needs ${p.approvalsNeeded} distinct approvers; ask another one.`,
      data: { id, user: actor },
    });
  }
  await store.insertApproval({
    promotionId: id,
    approver: actor,
    decision: 'approved',
    comment,
    at: now.toISOString(),
  });
  const approvals = await store.listApprovals(id);
  const count = approvals.filter((a) => a.decision === 'approved').length;
  let status: PromotionStatus = 'requested';
  if (count >= p.approvalsNeeded) {
    status = (await store.updatePromotionStatus(id, ['requested'], 'approved', now.toISOString()))
      ? 'approved'
      : ((await store.getPromotion(id))?.status ?? 'requested');
  }
  await appendAudit(store, {
    at: now,
    actor,
    action: 'approve',
    environment: p.to,
    service: p.service,
    detail: {
      id,
      approvals: count,
      needed: p.approvalsNeeded,
      status,
      ...(comment ? { comment } : {}),
      ...identityDetail(ctx),
    },
  });
  return { promotion: (await store.getPromotion(id))!, approvals };
}

/** Rejects a requested promotion: an approver of the target, or the requester withdrawing it. */
export async function reject(ctx: OperationContext, id: number, reason: string): Promise<PromotionView> {
  const { store, platform, now } = ctx;
  const actor = actorName(platform, ctx.user);
  const p = await load(store, id);
  if (actor !== p.requester) {
    await authorize({ ...ctx, user: actor }, p.to, 'approve', {
      service: p.service,
      operation: `reject #${id}`,
    });
  }
  if (await expireIfDue(ctx, p, actor)) throw notPending(p, 'expired');
  if (p.status !== 'requested') throw notPending(p, p.status);
  if (!(await store.listApprovals(id)).some((a) => a.approver === actor)) {
    await store.insertApproval({
      promotionId: id,
      approver: actor,
      decision: 'rejected',
      comment: reason,
      at: now.toISOString(),
    });
  }
  if (!(await store.updatePromotionStatus(id, ['requested'], 'rejected', now.toISOString()))) {
    throw notPending(p, (await store.getPromotion(id))?.status ?? p.status);
  }
  await appendAudit(store, {
    at: now,
    actor,
    action: 'reject',
    environment: p.to,
    service: p.service,
    detail: { id, reason, ...(actor === p.requester ? { withdrawn: true } : {}) },
  });
  return { promotion: (await store.getPromotion(id))!, approvals: await store.listApprovals(id) };
}

/** Expires every pending request whose approval timeout has passed; audited as `expire`. */
export async function expirePromotions(ctx: {
  store: StateStore;
  now: Date;
  actor?: string;
}): Promise<PromotionRecord[]> {
  const expired: PromotionRecord[] = [];
  for (const p of await ctx.store.listPromotions({ status: ['requested'] })) {
    if (await expireIfDue(ctx, p, ctx.actor ?? 'slipway'))
      expired.push({ ...p, status: 'expired', decidedAt: ctx.now.toISOString() });
  }
  return expired;
}

/** One promotion with its approvals; the user must be able to view the target environment. */
export async function getPromotion(ctx: OperationContext, id: number): Promise<PromotionView> {
  const p = await load(ctx.store, id);
  await authorize({ ...ctx, user: actorName(ctx.platform, ctx.user) }, p.to, 'view', {
    operation: `show #${id}`,
  });
  return { promotion: p, approvals: await ctx.store.listApprovals(id) };
}

/** Promotions to environments the user may view, oldest first. */
export async function listPromotions(
  ctx: OperationContext,
  filter: { status?: readonly PromotionStatus[]; to?: string; service?: string } = {},
): Promise<PromotionRecord[]> {
  const all = await ctx.store.listPromotions(filter);
  const user = actorName(ctx.platform, ctx.user);
  return all.filter((p) => can(ctx.platform, p.to, user, 'view', ctx.identity));
}

/** Audit entries of the environments the user may view (entries without an environment included). */
export async function readAudit(ctx: OperationContext, query: AuditQuery = {}): Promise<AuditRecord[]> {
  if (query.environment !== undefined) {
    await authorize({ ...ctx, user: actorName(ctx.platform, ctx.user) }, query.environment, 'view', {
      operation: 'audit',
    });
  }
  const user = actorName(ctx.platform, ctx.user);
  const known = new Set(ctx.platform.environments.map((e) => e.name));
  return (await listAudit(ctx.store, query)).filter(
    (e) =>
      e.environment === undefined ||
      !known.has(e.environment) ||
      can(ctx.platform, e.environment, user, 'view', ctx.identity),
  );
}

/**
 * For the release engine: an approved promotion starts (`running`) and ends (`succeeded`/`failed`).
 * Each transition is a compare-and-set, so a promotion runs once.
 */
export async function markPromotion(
  ctx: OperationContext,
  id: number,
  status: 'running' | 'succeeded' | 'failed',
): Promise<PromotionRecord> {
  const p = await load(ctx.store, id);
  const from: PromotionStatus[] = status === 'running' ? ['approved'] : ['running'];
  if (!(await ctx.store.updatePromotionStatus(id, from, status, ctx.now.toISOString()))) {
    throw new SlipwayError('conflict', `promotion #${id} is ${p.status}; it cannot become ${status}`, {
      data: { id, status: p.status },
    });
  }
  return (await ctx.store.getPromotion(id))!;
}
