// Choosing and opening the state store: PostgreSQL for a postgres:// URL (a shared server for a team
// or `slipway serve`), else an embedded SQLite file, by default <platform>/.slipway/state.db.
// The caller passes `SLIPWAY_STORE` (or a --store flag) as `url`; this module reads no environment.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { SlipwayError } from '../shared/errors.ts';
import { KyselyStateStore, migrateStore } from './kysely-store.ts';
import type { StoreTables } from './migrations.ts';
import type { StateStore } from './types.ts';

export const DEFAULT_STORE_FILE = join('.slipway', 'state.db');

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/**
 * `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite:<path>`, a plain path or undefined → SQLite
 * (relative paths resolve against the platform directory). Migrates to the latest schema.
 */
export async function openStore(url: string | undefined, platformDir: string): Promise<StateStore> {
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url);
  let file = url === undefined || url === '' ? DEFAULT_STORE_FILE : url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:' && !isAbsolute(file)) file = resolve(platformDir, file);
  return openSqlite(file);
}

async function openSqlite(file: string): Promise<StateStore> {
  const { default: Database } = await import('better-sqlite3');
  let sqlite: InstanceType<typeof Database>;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    sqlite = new Database(file, { timeout: 5000 });
    if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    throw new SlipwayError('failed', `cannot open the state store ${file}: ${(e as Error).message}`, {
      cause: e,
      hint: 'Check that the directory is writable, or point SLIPWAY_STORE at another file or a postgres:// URL.',
    });
  }
  const db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateStore(db, 'sqlite');
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return new KyselyStateStore(db, 'sqlite');
}

async function openPostgres(url: string): Promise<StateStore> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateStore(db, 'postgres');
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
  return new KyselyStateStore(db, 'postgres');
}
