// API tokens for CI (`slipway token create`): the table, its migration and its queries. Only a token's
// SHA-256 hash is kept, never the token; a token is found by its hash, revoked by setting revoked_at
// (the row stays, so the audit log's references to it keep their meaning).
import type { Generated, Kysely, Migration, Selectable } from 'kysely';
import type { ApiTokenRecord, NewApiToken } from './types.ts';

export interface ApiTokensTable {
  api_tokens: {
    id: Generated<number>;
    name: string;
    hash: string;
    /** JSON arrays of environment and role names. */
    environments: string;
    roles: string;
    created_by: string;
    created_at: string;
    expires_at: string;
    revoked_at: string | null;
    revoked_by: string | null;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a migration describes how the schema got here (kysely's advice)
type AnyDb = Kysely<any>;

export function apiTokensMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('environments', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
    },
  };
}

type Db = Kysely<ApiTokensTable>;

function toToken(r: Selectable<ApiTokensTable['api_tokens']>): ApiTokenRecord {
  return {
    id: Number(r.id),
    name: r.name,
    hash: r.hash,
    environments: JSON.parse(r.environments) as string[],
    roles: JSON.parse(r.roles) as string[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at ?? undefined,
    revokedBy: r.revoked_by ?? undefined,
  };
}

export async function insertApiToken(db: Db, t: NewApiToken): Promise<ApiTokenRecord> {
  const row = await db
    .insertInto('api_tokens')
    .values({
      name: t.name,
      hash: t.hash,
      environments: JSON.stringify(t.environments),
      roles: JSON.stringify(t.roles),
      created_by: t.createdBy,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toToken(row);
}

export async function findApiToken(
  db: Db,
  by: { id: number } | { hash: string },
): Promise<ApiTokenRecord | undefined> {
  let q = db.selectFrom('api_tokens').selectAll();
  q = 'id' in by ? q.where('id', '=', by.id) : q.where('hash', '=', by.hash);
  const row = await q.executeTakeFirst();
  return row ? toToken(row) : undefined;
}

export async function listApiTokens(db: Db): Promise<ApiTokenRecord[]> {
  return (await db.selectFrom('api_tokens').selectAll().orderBy('id').execute()).map(toToken);
}

/** Compare-and-set: false when the token is unknown or already revoked. */
export async function revokeApiToken(db: Db, id: number, by: string, at: string): Promise<boolean> {
  const rows = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at, revoked_by: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length > 0;
}
