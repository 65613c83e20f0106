// The store's schema as kysely migrations, in code (no migration files to ship). The same migrations
// run on SQLite and PostgreSQL; the only dialect difference is how an auto-increment key is spelled.
import { type Generated, type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { type ApiTokensTable, apiTokensMigration } from './api-tokens.ts';
import { type NotificationTables, notificationsMigration } from './notifications.ts';

export interface StoreTables extends ApiTokensTable, NotificationTables {
  promotions: {
    id: Generated<number>;
    service: string;
    versions: string;
    from_env: string;
    to_env: string;
    requester: string;
    reason: string | null;
    hotfix: number;
    status: string;
    approvals_needed: number;
    created_at: string;
    decided_at: string | null;
    expires_at: string | null;
  };
  approvals: {
    promotion_id: number;
    approver: string;
    decision: string;
    comment: string | null;
    at: string;
  };
  audit_log: {
    seq: number;
    at: string;
    actor: string;
    action: string;
    environment: string | null;
    service: string | null;
    detail: string;
    prev_hash: string;
    hash: string;
  };
  /** One row (id 1): the newest audit entry, written in the append's transaction; only moves forward. */
  audit_head: {
    id: number;
    seq: number;
    hash: string;
    at: string;
  };
  deployments_seen: {
    environment: string;
    service: string;
    version: string | null;
    digest: string | null;
    status: string;
    finished_at: string;
  };
  freezes: {
    id: Generated<number>;
    environment: string;
    reason: string;
    created_by: string;
    starts_at: string;
    ends_at: string | null;
    lifted_at: string | null;
    lifted_by: string | null;
  };
}

// Migrations use Kysely<any> by kysely's own advice: they describe how the schema got here, not what
// it is now.
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyDb = Kysely<any>;

function migrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('promotions')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('service', 'text', (c) => c.notNull())
          .addColumn('versions', 'text', (c) => c.notNull())
          .addColumn('from_env', 'text', (c) => c.notNull())
          .addColumn('to_env', 'text', (c) => c.notNull())
          .addColumn('requester', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('hotfix', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('approvals_needed', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('decided_at', 'text')
          .addColumn('expires_at', 'text')
          .execute();
        await db.schema
          .createIndex('promotions_status')
          .on('promotions')
          .columns(['status', 'to_env'])
          .execute();

        await db.schema
          .createTable('approvals')
          .addColumn('promotion_id', 'integer', (c) => c.notNull().references('promotions.id'))
          .addColumn('approver', 'text', (c) => c.notNull())
          .addColumn('decision', 'text', (c) => c.notNull())
          .addColumn('comment', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('approvals_pk', ['promotion_id', 'approver'])
          .execute();

        await db.schema
          .createTable('audit_log')
          .addColumn('seq', 'integer', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('environment', 'text')
          .addColumn('service', 'text')
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_log_env').on('audit_log').columns(['environment', 'at']).execute();

        await db.schema
          .createTable('deployments_seen')
          .addColumn('environment', 'text', (c) => c.notNull())
          .addColumn('service', 'text', (c) => c.notNull())
          .addColumn('version', 'text')
          .addColumn('digest', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('finished_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('deployments_seen_env_service')
          .on('deployments_seen')
          .columns(['environment', 'service', 'finished_at'])
          .execute();
      },
    },
    // Freezes declared by a person (`slipway freeze`): an emergency stop beside the configured windows.
    '0002_freezes': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('freezes')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('environment', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('starts_at', 'text', (c) => c.notNull())
          .addColumn('ends_at', 'text')
          .addColumn('lifted_at', 'text')
          .addColumn('lifted_by', 'text')
          .execute();
        await db.schema.createIndex('freezes_env').on('freezes').columns(['environment']).execute();
      },
    },
    // The chain's head beside the chain: deleting the newest rows of audit_log leaves it behind. A
    // trigger refuses to move it back or delete it (an owner can still drop the trigger: see
    // docs/promotion.md for the grants that keep the slipway role from doing so).
    '0003_audit_head': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('audit_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await sql`INSERT INTO audit_head (id, seq, hash, at)
          SELECT 1, seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1`.execute(db);
        if (dialect === 'sqlite') {
          await sql`CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
            WHEN NEW.seq <= OLD.seq BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END`.execute(
            db,
          );
          await sql`CREATE TRIGGER audit_head_kept BEFORE DELETE ON audit_head
            BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END`.execute(db);
          return;
        }
        await sql`CREATE FUNCTION slipway_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP <> 'UPDATE' THEN RAISE EXCEPTION 'the audit head cannot be deleted'; END IF;
            IF NEW.seq <= OLD.seq THEN RAISE EXCEPTION 'the audit head only moves forward'; END IF;
            RETURN NEW;
          END $$`.execute(db);
        await sql`CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
          FOR EACH ROW EXECUTE FUNCTION slipway_audit_head_forward()`.execute(db);
        await sql`CREATE TRIGGER audit_head_truncate BEFORE TRUNCATE ON audit_head
          FOR EACH STATEMENT EXECUTE FUNCTION slipway_audit_head_forward()`.execute(db);
      },
    },
  };
}

/** The tables each migration creates: once it ran, a missing one was dropped. */
export const MIGRATION_TABLES: Record<string, readonly string[]> = {
  '0001_initial': ['promotions', 'approvals', 'audit_log', 'deployments_seen'],
  '0002_freezes': ['freezes'],
  '0003_audit_head': ['audit_head'],
  '0004_api_tokens': ['api_tokens'],
  '0005_notifications': ['notification_cursors', 'notification_deliveries'],
};

/** Every migration, in the order they run: the ones above, then those kept beside their queries. */
function allMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    ...migrations(dialect),
    '0004_api_tokens': apiTokensMigration(dialect),
    '0005_notifications': notificationsMigration(dialect),
  };
}

export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => allMigrations(dialect) };
}
