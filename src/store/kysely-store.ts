// StateStore over kysely: one set of queries for SQLite (better-sqlite3) and PostgreSQL (pg).
import { type Kysely, Migrator, type Selectable } from 'kysely';
import { SlipwayError } from '../shared/errors.ts';
import {
  type ApiTokensTable,
  findApiToken,
  insertApiToken,
  listApiTokens,
  revokeApiToken,
} from './api-tokens.ts';
import { migrationProvider, type StoreTables } from './migrations.ts';
import {
  advanceNotificationCursor,
  listDeliveries,
  type NotificationTables,
  notificationCursor,
  recordDelivery,
} from './notifications.ts';
import type { StoreSchema } from './schema.ts';
import type {
  ApiTokenRecord,
  ApprovalDecision,
  ApprovalRecord,
  AuditAction,
  AuditEntry,
  AuditFilter,
  AuditHeadRecord,
  AuditRecord,
  FreezeRecord,
  NewApiToken,
  NewFreeze,
  NewPromotion,
  NotificationDelivery,
  PromotionRecord,
  PromotionStatus,
  StateStore,
} from './types.ts';

type Db = Kysely<StoreTables>;
type PromotionRow = Selectable<StoreTables['promotions']>;

/** Runs the migrations; a failure is reported with the migration's name. */
export async function migrateStore(db: Db, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new SlipwayError(
      'failed',
      `could not migrate the state store${failed ? ` (${failed.migrationName})` : ''}`,
      {
        cause: error,
        hint: `The database said: ${error instanceof Error ? error.message : String(error)}`,
      },
    );
  }
}

/** True for a unique/primary-key violation in either database. */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return code === '23505' || (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'));
}

function isBusy(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) || code === '40001' || code === '40P01';
}

/** Appending after deleted newest entries would hide the deletion under new ones: refused. */
function truncatedLog(end: number, head: number): SlipwayError {
  return new SlipwayError(
    'failed',
    `the audit log ends at entry ${end} but its head records entry ${head}: the newest entries were deleted; nothing more is recorded until it is restored`,
    { hint: 'Run `slipway audit verify`, then restore the store from a backup.' },
  );
}

const opt = (v: string | null): string | undefined => (v === null ? undefined : v);

function toFreeze(r: Selectable<StoreTables['freezes']>): FreezeRecord {
  return {
    id: r.id,
    environment: r.environment,
    reason: r.reason,
    createdBy: r.created_by,
    startsAt: r.starts_at,
    endsAt: opt(r.ends_at),
    liftedAt: opt(r.lifted_at),
    liftedBy: opt(r.lifted_by),
  };
}

function toPromotion(r: PromotionRow): PromotionRecord {
  return {
    id: Number(r.id),
    service: r.service,
    versions: JSON.parse(r.versions) as PromotionRecord['versions'],
    from: r.from_env,
    to: r.to_env,
    requester: r.requester,
    reason: opt(r.reason),
    hotfix: Number(r.hotfix) === 1,
    status: r.status as PromotionStatus,
    approvalsNeeded: Number(r.approvals_needed),
    createdAt: r.created_at,
    decidedAt: opt(r.decided_at),
    expiresAt: opt(r.expires_at),
  };
}

