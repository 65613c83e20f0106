// Choosing and opening the state store: PostgreSQL for a postgres:// URL (a shared server for a team
// or `slipway serve`), else an embedded SQLite file, by default <platform>/.slipway/state.db.
// The caller passes `SLIPWAY_STORE` (or a --store flag) as `url`; this module reads no environment.
// `readOnly` opens for reading only: a missing store is an error (never created, nor its directory),
// nothing is migrated, and every open checks that the tables its migrations made are all still there.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { SlipwayError } from '../shared/errors.ts';
import { KyselyStateStore, migrateStore } from './kysely-store.ts';
import type { StoreTables } from './migrations.ts';
import { checkSchema, noStore } from './schema.ts';
import type { StateStore } from './types.ts';

export const DEFAULT_STORE_FILE = join('.slipway', 'state.db');

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/**
 * `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite:<path>`, a plain path or undefined → SQLite
 * (relative paths resolve against the platform directory). Migrates to the latest schema.
 */
export async function openStore(
  url: string | undefined,
  platformDir: string,
  o: { readOnly?: boolean } = {},
): Promise<StateStore> {
  const readOnly = o.readOnly === true;
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, readOnly);
  return openSqlite(storeFile(url, platformDir), readOnly);
}

/** The SQLite file a store URL names (relative to the platform directory). */
export function storeFile(url: string | undefined, platformDir: string): string {
  const file = url === undefined || url === '' ? DEFAULT_STORE_FILE : url.replace(/^sqlite:(\/\/)?/, '');
  return file === ':memory:' || isAbsolute(file) ? file : resolve(platformDir, file);
}

/** Where a store is, for messages: the file, or the URL without its password. */
export function storeLocation(url: string | undefined, platformDir: string): string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url) ? redact(url) : storeFile(url, platformDir);
}

async function openSqlite(file: string, readOnly: boolean): Promise<StateStore> {
  const { default: Database } = await import('better-sqlite3');
  if (readOnly && file !== ':memory:' && !existsSync(file)) throw noStore(file);
  let sqlite: InstanceType<typeof Database>;
  try {
    if (readOnly) {
      sqlite = new Database(file, { timeout: 5000, readonly: true, fileMustExist: true });
    } else {
      if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
      sqlite = new Database(file, { timeout: 5000 });
      if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    }
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    throw new SlipwayError('failed', `cannot open the state store ${file}: ${(e as Error).message}`, {
      cause: e,
      hint: 'Check that the directory is writable, or point SLIPWAY_STORE at another file or a postgres:// URL.',
    });
  }
  const db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    if (!readOnly) await migrateStore(db, 'sqlite');
    const schema = await checkSchema(db, file);
    if (readOnly && schema.applied.length === 0) throw noStore(file, 'the file holds no slipway tables');
    return new KyselyStateStore(db, 'sqlite', schema);
  } catch (e) {
    await db.destroy();
    if (e instanceof SlipwayError) throw e;
    throw new SlipwayError('failed', `cannot read the state store ${file}: ${(e as Error).message}`, {
      cause: e,
      hint: 'The file may not be a SQLite database, or be damaged; restore it from a backup.',
    });
  }
}

async function openPostgres(url: string, readOnly: boolean): Promise<StateStore> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 5,
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (!readOnly) await migrateStore(db, 'postgres');
    const schema = await checkSchema(db, redact(url));
    if (readOnly && schema.applied.length === 0)
      throw noStore(redact(url), 'the database holds no slipway tables');
    return new KyselyStateStore(db, 'postgres', schema);
  } catch (e) {
    await db.destroy();
    if (e instanceof SlipwayError) throw e;
    throw new SlipwayError(
      'failed',
      `cannot reach the state store at ${redact(url)}: ${(e as Error).message}`,
      {
        cause: e,
        hint: 'Check that PostgreSQL runs and the URL (host, port, user, database) is right.',
      },
    );
  }
}
