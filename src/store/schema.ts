// Whether an opened store still has its tables. A table dropped after its migration ran is never
// recreated (the migration is recorded as done), so every query on it would fail deep inside a
// command; checking once at open turns that into one clear error naming the tables that are gone.
import { type Kysely, sql } from 'kysely';
import { SlipwayError } from '../shared/errors.ts';
import { MIGRATION_TABLES, type StoreTables } from './migrations.ts';

export interface StoreSchema {
  /** Migrations recorded as run; empty for a database slipway never wrote to. */
  applied: string[];
  /** False for an older store opened read-only, before the audit_head migration ran on it. */
  hasAuditHead: boolean;
}

/** Reads which migrations ran and which tables exist; throws when a migrated table is missing. */
export async function checkSchema(db: Kysely<StoreTables>, where: string): Promise<StoreSchema> {
  const tables = new Set(
    (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name),
  );
  const applied = tables.has('kysely_migration')
    ? (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db)).rows.map(
        (r) => r.name,
      )
    : [];
  const missing = applied.flatMap((m) => (MIGRATION_TABLES[m] ?? []).filter((t) => !tables.has(t)));
  if (missing.length > 0)
    throw new SlipwayError(
      'failed',
      `the state store ${where} has lost its table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: dropped or damaged`,
      {
        hint: 'Restore the store from a backup; slipway does not recreate a dropped table, since that would hide what was lost.',
        data: { reason: 'store-damaged', missingTables: missing },
      },
    );
  return { applied, hasAuditHead: tables.has('audit_head') };
}

/** The error of a read that finds no store: the CLI never creates one (or its directory) to read it. */
export function noStore(where: string, why?: string): SlipwayError {
  return new SlipwayError('notFound', `no store at ${where}${why ? `: ${why}` : ''}`, {
    hint: 'Check --store or SLIPWAY_STORE (and -C, for the default <platform>/.slipway/state.db); a store is created by the first command that records something (promote, deploy, freeze).',
    data: { reason: 'no-store', store: where },
  });
}

export function isNoStore(e: unknown): boolean {
  return e instanceof SlipwayError && e.data?.reason === 'no-store';
}
