// Whether a service may move on from one environment to the next, explained for a person looking at the
// pipeline: the decision is checkPromotion's (the same call `slipway promote` makes), and only what a
// request adds after the rules is added here — an open request of the same service to the same target
// (shared with requestPromotion, so the page and the operation cannot disagree), and who may approve.
// Pure: the caller reads the source's release history, the target's freezes and open promotions.
import { getEnvironment } from '../config/model.ts';
import type { PromotedVersion, PromotionRecord } from '../store/types.ts';
import { personOf, whoMay } from './roles.ts';
import { checkPromotion, eligibleApprovers, type PromotionCheckInput, runningVersion } from './rules.ts';

/** Statuses of a promotion that a second request for the same service and target would race. */
export const OPEN_PROMOTION_STATUSES = ['requested', 'approved', 'running'] as const;

/** A request past its approval timeout: it no longer blocks (requestPromotion marks it expired). */
export function isDue(p: PromotionRecord, now: Date): boolean {
  return p.status === 'requested' && p.expiresAt !== undefined && p.expiresAt <= now.toISOString();
}

/** Whether an open promotion covers `service` (either side may be `all`). */
export function overlaps(open: PromotionRecord, service: string): boolean {
  return open.service === service || open.service === 'all' || service === 'all';
}

/** The words requestPromotion refuses with when `open` is in the way. */
export function conflictMessage(open: PromotionRecord, to: string): string {
  return `promotion #${open.id} of ${open.service} to ${to} is already ${open.status}`;
}

export type EligibilityState =
  /** May be requested now (it runs at once, or waits for `approvalsNeeded` approvals). */
  | 'eligible'
  /** The rules refuse it: `reasons` says each why. */
  | 'blocked'
  /** Allowed by the rules, but a request for it is open already. */
  | 'pending'
  /** The target runs the same version already: nothing to move. */
  | 'current';

export interface Eligibility {
  from: string;
  to: string;
  service: string;
  state: EligibilityState;
  /** What would move: the version running in `from`. */
  version?: PromotedVersion | undefined;
  /** Every reason it may not be requested now (empty when eligible). */
  reasons: string[];
  approvalsNeeded: number;
  /** Who may approve in `to`, in words (roles and members); the people when they can be counted. */
  approvers: string;
  approverNames?: string[] | undefined;
  /** The open request, when there is one. */
  pending?: { id: number; status: string; requester: string } | undefined;
}

export interface EligibilityInput extends Omit<PromotionCheckInput, 'hotfix' | 'version' | 'digest'> {
  /** Open promotions to `to` (any service): those of this service, and not due, are in the way. */
  open: readonly PromotionRecord[];
  /** What `to` runs now, when known: the same version there means nothing to move. */
  targetRuns?: PromotedVersion | undefined;
}

const sameVersion = (a: PromotedVersion, b: PromotedVersion) =>
  a.version === b.version &&
  (a.digest === undefined || b.digest === undefined || a.digest === b.digest) &&
  a.chart?.version === b.chart?.version;

/** What `slipway promote --from <from> --to <to> <service>` would decide now, with why. */
export function explainPromotion(input: EligibilityInput): Eligibility {
  const { platform, from, to, service, now } = input;
  const check = checkPromotion({ ...input, hotfix: false });
  const requester =
    personOf(platform, input.user) ?? (typeof input.user === 'string' ? input.user : input.user.name);
  const base = {
    from,
    to,
    service,
    approvers: whoMay(platform, to, 'approve'),
    approverNames: eligibleApprovers(platform, to, requester),
    version: runningVersion(input.deployments, from, service)?.version,
  };
  const open = input.open.find((p) => p.to === to && overlaps(p, service) && !isDue(p, now));
  const pending = open ? { id: open.id, status: open.status, requester: open.requester } : undefined;
  if (!check.allowed) {
    // The rules answer first, as in requestPromotion; an open request is shown beside them.
    const needed = getEnvironment(platform, to).promotion?.approvals ?? 0;
    return { ...base, state: 'blocked', reasons: check.reasons, approvalsNeeded: needed, pending };
  }
  const approvalsNeeded = check.approvalsNeeded;
  if (open) {
    return {
      ...base,
      state: 'pending',
      reasons: [conflictMessage(open, to)],
      approvalsNeeded,
      pending,
    };
  }
  if (input.targetRuns && sameVersion(input.targetRuns, check.version)) {
    return {
      ...base,
      state: 'current',
      reasons: [`${to} already runs this version`],
      approvalsNeeded,
    };
  }
  return { ...base, state: 'eligible', reasons: [], approvalsNeeded };
}
