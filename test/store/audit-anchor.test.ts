// The audit log cannot disappear quietly (issue 14): each audit write anchors the chain's head in the
// cluster (ConfigMap slipway-audit-anchor in the environment's namespace), and `slipway audit verify`
// detects, with no --anchor given, the newest entries deleted, the chain rebuilt with new hashes, the
// store deleted and a table dropped (exit 1 each). Reads never create a store. Through the real CLI on
// a local cluster; each tampering works on a copy of the store, as someone with the file would.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { connect } from '../../src/kube/client.ts';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { auditHash } from '../../src/promotion/audit.ts';
import { AUDIT_ANCHOR } from '../../src/promotion/audit-anchor.ts';
import type { AuditAction } from '../../src/store/types.ts';
import {
  type CliResult,
  ehealthCopy,
  removeDir,
  slipway,
  startCopyCluster,
} from '../promotion-cli/support.ts';

const ADMIN = 'mette.hansen';

describe('audit anchors in the cluster (CLI, local cluster)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  let copies = 0;
  const store = () => join(dir, '.slipway', 'state.db');
  const verify = (file: string): Promise<CliResult> =>
    slipway(dir, ADMIN, ['audit', 'verify', '--store', file]);
  const noCrash = (r: CliResult) => {
    assert.notEqual(r.code, 70, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
  };

  /** A copy of the store (as of now) for one tampering; `edit` runs on it with the triggers dropped. */
  const tamperedCopy = (edit: (db: Database.Database) => void): string => {
    const file = join(dir, `tampered-${++copies}.db`);
    const src = new Database(store(), { readonly: true });
    src.exec(`VACUUM INTO '${file}'`);
    src.close();
    const db = new Database(file);
    db.exec('DROP TRIGGER audit_head_forward; DROP TRIGGER audit_head_kept;');
    edit(db);
    db.close();
    return file;
  };
  const newestSeq = (): number => {
    const db = new Database(store(), { readonly: true });
    const { seq } = db.prepare('SELECT max(seq) AS seq FROM audit_log').get() as { seq: number };
    db.close();
    return seq;
  };

  before(async () => {
    dir = ehealthCopy('slipway-audit-anchor-');
    cluster = await startCopyCluster(dir);
    for (const [cmd, reason] of [
      ['freeze', 'incident INC-1'],
      ['unfreeze', 'resolved'],
      ['freeze', 'incident INC-2'],
    ] as const) {
      const r = await slipway(dir, ADMIN, [cmd, '--env', 'prod', '--reason', reason]);
      assert.equal(r.code, 0, `${cmd}\n${r.stdout}\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /anchor .* was not written/);
    }
  });
  after(async () => {
    await cluster?.stop();
    removeDir(dir);
  });

  test('each write anchors the head in the environment namespace; verify checks against it', async () => {
    const client = await connect({ kubeconfigPath: cluster!.kubeconfigPath, namespace: 'ehealth-prod' });
    const cm = await client.get('v1', 'ConfigMap', AUDIT_ANCHOR);
    const data = cm?.data as { seq: string; hash: string } | undefined;
    assert.equal(Number(data?.seq), newestSeq());
    const r = await verify(store());
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /audit log intact/);
    assert.match(
      r.stdout,
      /checked against the anchor in the cluster of prod \(ConfigMap slipway-audit-anchor in ehealth-prod\)/,
    );
    assert.match(r.stdout, /checked against the store's audit_head table/);
  });

  test('the newest entries deleted (and the head table set back to hide it) are detected', async () => {
    const n = newestSeq();
    const file = tamperedCopy((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq > ?').run(n - 2);
      db.exec(
        'UPDATE audit_head SET (seq, hash, at) = (SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1)',
      );
    });
    const r = await verify(file);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(
        `the anchor in the cluster of prod .* records entry ${n}, but the log ends at ${n - 2}: the newest entries were deleted`,
      ),
    );
  });

  test('a chain rebuilt with new hashes (consistent in itself) is detected', async () => {
    const file = tamperedCopy((db) => {
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<{
        seq: number;
        at: string;
        actor: string;
        action: string;
        environment: string | null;
        service: string | null;
        detail: string;
      }>;
      let prev = '';
      const update = db.prepare('UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      for (const r of rows) {
        const actor = r.seq === 1 ? 'someone.else' : r.actor;
        const hash = auditHash(prev, r.seq, {
          at: r.at,
          actor,
          action: r.action as AuditAction,
          environment: r.environment ?? undefined,
          service: r.service ?? undefined,
          detail: JSON.parse(r.detail) as Record<string, unknown>,
        });
        update.run(actor, prev, hash, r.seq);
        prev = hash;
      }
      db.prepare('UPDATE audit_head SET hash = ?').run(prev);
    });
    const r = await verify(file);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, /the entry was edited/, 'the rebuilt chain is consistent in itself');
    assert.match(
      r.stdout,
      /the anchor in the cluster of prod .* records another hash for entry \d+: the history was rewritten/,
    );
  });

  test('a deleted store fails verification with what the anchor says was there; nothing is created', async () => {
    const gone = join(dir, 'gone', 'state.db');
    const r = await verify(gone);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(
        `audit log missing: no store at .*gone/state\\.db, but the anchor in the cluster of prod .* records ${newestSeq()} entries`,
      ),
    );
    assert.equal(existsSync(join(dir, 'gone')), false, 'no directory created');
  });

  test('a dropped table is a clear error (exit 1), not an internal error', async () => {
    const file = tamperedCopy((db) => db.exec('DROP TABLE audit_log'));
    const r = await verify(file);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    noCrash(r);
    assert.match(r.stderr, /the state store .* has lost its table audit_log: dropped or damaged/);
  });

  test('read-only commands never create a store or its directory', async () => {
    for (const args of [['audit'], ['approvals'], ['freeze', '--env', 'prod', '--list']]) {
      const r = await slipway(dir, ADMIN, [...args, '--store', '/nonexistent-slipway/dir/x.db']);
      assert.equal(r.code, 2, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      noCrash(r);
      assert.match(r.stderr, /no store at \/nonexistent-slipway\/dir\/x\.db/);
    }
    assert.equal(existsSync('/nonexistent-slipway'), false);
  });

  test('an anchor that cannot be written loses no entry and is reported', async () => {
    await cluster?.stop();
    cluster = undefined;
    const before = newestSeq();
    const r = await slipway(dir, ADMIN, ['unfreeze', '--env', 'prod', '--reason', 'cluster down']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      /audit entry \d+ is stored, but its anchor in the cluster of prod was not written/,
    );
    assert.ok(newestSeq() > before, 'the entries are stored');
  });
});
