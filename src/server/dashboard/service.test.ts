// The service page's pure parts: the diff of two recorded revisions (image tag, values, an object added,
// Secret values masked but references shown), durations, the rollback gate in words, escaping.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReleaseRecord } from '../../release/history.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { PageContext } from './layout.ts';
import { diffPage, patchLines, rollbackBlocked, servicePage } from './service.ts';
import { maskSecret, releaseDuration, revisionDiff, type ServiceViewData } from './service-data.ts';
import { revisionParam } from './service-routes.ts';

const ctx: PageContext = { user: 'dana', csrf: 'tok', path: '/services/can' };
const now = new Date('2026-12-05T12:00:00Z');

const deployment = (tag: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'can', namespace: 'gated-dev' },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'can', image: `example.test/can:${tag}` }] } },
  },
});

const record = (revision: number, over: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  platform: 'gated',
  service: 'can',
  environment: 'dev',
  revision,
  status: 'superseded',
  strategy: 'canary',
  version: { tag: `v${revision}` },
  values: { image: { tag: `v${revision}` }, replicas: 2 },
  manifests: [deployment(`v${revision}`)],
  startedBy: 'dana',
  startedAt: '2026-12-05T11:00:00Z',
  endedAt: '2026-12-05T11:01:05Z',
  steps: [],
  ...over,
});

const view = (records: ReleaseRecord[], allowed = true): ServiceViewData => ({
  service: 'can',
  environments: [
    { name: 'dev', revisions: records.length },
    { name: 'prod', revisions: undefined },
  ],
  environment: 'dev',
  records,
  gates: allowed ? { allowed: true } : { allowed: false, reason: 'april may not deploy to dev' },
  now,
});

describe('service page', () => {
  test('the diff of two revisions shows the image tag line removed and added, per file', () => {
    const files = revisionDiff(record(1), record(2));
    assert.deepEqual(
      files.map((f) => f.name),
      ['values.yaml', 'Deployment/can'],
    );
    const deploy = files[1]!.patch;
    assert.match(deploy, /^-\s+image: example\.test\/can:v1$/m);
    assert.match(deploy, /^\+\s+image: example\.test\/can:v2$/m);
    assert.match(deploy, /^--- r1\/Deployment\/can\n\+\+\+ r2\/Deployment\/can\n@@/);
    assert.deepEqual(revisionDiff(record(1), record(1)), [], 'the same revision: nothing');
  });

  test('an object only in one revision is all added; Secret values never show, references do', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'can-secrets' },
      stringData: { DB: '<from env CAN_DB_URL>', TOKEN: 'hunter2-real-value' },
    };
    const files = revisionDiff(record(1), record(2, { manifests: [deployment('v2'), secret] }));
    const s = files.find((f) => f.name === 'Secret/can-secrets')!.patch;
    assert.ok(!s.includes('hunter2'), 'the value is not shown');
    assert.match(s, /TOKEN: "\(18 bytes, not shown\)"/);
    assert.match(s, /DB: "<from env CAN_DB_URL>"/);
    assert.deepEqual(maskSecret(deployment('v1')), deployment('v1'), 'other kinds as they are');
  });

  test('durations: end − start, else the last step, else so far while pending', () => {
    assert.equal(releaseDuration(record(1), now), 65_000);
    const steps = [{ name: 'apply', startedAt: '2026-12-05T11:00:00Z', endedAt: '2026-12-05T11:00:09Z' }];
    const { endedAt: _, ...open } = record(1, { steps });
    assert.equal(releaseDuration(open, now), 9_000);
    assert.equal(releaseDuration({ ...open, status: 'pending', steps: [] }, now), 3_600_000);
  });

  test('rollback is refused in words: no deploy role, a release in progress, a revision that never ran', () => {
    const r1 = record(1);
    assert.equal(rollbackBlocked(view([r1]), r1), undefined);
    assert.equal(rollbackBlocked(view([r1], false), r1), 'april may not deploy to dev');
    assert.match(rollbackBlocked(view([r1]), record(2, { status: 'pending' })) ?? '', /in progress/);
    assert.match(rollbackBlocked(view([r1]), record(2, { status: 'aborted' })) ?? '', /r2 aborted/);
  });

  test('the history page: rows newest first with who and why, disabled forms say why, names escaped', async () => {
    const records = [
      record(2, { status: 'aborted', reason: 'try <b>v2</b>' }),
      record(1, { status: 'deployed' }),
    ];
    const page = (await servicePage(ctx, view(records, false))).toString();
    assert.ok(page.indexOf('data-revision="2"') < page.indexOf('data-revision="1"'));
    assert.ok(!page.includes('<b>v2</b>'), 'escaped');
    assert.match(page, /april may not deploy to dev/);
    assert.match(
      page,
      /<button type="submit" disabled aria-describedby="rollback-1-why">Roll back to r1<\/button>/,
    );
    assert.match(page, /<option value="1" selected>r1<\/option>/, 'compares the one before the newest…');
    assert.match(page, /name="b"><option value="2" selected>/, '…with the newest');
    assert.match(page, /\(unreachable\)/);
  });

  test('the diff page marks added and removed lines and says when nothing differs', async () => {
    const lines = (await patchLines('--- a\n+++ b\n@@ -1 +1 @@\n-old <x>\n+new\n same\n')).toString();
    assert.match(lines, /<span class="del">-old &lt;x&gt;<\/span>/);
    assert.match(lines, /<span class="add">\+new<\/span>/);
    assert.ok(!lines.includes('class="add">+++'));
    const same = (
      await diffPage({
        service: 'can',
        environment: 'dev',
        a: record(1),
        b: record(1),
        files: [],
        revisions: [1],
      })
    ).toString();
    assert.match(same, /recorded the same manifests and values/);
  });

  test('revision numbers from a form: 3 or r3, anything else is an input error', () => {
    assert.equal(revisionParam('r3', 'A'), 3);
    assert.equal(revisionParam('', 'A'), undefined);
    assert.throws(() => revisionParam('x', 'A'), /revision A must be a revision number/);
  });
});
