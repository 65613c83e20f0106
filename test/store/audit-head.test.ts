// The store's own audit head (table audit_head, written in the append's transaction, moved only
// forward by a trigger), and opening a store read-only or with a dropped table: the same tests on
// SQLite and on a real PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { appendAudit, verifyAudit } from '../../src/promotion/audit.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import type { KyselyStateStore } from '../../src/store/kysely-store.ts';
import { openStore } from '../../src/store/open.ts';
import type { StateStore } from '../../src/store/types.ts';
import { describeEachBackend } from './backends.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';

const entry = (n: number) => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, n)),
  actor: 'anna',
  action: 'deploy' as const,
  environment: 'staging',
  detail: { n },
});

describeEachBackend('audit head', (fresh) => {
  test('follows every append; moving it back or deleting it is refused', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    assert.equal(await store.readAuditHead(), undefined);
    let last = await appendAudit(store, entry(1));
    last = await appendAudit(store, entry(2));
    assert.deepEqual(await store.readAuditHead(), { seq: 2, hash: last.hash, at: last.at });
    const db = (store as KyselyStateStore).db;
    await assert.rejects(db.updateTable('audit_head').set({ seq: 1 }).execute(), /only moves forward/);
    await assert.rejects(db.deleteFrom('audit_head').execute(), /cannot be deleted/);
    assert.equal((await verifyAudit(store)).ok, true);
  });

  test('after the newest entries were deleted, verify finds it and appending is refused', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    for (let i = 1; i <= 3; i++) await appendAudit(store, entry(i));
    await (store as KyselyStateStore).db.deleteFrom('audit_log').where('seq', '>', 1).execute();
    const v = await verifyAudit(store);
    assert.match(v.problems[0]?.problem ?? '', /audit_head table records entry 3, but the log ends at 1/);
    await assert.rejects(
      appendAudit(store, entry(4)),
      (e: unknown) =>
        e instanceof SlipwayError && /ends at entry 1 but its head records entry 3/.test(e.message),
    );
  });
});

describe('opening a store to read it', () => {
  let dir: string;
  let pg: TestPostgres | undefined;
  let skipPg: string | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-open-'));
    const r = await startPostgres();
    if ('skip' in r) skipPg = r.skip;
    else pg = r;
  });
  after(() => {
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const noStore = (e: unknown) =>
    e instanceof SlipwayError && e.type === 'notFound' && /^no store at /.test(e.message);
  const lostTable = (e: unknown) =>
    e instanceof SlipwayError && e.type === 'failed' && /has lost its table audit_log/.test(e.message);

  test('SQLite: a missing file is "no store", nothing created; a dropped table is named', async () => {
    await assert.rejects(openStore(join(dir, 'sub', 'x.db'), dir, { readOnly: true }), noStore);
    assert.equal(existsSync(join(dir, 'sub')), false);
    const store = await openStore('s.db', dir);
    await appendAudit(store, entry(1));
    await sql`DROP TABLE audit_log`.execute((store as KyselyStateStore).db);
    await store.close();
    await assert.rejects(openStore('s.db', dir, { readOnly: true }), lostTable);
    await assert.rejects(openStore('s.db', dir), lostTable);
  });

  test('SQLite read-only: reads, refuses to write', async () => {
    const rw = await openStore('r.db', dir);
    await appendAudit(rw, entry(1));
    await rw.close();
    const ro: StateStore = await openStore('r.db', dir, { readOnly: true });
    try {
      assert.equal((await verifyAudit(ro)).ok, true);
      await assert.rejects(appendAudit(ro, entry(2)), /readonly/);
    } finally {
      await ro.close();
    }
  });

  test('PostgreSQL: an empty database is "no store"; a dropped table is named', async (t) => {
    if (!pg) return t.skip(skipPg);
    const url = await pg.createDatabase('ro');
    await assert.rejects(openStore(url, dir, { readOnly: true }), noStore);
    const store = await openStore(url, dir);
    await appendAudit(store, entry(1));
    await sql`DROP TABLE audit_log`.execute((store as KyselyStateStore).db);
    await store.close();
    await assert.rejects(openStore(url, dir, { readOnly: true }), lostTable);
    await assert.rejects(openStore(url, dir), lostTable);
  });
});
