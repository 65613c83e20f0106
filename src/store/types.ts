// The state slipway keeps outside the cluster: promotion requests, their approvals, the audit log and
// the deployments the release engine reported (used for soak checks). The interface is all a caller
// sees; the kysely implementation (kysely-store.ts) serves both SQLite and PostgreSQL.
// Times are ISO-8601 UTC strings (Date#toISOString): they sort as text the same way in both databases.

export const PROMOTION_STATUSES = [
  'requested',
  'approved',
  'rejected',
  'expired',
  'running',
  'succeeded',
  'failed',
] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];

/** The version of one service a promotion carries from one environment to the next. */
export interface PromotedVersion {
  version?: string;
  digest?: string;
  /** The chart version it ran with in the source, when that was pinned: carried to the target. */
  chart?: ChartPinned;
}

/** A pinned chart version as promotion carries it (the desired state's `chart:`). */
export interface ChartPinned {
  version: string;
  path?: string;
}

export interface PromotionRecord {
  id: number;
  /** A service name, or `all` for every service of the environment. */
  service: string;
  /** Per service: the version and digest being promoted. */
  versions: Record<string, PromotedVersion>;
  from: string;
  to: string;
  requester: string;
  reason: string | undefined;
  hotfix: boolean;
  status: PromotionStatus;
  /** Distinct approvals needed, fixed when the request was made. */
  approvalsNeeded: number;
  createdAt: string;
  decidedAt: string | undefined;
  expiresAt: string | undefined;
}

export type NewPromotion = Omit<PromotionRecord, 'id' | 'decidedAt'> & { decidedAt?: string | undefined };

export type ApprovalDecision = 'approved' | 'rejected';

export interface ApprovalRecord {
  promotionId: number;
  approver: string;
  decision: ApprovalDecision;
  comment: string | undefined;
  at: string;
}

export const AUDIT_ACTIONS = [
  'deploy',
  'rollback',
  'promote',
  'approve',
  'reject',
  'abort',
  'waiver',
  'permission-denied',
  'expire',
  'hotfix',
  'resume',
  'advance',
  'apply',
  'freeze',
  'unfreeze',
  'token-create',
  'token-revoke',
  'sync',
  'flag-set',
  'flag-rollback',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a caller appends; seq, hashes are assigned by the store. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: AuditAction;
  environment: string | undefined;
  service: string | undefined;
  detail: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The newest entry as the store's audit_head table recorded it, in the same transaction. */
export interface AuditHeadRecord {
  seq: number;
  hash: string;
  at: string;
}

export interface AuditFilter {
  /** Entries after this seq (the notifier's cursor). */
  afterSeq?: number;
  environment?: string;
  service?: string;
  action?: AuditAction;
  /** ISO time; entries at or after it. */
  since?: string;
}

export type DeploymentStatus = 'succeeded' | 'failed' | 'rolledBack' | 'aborted';

/** A finished release as promotion's checks see it (read from the in-cluster release history). */
export interface DeploymentSeen {
  environment: string;
  service: string;
  version: string | undefined;
  digest: string | undefined;
  /** The pinned chart version of the release, when one was pinned. */
  chart?: ChartPinned | undefined;
  status: DeploymentStatus;
  finishedAt: string;
}

/** A freeze declared by a person: no release into the environment until it ends or is lifted. */
export interface FreezeRecord {
  id: number;
  environment: string;
  reason: string;
  createdBy: string;
  startsAt: string;
  /** Undefined: until lifted. */
  endsAt: string | undefined;
  liftedAt: string | undefined;
  liftedBy: string | undefined;
}

export type NewFreeze = Omit<FreezeRecord, 'id' | 'liftedAt' | 'liftedBy'>;

/** An API token for CI (`slipway token create`): only the SHA-256 hash of the secret is kept. */
export interface ApiTokenRecord {
  id: number;
  name: string;
  /** Hex SHA-256 of the whole token (`slw_…`). */
  hash: string;
  /** Where its roles apply; nowhere else. */
  environments: string[];
  roles: string[];
  /** The person who created it; the token never does more than they may. */
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | undefined;
  revokedBy: string | undefined;
}

export type NewApiToken = Omit<ApiTokenRecord, 'id' | 'revokedAt' | 'revokedBy'>;

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres';
  insertPromotion(p: NewPromotion): Promise<PromotionRecord>;
  getPromotion(id: number): Promise<PromotionRecord | undefined>;
  listPromotions(filter?: {
    status?: readonly PromotionStatus[];
    to?: string;
    service?: string;
  }): Promise<PromotionRecord[]>;
  /**
   * Compare-and-set: changes the status only while it is one of `expected`. Returns false when another
   * writer got there first, so two approvers racing cannot both decide one request.
   */
  updatePromotionStatus(
    id: number,
    expected: readonly PromotionStatus[],
    status: PromotionStatus,
    decidedAt: string | undefined,
  ): Promise<boolean>;
  /** Throws SlipwayError('conflict') when the approver already decided this promotion. */
  insertApproval(a: ApprovalRecord): Promise<void>;
  listApprovals(promotionId: number): Promise<ApprovalRecord[]>;
  /**
   * Appends one entry at the tail of the chain, in one transaction: `hashOf` gets the new seq and the
   * previous hash ('' for the first entry). Retries when a concurrent writer took the same seq.
   */
  appendAudit(entry: AuditEntry, hashOf: (seq: number, prevHash: string) => string): Promise<AuditRecord>;
  /** In seq order. */
  listAudit(filter?: AuditFilter): Promise<AuditRecord[]>;
  /** The head table's row; undefined when none was written (or an older store read read-only). */
  readAuditHead(): Promise<AuditHeadRecord | undefined>;
  insertFreeze(f: NewFreeze): Promise<FreezeRecord>;
  /** Freezes of the environment (all when omitted), oldest first. */
  listFreezes(filter?: { environment?: string }): Promise<FreezeRecord[]>;
  /** Lifts every open freeze of the environment; answers the ones lifted. */
  liftFreezes(environment: string, by: string, at: string): Promise<FreezeRecord[]>;
  insertApiToken(t: NewApiToken): Promise<ApiTokenRecord>;
  /** A token by its id or by the hash of its secret (revoked and expired ones included). */
  findApiToken(by: { id: number } | { hash: string }): Promise<ApiTokenRecord | undefined>;
  /** Oldest first. */
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** Compare-and-set: false when the token is unknown or already revoked. */
  revokeApiToken(id: number, by: string, at: string): Promise<boolean>;
  /** The notifier's place in the audit log for one webhook; undefined before its first pass. */
  notificationCursor(target: string): Promise<number | undefined>;
  /** Moves the cursor forward (never back). */
  advanceNotificationCursor(target: string, seq: number): Promise<void>;
  recordDelivery(d: NotificationDelivery): Promise<void>;
  /** Newest first. */
  listDeliveries(filter?: { target?: string; limit?: number }): Promise<NotificationDelivery[]>;
  close(): Promise<void>;
}

/** One attempt to deliver a notification to a webhook. */
export interface NotificationDelivery {
  target: string;
  notificationId: string;
  event: string;
  seq: number;
  status: 'delivered' | 'failed';
  attempt: number;
  at: string;
  error?: string;
}
