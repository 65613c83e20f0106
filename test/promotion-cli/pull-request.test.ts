// Promotion by pull request through the CLI, on a temporary git copy of examples/ehealth with its
// local cluster (what runs in inttest is read from the in-cluster history, seeded): the gates still
// apply (a user without the role gets no branch); `promote --pull-request` commits exttest's desired
// state on a new branch, leaves the current branch, index and working tree as they were, and prints
// the description; on that branch `slipway plan --format markdown` prints the same plan (snapshot).
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { matchSnapshot } from '../support/snapshot.ts';
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

describe('slipway promote --pull-request, plan --format markdown (ehealth copy)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  before(async () => {
    dir = ehealthCopy('slipway-pull-request-');
    cluster = await startCopyCluster(dir);
    await seedDeployment(dir, {
      environment: 'inttest',
      service: 'telemed-api',
      version: 'v4.3.0-rc.2',
      finishedAt: ago(3 * HOUR),
    });
  });
  after(async () => {
    await cluster?.stop();
    removeDir(dir);
  });

  const promoteArgs = ['promote', 'telemed-api', '--from', 'inttest', '--to', 'exttest', '--pull-request'];
  const branches = () => git(dir, ['branch', '--list', 'slipway/*', '--format=%(refname:short)']).trim();

  test('the gates apply: without the deployer role there is no branch (refusal audited)', async () => {
    const r = await slipway(dir, 'anna.jensen', promoteArgs);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /anna\.jensen may not deploy to exttest/);
    assert.equal(branches(), '');
  });

  test('a new branch with one commit of environments/exttest.yaml; the current branch untouched', async () => {
    // Someone's uncommitted work in the very file: it stays, and is not part of the branch.
    appendFileSync(join(dir, 'environments', 'exttest.yaml'), '# work in progress\n');
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const status = git(dir, ['status', '--porcelain']);
    const working = readFileSync(join(dir, 'environments', 'exttest.yaml'), 'utf8');
    const descriptionFile = join(dir, '.slipway', 'pr.md');

    const r = await slipway(dir, 'lars.nielsen', [...promoteArgs, '--reason', 'QA passed']);
    assert.equal(r.code, 0, r.stderr);
    const branch = branches();
    assert.match(branch, /^slipway\/promote-telemed-api-exttest-[0-9a-f]{7}$/);
    assert.match(r.stderr, new RegExp(`push it and open the pull request: git push -u origin ${branch}`));
    assert.match(r.stderr, /promotion #\d+ succeeded/);

    // The branch: one commit on HEAD changing only the version in exttest.yaml.
    assert.equal(git(dir, ['rev-parse', `${branch}^`]).trim(), head);
    assert.equal(git(dir, ['show', '--name-only', '--format=', branch]).trim(), 'environments/exttest.yaml');
    assert.match(
      git(dir, ['log', '-1', '--format=%B', branch]),
      /^promote telemed-api from inttest to exttest: telemed-api v4\.3\.0-rc\.2\n\nPromotion #\d+ requested by lars\.nielsen: QA passed\./,
    );
    const committed = git(dir, ['show', `${branch}:environments/exttest.yaml`]);
    const original = git(dir, ['show', 'HEAD:environments/exttest.yaml']);
    assert.equal(committed, original.replace('    version: v4.2.1\n', '    version: v4.3.0-rc.2\n'));

    // Nothing moved here: same branch, same commit, same index and working tree.
    assert.equal(git(dir, ['symbolic-ref', '--short', 'HEAD']).trim(), 'main');
    assert.equal(git(dir, ['rev-parse', 'HEAD']).trim(), head);
    assert.equal(git(dir, ['status', '--porcelain']), status);
    assert.equal(readFileSync(join(dir, 'environments', 'exttest.yaml'), 'utf8'), working);

    // The description: the promotion, the desired-state change, then the plan report.
    const d = r.stdout;
    assert.match(
      d,
      /^# Promote telemed-api from inttest to exttest\n\nPromotion #\d+ requested by lars\.nielsen: telemed-api v4\.3\.0-rc\.2\.\n\n> QA passed\n/,
    );
    assert.match(
      d,
      /### Desired state \(`environments\/exttest\.yaml`\)\n\n- telemed-api version: v4\.2\.1 → v4\.3\.0-rc\.2\n/,
    );
    assert.match(d, /## Plan for exttest \(namespace ehealth-exttest\)/);
    assert.match(d, /\| telemed-api \| install \| — → v4\.3\.0-rc\.2 \(chart 1\.0\.0\) \| — → 2 \|/);
    assert.match(d, /<summary>telemed-api: Deployment\/ehealth-exttest\/telemed-api \(create\)<\/summary>/);
    assert.match(d, /\+ +image: ghcr\.io\/ehealth\/telemed-api:v4\.3\.0-rc\.2/);
    assert.match(d, /### Policy findings/);
    assert.match(d, /\| at rest \| 0 → 2 \|/);
    assert.doesNotMatch(d, /measurement-ingest/, 'only the promoted service is planned');

    // Audited as a promotion written as a pull request.
    const audit = await slipway(dir, 'lars.nielsen', ['audit', '--env', 'exttest', '--output', 'json']);
    assert.equal(audit.code, 0, audit.stderr);
    const entries = JSON.parse(audit.stdout) as Array<{ action: string; detail: Record<string, unknown> }>;
    const pr = entries.find((e) => e.detail['outcome'] === 'pull-request');
    assert.ok(pr, JSON.stringify(entries));
    assert.equal(pr.action, 'promote');
    assert.equal(pr.detail['branch'], branch);

    // --description-file: the same description in a file (a second request, a second branch).
    const again = await slipway(dir, 'lars.nielsen', [
      ...promoteArgs,
      '--reason',
      'QA passed',
      '--description-file',
      descriptionFile,
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '');
    const written = readFileSync(descriptionFile, 'utf8');
    assert.equal(written.replace(/#\d+/, '#N'), d.replace(/#\d+/, '#N'));

    // On the branch, CI's `slipway plan --format markdown` prints the description's plan.
    git(dir, ['checkout', '--', 'environments/exttest.yaml']);
    git(dir, ['switch', '-q', branch]);
    const plan = await slipway(dir, undefined, [
      'plan',
      '--env',
      'exttest',
      '--target',
      'telemed-api',
      '--format',
      'markdown',
    ]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.ok(
      d.endsWith(plan.stdout),
      'the description ends with the plan as `plan --format markdown` prints it',
    );
    matchSnapshot('promotion-cli-plan-markdown-exttest', plan.stdout);
    git(dir, ['switch', '-q', 'main']);
  });

  test('--pull-request with --commit or --no-deploy is a usage error', async () => {
    const r = await slipway(dir, 'lars.nielsen', [...promoteArgs, '--commit']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--pull-request commits on a new branch/);
    const f = await slipway(dir, 'lars.nielsen', [...promoteArgs.slice(0, -1), '--description-file', 'x.md']);
    assert.equal(f.code, 2);
  });
});
