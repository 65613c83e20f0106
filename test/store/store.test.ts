// The state store and the audit chain, the same tests on SQLite and on a real PostgreSQL.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { appendAudit, auditHead, listAudit, verifyAudit } from '../../src/promotion/audit.ts';
import type { KyselyStateStore } from '../../src/store/kysely-store.ts';
import { openStore } from '../../src/store/open.ts';
import { describeEachBackend } from './backends.ts';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

test('openStore without a URL creates .slipway/state.db under the platform dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-open-'));
  try {
    const store = await openStore(undefined, dir);
    assert.equal(store.kind, 'sqlite');
    await store.close();
    assert.ok(existsSync(join(dir, '.slipway', 'state.db')));
    // Opening again runs no migration twice.
    const again = await openStore(undefined, dir);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openStore reports an unreachable PostgreSQL as a SlipwayError', async () => {
  await assert.rejects(
    openStore('postgres://nobody@127.0.0.1:1/none', '/tmp'),
    (e: Error & { type?: string }) => {
      assert.equal(e.type, 'failed');
      assert.match(e.message, /state store/);
      return true;
    },
  );
});

describeEachBackend('state store', (fresh) => {
  test('promotions: insert, get, list, compare-and-set status', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    const p = await store.insertPromotion({
      service: 'booking',
      versions: { booking: { version: 'v1.2.0', digest: `sha256:${'a'.repeat(64)}` } },
      from: 'staging',
      to: 'production',
      requester: 'anna',
      reason: 'weekly release',
      hotfix: false,
      status: 'requested',
      approvalsNeeded: 2,
      createdAt: T0.toISOString(),
      expiresAt: at(60).toISOString(),
    });
    assert.equal(typeof p.id, 'number');
    assert.deepEqual(await store.getPromotion(p.id), p);
    assert.equal(await store.getPromotion(p.id + 100), undefined);
    assert.equal(p.decidedAt, undefined);
    assert.equal(p.hotfix, false);
    const second = await store.insertPromotion({ ...p, service: 'all', versions: {}, hotfix: true });
    assert.equal(second.id, p.id + 1);
    assert.equal(second.hotfix, true);

    assert.equal((await store.listPromotions({ status: ['requested'], to: 'production' })).length, 2);
    assert.equal((await store.listPromotions({ service: 'booking' })).length, 1);
    assert.equal((await store.listPromotions({ status: [] })).length, 0);

    assert.equal(
      await store.updatePromotionStatus(p.id, ['requested'], 'approved', at(5).toISOString()),
      true,
    );
    // The second writer loses: the status is no longer `requested`.
    assert.equal(
      await store.updatePromotionStatus(p.id, ['requested'], 'rejected', at(6).toISOString()),
      false,
    );
    const got = await store.getPromotion(p.id);
    assert.equal(got?.status, 'approved');
    assert.equal(got?.decidedAt, at(5).toISOString());
  });

  test('approvals: unique per promotion and approver', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    const p = await store.insertPromotion({
      service: 'booking',
      versions: {},
      from: 'a',
      to: 'b',
      requester: 'anna',
      reason: undefined,
      hotfix: false,
      status: 'requested',
      approvalsNeeded: 2,
      createdAt: T0.toISOString(),
      expiresAt: undefined,
    });
    await store.insertApproval({
      promotionId: p.id,
      approver: 'bob',
      decision: 'approved',
      comment: 'ok',
      at: at(1).toISOString(),
    });
    await assert.rejects(
      store.insertApproval({
        promotionId: p.id,
        approver: 'bob',
        decision: 'approved',
        comment: undefined,
        at: at(2).toISOString(),
      }),
      (e: Error & { type?: string }) => e.type === 'conflict' && /bob has already decided/.test(e.message),
    );
    await store.insertApproval({
      promotionId: p.id,
      approver: 'carol',
      decision: 'rejected',
      comment: undefined,
      at: at(3).toISOString(),
    });
    const list = await store.listApprovals(p.id);
    assert.deepEqual(
      list.map((a) => [a.approver, a.decision, a.comment]),
      [
        ['bob', 'approved', 'ok'],
        ['carol', 'rejected', undefined],
      ],
    );
  });

  test('declared freezes: inserted, listed, lifted once', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    const open = await store.insertFreeze({
      environment: 'production',
      reason: 'incident',
      createdBy: 'anna',
      startsAt: at(1).toISOString(),
      endsAt: undefined,
    });
    await store.insertFreeze({
      environment: 'production',
      reason: 'over',
      createdBy: 'anna',
      startsAt: at(1).toISOString(),
      endsAt: at(2).toISOString(),
    });
    await store.insertFreeze({
      environment: 'staging',
      reason: 'other',
      createdBy: 'bob',
      startsAt: at(1).toISOString(),
      endsAt: undefined,
    });
    assert.equal((await store.listFreezes({ environment: 'production' })).length, 2);
    const lifted = await store.liftFreezes('production', 'bob', at(5).toISOString());
    assert.deepEqual(
      lifted.map((f) => [f.id, f.liftedBy]),
      [[open.id, 'bob']],
      'only the freeze still in force is lifted',
    );
    assert.deepEqual(await store.liftFreezes('production', 'bob', at(6).toISOString()), []);
    assert.equal((await store.listFreezes()).length, 3);
  });

  test('audit: appended in a chain, filtered, verified', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    assert.deepEqual(await verifyAudit(store), { ok: true, entries: 0, problems: [], anchors: [] });
    const first = await appendAudit(store, {
      at: T0,
      actor: 'anna',
      action: 'promote',
      environment: 'production',
      service: 'booking',
      detail: { id: 1, versions: { booking: 'v1' } },
    });
    assert.equal(first.seq, 1);
    assert.equal(first.prevHash, '');
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    const second = await appendAudit(store, {
      at: at(1),
      actor: 'bob',
      action: 'approve',
      environment: 'production',
      service: 'booking',
    });
    assert.equal(second.prevHash, first.hash);
    await appendAudit(store, {
      at: at(2),
      actor: 'ci',
      action: 'deploy',
      environment: 'staging',
      service: 'search',
    });
    await appendAudit(store, {
      at: at(3),
      actor: 'eve',
      action: 'permission-denied',
      environment: 'production',
    });

    assert.equal((await listAudit(store, { environment: 'production' })).length, 3);
    assert.equal((await listAudit(store, { service: 'search' })).length, 1);
    assert.equal((await listAudit(store, { action: 'approve' }))[0]?.actor, 'bob');
    assert.deepEqual(
      (await listAudit(store, { since: at(2) })).map((e) => e.seq),
      [3, 4],
    );
    assert.deepEqual((await listAudit(store))[0]?.detail, { id: 1, versions: { booking: 'v1' } });
    assert.deepEqual(await verifyAudit(store), {
      ok: true,
      entries: 4,
      problems: [],
      anchors: [{ source: "the store's audit_head table", seq: 4 }],
    });
  });

  test('audit: concurrent appends keep one unbroken chain', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        appendAudit(store, { at: at(i), actor: `u${i}`, action: 'deploy' }),
      ),
    );
    const all = await listAudit(store);
    assert.deepEqual(
      all.map((e) => e.seq),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.equal((await verifyAudit(store)).ok, true);
  });

  test('verifyAudit catches an edited row, a deleted row and a truncated tail', async (t) => {
    const store = await fresh(t);
    if (!store) return;
    for (let i = 0; i < 6; i++)
      await appendAudit(store, {
        at: at(i),
        actor: 'anna',
        action: 'deploy',
        environment: 'staging',
        detail: { n: i },
      });
    const head = await auditHead(store);
    assert.equal(head?.seq, 6);
    const db = (store as KyselyStateStore).db;

    // Edited: someone changes who did it.
    await db.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 2).execute();
    let v = await verifyAudit(store);
    assert.equal(v.ok, false);
    assert.deepEqual(v.problems, [
      { seq: 2, problem: 'hash does not match the entry: the entry was edited' },
    ]);

    // Edited and re-hashed: the next row's prev_hash gives it away.
    await db.updateTable('audit_log').set({ detail: sql<string>`'{"n":99}'` }).where('seq', '=', 3).execute();
    const row3 = (await store.listAudit()).find((e) => e.seq === 3)!;
    const { auditHash } = await import('../../src/promotion/audit.ts');
    await db
      .updateTable('audit_log')
      .set({ hash: auditHash(row3.prevHash, 3, row3) })
      .where('seq', '=', 3)
      .execute();
    v = await verifyAudit(store);
    assert.ok(
      v.problems.some((p) => p.seq === 4 && /prev_hash does not match the hash of entry 3/.test(p.problem)),
    );

    // Deleted: a gap in seq.
    await db.deleteFrom('audit_log').where('seq', '=', 5).execute();
    v = await verifyAudit(store);
    assert.ok(v.problems.some((p) => p.seq === 6 && /entry 5 is missing/.test(p.problem)));
    assert.ok(v.problems.some((p) => p.seq === 6 && /prev_hash/.test(p.problem)));

    // Truncated tail: invisible to the chain alone; the store's head table and an anchor find it.
    await db.deleteFrom('audit_log').where('seq', '=', 6).execute();
    v = await verifyAudit(store);
    assert.deepEqual(
      v.problems.filter((p) => p.seq === 6).map((p) => p.problem),
      [
        "the store's audit_head table records entry 6, but the log ends at 4: the newest entries were deleted",
      ],
    );
    v = await verifyAudit(store, { anchor: head! });
    assert.ok(v.problems.some((p) => p.seq === 6 && /--anchor given records entry 6/.test(p.problem)));
  });
});
