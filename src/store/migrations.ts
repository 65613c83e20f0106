// The store's schema as kysely migrations, in code (no migration files to ship). The same migrations
// run on SQLite and PostgreSQL; the only dialect difference is how an auto-increment key is spelled.
import type { Generated, Kysely, Migration, MigrationProvider } from 'kysely';
import { type ApiTokensTable, apiTokensMigration } from './api-tokens.ts';

export interface StoreTables extends ApiTokensTable {
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
  };
}

/** Every migration, in the order they run: the ones above, then those kept beside their queries. */
function allMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return { ...migrations(dialect), '0004_api_tokens': apiTokensMigration(dialect) };
}

export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => allMigrations(dialect) };
}
