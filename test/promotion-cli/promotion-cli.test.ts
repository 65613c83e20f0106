// The promotion rules through the CLI, as users meet them, on a temporary git copy of examples/ehealth
// with its SQLite store (no cluster: promotions run with --no-deploy; the releases the engine would
// report are seeded into the store). The copy adds a 1h soak to preprod and an always-open freeze
// window to prod so that every rule is exercised: order, roles (refusal audited), soak, self
// approval, distinct approvals, freeze and hotfix, reject, the audit log and its verification,
// release notes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import {
  ago,
  ehealthCopy,
  git,
  HOUR,
  removeDir,
  seedDeployment,
  slipway,
  startCopyCluster,
} from './support.ts';

const idOf = (stdout: string): number => {
  const m = /promotion #(\d+)/.exec(stdout);
  assert.ok(m, `no promotion id in: ${stdout}`);
  return Number(m[1]);
};

const service = (dir: string, env: string, name: string) => {
  const text = readFileSync(join(dir, 'environments', `${env}.yaml`), 'utf8');
  const start = text.indexOf(`  ${name}:\n`);
  const next = text.slice(start + 3).search(/\n {2}\S/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 3 + next);
};

describe('slipway promote, approve, reject, audit (ehealth copy, SQLite)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  before(async () => {
    dir = ehealthCopy('slipway-promotion-cli-', (yaml) =>
      yaml
        .replace('      approvals: 1\n', '      approvals: 1\n      soak: 1h\n')
        .replace(
          '      admin: [mette.hansen]\n',
          '      admin: [mette.hansen]\n    freezeWindows:\n      - { name: change-freeze, cron: "* * * * *", duration: 2h }\n',
        ),
    );
    // What runs where is read from the in-cluster release history: seedDeployment writes it there.
    cluster = await startCopyCluster(dir);
  });
  after(async () => {
    await cluster?.stop();
    removeDir(dir);
  });

  test('release notes between two versions, named or read from desired state', async () => {
    git(dir, ['tag', 'v4.2.1']);
    git(dir, ['commit', '-q', '--allow-empty', '-m', 'feat(api): questionnaires for COPD patients']);
    git(dir, ['commit', '-q', '--allow-empty', '-m', 'fix: measurement units in kPa']);
    git(dir, ['tag', 'v4.3.0-rc.2']);
    const named = await slipway(dir, 'lars.nielsen', [
      'release-notes',
      'telemed-api',
      '--from-version',
      'v4.2.1',
      '--to-version',
      'v4.3.0-rc.2',
    ]);
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /### Features\n\n- \*\*api:\*\* questionnaires for COPD patients/);
    assert.match(named.stdout, /### Bug fixes\n\n- measurement units in kPa/);
    const fromEnvs = await slipway(dir, 'lars.nielsen', [
      'release-notes',
      'telemed-api',
      '--from-env',
      'exttest',
      '--to-env',
      'inttest',
    ]);
    assert.equal(fromEnvs.code, 0, fromEnvs.stderr);
    assert.equal(fromEnvs.stdout, named.stdout);
    const missing = await slipway(dir, 'lars.nielsen', [
      'release-notes',
      'telemed-api',
      '--from-env',
      'prod',
    ]);
    assert.equal(missing.code, 2);
  });

  test('out-of-order promotion is refused with the reason (and audited)', async () => {
    await seedDeployment(dir, {
      environment: 'inttest',
      service: 'telemed-api',
      version: 'v4.3.0-rc.2',
      finishedAt: ago(3 * HOUR),
    });
    const r = await slipway(dir, 'lars.nielsen', [
      'promote',
      'telemed-api',
      '--from',
      'inttest',
      '--to',
      'preprod',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /preprod is promoted from exttest, not from inttest/);
    assert.match(r.stderr, /acting as lars\.nielsen \(from SLIPWAY_USER; not authenticated\)/);
    assert.equal(r.stderr.split('acting as').length - 1, 1, 'the user is announced once');
  });

  test('a user without the deployer role is refused, and the refusal is audited', async () => {
    const r = await slipway(dir, 'anna.jensen', [
      'promote',
      'telemed-api',
      '--from',
      'inttest',
      '--to',
      'exttest',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /anna\.jensen may not deploy to exttest/);
    assert.match(r.stderr, /deployer: ehealth-release-managers/);
    const audit = await slipway(dir, 'lars.nielsen', [
      'audit',
      '--env',
      'exttest',
      '--action',
      'permission-denied',
      '--output',
      'json',
    ]);
    assert.equal(audit.code, 0, audit.stderr);
    const entries = JSON.parse(audit.stdout) as Array<{ actor: string; detail: { action: string } }>;
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.actor, 'anna.jensen');
    assert.equal(entries[0]!.detail.action, 'deploy');
  });

  test('into exttest (no approvals) the desired state is written as one git commit', async () => {
    const before = readFileSync(join(dir, 'environments', 'exttest.yaml'), 'utf8');
    const r = await slipway(dir, 'lars.nielsen', [
      'promote',
      'telemed-api',
      '--from',
      'inttest',
      '--to',
      'exttest',
      '--tag',
      'v4.3.0-rc.2',
      '--commit',
      '--no-deploy',
      '--reason',
      'QA passed',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /environments\/exttest\.yaml: telemed-api version v4\.2\.1 → v4\.3\.0-rc\.2/);
    assert.match(r.stdout, /promotion #\d+ succeeded/);
    const after = readFileSync(join(dir, 'environments', 'exttest.yaml'), 'utf8');
    assert.equal(after, before.replace('    version: v4.2.1\n', '    version: v4.3.0-rc.2\n'));
    assert.match(git(dir, ['log', '-1', '--format=%s']), /promote telemed-api from inttest to exttest/);
    assert.equal(git(dir, ['show', '--name-only', '--format=', 'HEAD']).trim(), 'environments/exttest.yaml');
    assert.equal(git(dir, ['status', '--porcelain']).trim(), '');
  });

  test('the soak of preprod is enforced with when to try again', async () => {
    await seedDeployment(dir, {
      environment: 'exttest',
      service: 'telemed-api',
      version: 'v4.3.0-rc.2',
      finishedAt: ago(20 * 60_000),
    });
    const r = await slipway(dir, 'lars.nielsen', [
      'promote',
      'telemed-api',
      '--from',
      'exttest',
      '--to',
      'preprod',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /v4\.3\.0-rc\.2 has run in exttest for (19|20)m\d*s? of the required 1h; try again after 20\d\d-/,
    );
  });

  test('preprod: not an approver is refused; one platform owner approves and the promotion runs', async () => {
    // The same version succeeded in exttest 2h ago too: the soak counts from then.
    await seedDeployment(dir, {
      environment: 'exttest',
      service: 'telemed-api',
      version: 'v4.3.0-rc.2',
      finishedAt: ago(2 * HOUR),
    });
    const r = await slipway(dir, 'lars.nielsen', [
      'promote',
      'telemed-api',
      '--from',
      'exttest',
      '--to',
      'preprod',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /promotion #\d+ requested: telemed-api v4\.3\.0-rc\.2 from exttest to preprod/);
    assert.match(r.stdout, /who may approve: mette\.hansen, sofie\.berg/);
    const id = idOf(r.stdout);
    const qa = await slipway(dir, 'karen.holm', ['approve', String(id), '--no-deploy']);
    assert.equal(qa.code, 1);
    assert.match(qa.stderr, /karen\.holm may not approve .*preprod/);
    const ok = await slipway(dir, 'sofie.berg', [
      'approve',
      String(id),
      '--no-deploy',
      '--comment',
      'PR #412',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /approved \(1 of 1\)/);
    assert.match(ok.stdout, new RegExp(`promotion #${id} succeeded`));
    const svc = service(dir, 'preprod', 'telemed-api');
    assert.match(svc, /version: v4\.3\.0-rc\.2\n/);
    assert.doesNotMatch(svc, /digest:/, 'the stale digest of the old version is removed');
    assert.match(svc, /replicas: 3\n/, 'the rest of the service stays');
  });

  test('prod: a freeze blocks a promotion, a hotfix passes with two distinct approvers, never the requester', async () => {
    await seedDeployment(dir, {
      environment: 'preprod',
      service: 'telemed-api',
      version: 'v4.3.0-rc.2',
      finishedAt: ago(HOUR),
    });
    const frozen = await slipway(dir, 'jens.poulsen', [
      'promote',
      'telemed-api',
      '--from',
      'preprod',
      '--to',
      'prod',
    ]);
    assert.equal(frozen.code, 1);
    assert.match(
      frozen.stderr,
      /prod is frozen \(change-freeze\) until .*; only a hotfix \(--hotfix\) may be released now/,
    );

    const hotfix = await slipway(dir, 'jens.poulsen', [
      'promote',
      'telemed-api',
      '--from',
      'preprod',
      '--to',
      'prod',
      '--hotfix',
      '--reason',
      'CVE-2026-1234',
    ]);
    assert.equal(hotfix.code, 0, hotfix.stderr);
    assert.match(hotfix.stdout, /\(hotfix\)/);
    assert.match(hotfix.stdout, /it needs 2 approvals/);
    const id = idOf(hotfix.stdout);

    // Four eyes, also when the requester goes by their email.
    const self = await slipway(dir, 'jens.poulsen@ehealth.example', ['approve', String(id), '--no-deploy']);
    assert.equal(self.code, 1);
    assert.match(self.stderr, /jens\.poulsen requested promotion #\d+ and may not approve it too/);

    const first = await slipway(dir, 'mette.hansen', ['approve', String(id), '--no-deploy']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /has 1 of 2 approvals; still needed: 1/);
    const again = await slipway(dir, 'mette.hansen', ['approve', String(id), '--no-deploy']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /mette\.hansen has already approved promotion #\d+/);

    const pending = await slipway(dir, 'jens.poulsen', ['approvals', '--env', 'prod', '--output', 'json']);
    const rows = JSON.parse(pending.stdout) as Array<{ id: number; approvals: string[] }>;
    assert.deepEqual(
      rows.map((x) => [x.id, x.approvals]),
      [[id, ['mette.hansen']]],
    );

    const second = await slipway(dir, 'sofie.berg', ['approve', String(id), '--no-deploy']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /approved \(2 of 2\)/);
    assert.match(service(dir, 'prod', 'telemed-api'), /version: v4\.3\.0-rc\.2\n/);

    const audit = await slipway(dir, 'mette.hansen', [
      'audit',
      '--env',
      'prod',
      '--since',
      '1h',
      '--output',
      'json',
    ]);
    const actions = (JSON.parse(audit.stdout) as Array<{ action: string; actor: string }>).map(
      (e) => `${e.action}:${e.actor}`,
    );
    assert.deepEqual(actions, [
      'promote:jens.poulsen',
      'hotfix:jens.poulsen',
      'permission-denied:jens.poulsen',
      'approve:mette.hansen',
      'approve:sofie.berg',
    ]);
  });

  test('approvals lists a pending request; only an approver may reject it', async () => {
    await seedDeployment(dir, {
      environment: 'exttest',
      service: 'measurement-ingest',
      version: 'v2.8.0',
      finishedAt: ago(3 * HOUR),
    });
    const r = await slipway(dir, 'lars.nielsen', [
      'promote',
      'measurement-ingest',
      '--from',
      'exttest',
      '--to',
      'preprod',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = idOf(r.stdout);
    const list = await slipway(dir, 'sofie.berg', ['approvals']);
    assert.match(
      list.stdout,
      new RegExp(`#${id}.*measurement-ingest.*exttest → preprod.*v2\\.8\\.0.*lars\\.nielsen`),
    );
    const dev = await slipway(dir, 'peter.larsen', ['reject', String(id), '--reason', 'no']);
    assert.equal(dev.code, 1);
    assert.match(dev.stderr, /peter\.larsen may not approve .*preprod/);
    const no = await slipway(dir, 'sofie.berg', ['reject', String(id), '--reason', 'load test missing']);
    assert.equal(no.code, 0, no.stderr);
    const none = await slipway(dir, 'sofie.berg', ['approvals', '--output', 'json']);
    assert.deepEqual(JSON.parse(none.stdout), []);
    const late = await slipway(dir, 'mette.hansen', ['approve', String(id)]);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /is rejected, no longer waiting for a decision/);
  });

  test('audit verify: intact, then an edited row and a deleted row are named by seq', async () => {
    const ok = await slipway(dir, 'lars.nielsen', ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /audit log intact: \d+ entries/);
    const head = await slipway(dir, 'lars.nielsen', ['audit', '--head']);
    assert.match(head.stdout, /^\d+:[0-9a-f]{64}\n$/);

    const db = new Database(join(dir, '.slipway', 'state.db'));
    const edited = join(dir, '.slipway', 'edited.db');
    const deleted = join(dir, '.slipway', 'deleted.db');
    const truncated = join(dir, '.slipway', 'truncated.db');
    try {
      for (const f of [edited, deleted, truncated]) db.exec(`VACUUM INTO '${f}'`);
    } finally {
      db.close();
    }
    const tamper = (file: string, sql: string) => {
      const d = new Database(file);
      try {
        d.exec(sql);
      } finally {
        d.close();
      }
    };
    tamper(edited, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`);
    tamper(deleted, 'DELETE FROM audit_log WHERE seq = 3');
    const last = Number(head.stdout.split(':')[0]);
    tamper(truncated, `DELETE FROM audit_log WHERE seq = ${last}`);

    const e = await slipway(dir, 'lars.nielsen', ['audit', 'verify', '--store', edited]);
    assert.equal(e.code, 1);
    assert.match(e.stdout, /seq 2: hash does not match the entry: the entry was edited/);
    const d = await slipway(dir, 'lars.nielsen', [
      'audit',
      '--verify',
      '--store',
      deleted,
      '--output',
      'json',
    ]);
    assert.equal(d.code, 1);
    const problems = (JSON.parse(d.stdout) as { problems: Array<{ seq: number; problem: string }> }).problems;
    assert.deepEqual(
      problems.slice(0, 2).map((p) => p.seq),
      [4, 4],
    );
    assert.match(problems[0]!.problem, /entry 3 is missing \(deleted\)/);
    assert.match(problems[1]!.problem, /prev_hash does not match/);
    // An environment whose newest entry was 3 has its anchor there: it names the deleted entry too.
    for (const p of problems.slice(2))
      assert.match(
        p.problem,
        /^the anchor in the cluster of \w+ .* records entry 3, but the log has no such entry/,
      );
    // A cut-off tail: found without an anchor given, by the store's head table and the cluster's anchor.
    const t = await slipway(dir, 'lars.nielsen', ['audit', 'verify', '--store', truncated]);
    assert.equal(t.code, 1);
    assert.match(
      t.stdout,
      new RegExp(`audit_head table records entry ${last}, but the log ends at ${last - 1}`),
    );
    assert.match(
      t.stdout,
      new RegExp(`anchor in the cluster of \\w+ .* records entry ${last}, but the log ends`),
    );
    const anchored = await slipway(dir, 'lars.nielsen', [
      'audit',
      'verify',
      '--store',
      truncated,
      '--anchor',
      head.stdout.trim(),
    ]);
    assert.equal(anchored.code, 1);
    assert.match(anchored.stdout, new RegExp(`seq ${last}: the --anchor given records entry ${last}, but`));
  });

  test('usage errors exit 2', async () => {
    const both = await slipway(dir, 'lars.nielsen', [
      'promote',
      'telemed-api',
      '--all',
      '--from',
      'a',
      '--to',
      'b',
    ]);
    assert.equal(both.code, 2);
    const noTarget = await slipway(dir, 'lars.nielsen', ['promote', 'telemed-api', '--from', 'inttest']);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.stderr, /--from <env> and --to <env>/);
    const unknown = await slipway(dir, 'lars.nielsen', [
      'promote',
      'telemed-apii',
      '--from',
      'inttest',
      '--to',
      'exttest',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /did you mean "telemed-api"/);
    const badId = await slipway(dir, 'lars.nielsen', ['approve', 'x1']);
    assert.equal(badId.code, 2);
  });
});