function toAudit(r: StoreTables['audit_log']): AuditRecord {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action as AuditAction,
    environment: opt(r.environment),
    service: opt(r.service),
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class KyselyStateStore implements StateStore {
  constructor(
    readonly db: Db,
    readonly kind: 'sqlite' | 'postgres',
    readonly schema: StoreSchema = { applied: [], hasAuditHead: true },
  ) {}

  async insertPromotion(p: NewPromotion): Promise<PromotionRecord> {
    const row = await this.db
      .insertInto('promotions')
      .values({
        service: p.service,
        versions: JSON.stringify(p.versions),
        from_env: p.from,
        to_env: p.to,
        requester: p.requester,
        reason: p.reason ?? null,
        hotfix: p.hotfix ? 1 : 0,
        status: p.status,
        approvals_needed: p.approvalsNeeded,
        created_at: p.createdAt,
        decided_at: p.decidedAt ?? null,
        expires_at: p.expiresAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toPromotion(row);
  }

  async getPromotion(id: number): Promise<PromotionRecord | undefined> {
    const row = await this.db.selectFrom('promotions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPromotion(row) : undefined;
  }

  async listPromotions(
    filter: { status?: readonly PromotionStatus[]; to?: string; service?: string } = {},
  ): Promise<PromotionRecord[]> {
    let q = this.db.selectFrom('promotions').selectAll();
    if (filter.status) {
      if (filter.status.length === 0) return [];
      q = q.where('status', 'in', [...filter.status]);
    }
    if (filter.to !== undefined) q = q.where('to_env', '=', filter.to);
    if (filter.service !== undefined) q = q.where('service', '=', filter.service);
    const rows = await q.orderBy('id').execute();
    return rows.map(toPromotion);
  }

  async updatePromotionStatus(
    id: number,
    expected: readonly PromotionStatus[],
    status: PromotionStatus,
    decidedAt: string | undefined,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('promotions')
      .set({ status, ...(decidedAt !== undefined ? { decided_at: decidedAt } : {}) })
      .where('id', '=', id)
      .where('status', 'in', [...expected])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertApproval(a: ApprovalRecord): Promise<void> {
    try {
      await this.db
        .insertInto('approvals')
        .values({
          promotion_id: a.promotionId,
          approver: a.approver,
          decision: a.decision,
          comment: a.comment ?? null,
          at: a.at,
        })
        .execute();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      throw new SlipwayError('conflict', `${a.approver} has already decided promotion #${a.promotionId}`, {
        hint: 'Each person approves or rejects a promotion once; ask another approver.',
      });
    }
  }

  async listApprovals(promotionId: number): Promise<ApprovalRecord[]> {
    const rows = await this.db
      .selectFrom('approvals')
      .selectAll()
      .where('promotion_id', '=', promotionId)
      .orderBy('at')
      .orderBy('approver')
      .execute();
    return rows.map((r) => ({
      promotionId: Number(r.promotion_id),
      approver: r.approver,
      decision: r.decision as ApprovalDecision,
      comment: opt(r.comment),
      at: r.at,
    }));
  }

  async appendAudit(
    entry: AuditEntry,
    hashOf: (seq: number, prevHash: string) => string,
  ): Promise<AuditRecord> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          // The head before the tail: a writer commits both at once, so a tail read after the head
          // is never behind it unless the newest entries were deleted.
          const head = await trx.selectFrom('audit_head').select('seq').executeTakeFirst();
          const last = await trx
            .selectFrom('audit_log')
            .select(['seq', 'hash'])
            .orderBy('seq', 'desc')
            .limit(1)
            .executeTakeFirst();
          const seq = last ? Number(last.seq) + 1 : 1;
          if (head && Number(head.seq) >= seq) throw truncatedLog(seq - 1, Number(head.seq));
          const prevHash = last ? last.hash : '';
          const hash = hashOf(seq, prevHash);
          await trx
            .insertInto('audit_log')
            .values({
              seq,
              at: entry.at,
              actor: entry.actor,
              action: entry.action,
              environment: entry.environment ?? null,
              service: entry.service ?? null,
              detail: JSON.stringify(entry.detail),
              prev_hash: prevHash,
              hash,
            })
            .execute();
          await trx
            .insertInto('audit_head')
            .values({ id: 1, seq, hash, at: entry.at })
            .onConflict((oc) => oc.column('id').doUpdateSet({ seq, hash, at: entry.at }))
            .execute();
          return { ...entry, seq, prevHash, hash };
        });
      } catch (e) {
        // Another writer appended between our read and our insert: read the new tail and try again.
        if (attempt < 20 && (isUniqueViolation(e) || isBusy(e))) {
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
          continue;
        }
        throw e;
      }
    }
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (filter.afterSeq !== undefined) q = q.where('seq', '>', filter.afterSeq);
    if (filter.environment !== undefined) q = q.where('environment', '=', filter.environment);
    if (filter.service !== undefined) q = q.where('service', '=', filter.service);
    if (filter.action !== undefined) q = q.where('action', '=', filter.action);
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    const rows = await q.orderBy('seq').execute();
    return rows.map(toAudit);
  }

  async readAuditHead(): Promise<AuditHeadRecord | undefined> {
    if (!this.schema.hasAuditHead) return undefined;
    const row = await this.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
    return row ? { seq: Number(row.seq), hash: row.hash, at: row.at } : undefined;
  }

  async insertFreeze(f: NewFreeze): Promise<FreezeRecord> {
    const row = await this.db
      .insertInto('freezes')
      .values({
        environment: f.environment,
        reason: f.reason,
        created_by: f.createdBy,
        starts_at: f.startsAt,
        ends_at: f.endsAt ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFreeze(row);
  }

  async listFreezes(filter: { environment?: string } = {}): Promise<FreezeRecord[]> {
    let q = this.db.selectFrom('freezes').selectAll();
    if (filter.environment !== undefined) q = q.where('environment', '=', filter.environment);
    return (await q.orderBy('id').execute()).map(toFreeze);
  }

  async liftFreezes(environment: string, by: string, at: string): Promise<FreezeRecord[]> {
    const rows = await this.db
      .updateTable('freezes')
      .set({ lifted_at: at, lifted_by: by })
      .where('environment', '=', environment)
      .where('lifted_at', 'is', null)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', at)]))
      .returningAll()
      .execute();
    return rows.map(toFreeze);
  }

  insertApiToken(t: NewApiToken): Promise<ApiTokenRecord> {
    return insertApiToken(this.tokens, t);
  }

  findApiToken(by: { id: number } | { hash: string }): Promise<ApiTokenRecord | undefined> {
    return findApiToken(this.tokens, by);
  }

  listApiTokens(): Promise<ApiTokenRecord[]> {
    return listApiTokens(this.tokens);
  }

  revokeApiToken(id: number, by: string, at: string): Promise<boolean> {
    return revokeApiToken(this.tokens, id, by, at);
  }

  /** The same database as the token queries (api-tokens.ts) type it. */
  notificationCursor(target: string): Promise<number | undefined> {
    return notificationCursor(this.notifications, target);
  }

  advanceNotificationCursor(target: string, seq: number): Promise<void> {
    return advanceNotificationCursor(this.notifications, target, seq);
  }

  recordDelivery(d: NotificationDelivery): Promise<void> {
    return recordDelivery(this.notifications, d);
  }

  listDeliveries(filter?: { target?: string; limit?: number }): Promise<NotificationDelivery[]> {
    return listDeliveries(this.notifications, filter);
  }

  private get notifications(): Kysely<NotificationTables> {
    return this.db as unknown as Kysely<NotificationTables>;
  }

  private get tokens(): Kysely<ApiTokensTable> {
    return this.db as unknown as Kysely<ApiTokensTable>;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
