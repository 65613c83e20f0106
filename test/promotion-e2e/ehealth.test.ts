// examples/ehealth end to end on the local cluster, as document 002 runs it, through the CLI only:
// inttest is applied from its desired state; telemed-api is promoted inttest → exttest (no approval)
// → preprod (one platform owner approves) → prod (two distinct approvers, never the requester), each
// step one git commit of the target's desired state and a release with the engine; then prod is
// rolled back by reverting that commit (git revert) and `slipway apply`. Users via SLIPWAY_USER.
//
// The copy differs from the example only where a test must be fast and self-contained: probes every
// second and minReadySeconds 0 (rollouts in seconds), a random container port (pods of other local
// clusters on this machine share 127.1.x.y addresses), and telemed-api released with the rolling
// strategy (its canary is judged by a Prometheus that a test machine does not have); and the
// inttest build carries a digest (the example's has none, so strict preprod would refuse it).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { serviceUrl } from '../../src/release/smoke.ts';
import { DEMO_SERVICE, ehealthCopy, git, removeDir, slipway as run } from '../promotion-cli/support.ts';

const SECRETS: Record<string, string> = {};
for (const e of ['INTTEST', 'EXTTEST', 'PREPROD', 'PROD']) {
  SECRETS[`TELEMED_${e}_DATABASE_URL`] = 'postgresql://telemed:dev@127.0.0.1/telemed';
  SECRETS[`TELEMED_${e}_AMQP_URL`] = 'amqp://guest:guest@127.0.0.1';
  SECRETS[`TELEMED_${e}_FHIR_CLIENT_SECRET`] = 'dev';
}

const idOf = (stdout: string): string => {
  const m = /promotion #(\d+) requested/.exec(stdout);
  assert.ok(m, `no request id in: ${stdout}`);
  return m[1]!;
};

describe('examples/ehealth: inttest → exttest → preprod → prod, then rollback by reverting desired state', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  let prodCommit = '';
  const slipway = (user: string, args: string[]) => run(dir, user, args, SECRETS, 150_000);

  before(async () => {
    const port = 20000 + Math.floor(Math.random() * 9000);
    dir = ehealthCopy('slipway-ehealth-e2e-', (yaml) =>
      yaml.replace('    strategy: canary-prometheus\n', '    strategy: rolling\n'),
    );
    const values = join(dir, 'values.yaml');
    writeFileSync(
      values,
      `${readFileSync(values, 'utf8').replace('minReadySeconds: 10', 'minReadySeconds: 0')}
# test speed-ups
ports:
  http: ${port}
probes:
  startup: { periodSeconds: 1, failureThreshold: 30, timeoutSeconds: 1 }
  readiness: { initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 1 }
terminationGracePeriodSeconds: 2
`,
    );
    // The build in inttest is pinned by digest (as CI deploys it), so preprod's and prod's strict policy
    // (images pinned by digest) accepts it when it is promoted there.
    const inttest = join(dir, 'environments', 'inttest.yaml');
    writeFileSync(
      inttest,
      readFileSync(inttest, 'utf8').replace(
        '    version: v4.3.0-rc.2\n',
        `    version: v4.3.0-rc.2\n    digest: sha256:${'4a'.repeat(32)}\n`,
      ),
    );
    git(dir, ['commit', '-q', '-am', 'test speed-ups; inttest build pinned by digest']);
    cluster = await startLocalCluster({
      dir: join(dir, '.slipway', 'cluster'),
      imageMappings: [{ image: 'ghcr.io/ehealth/*', command: ['node', DEMO_SERVICE], cwd: dir }],
      backoffBaseMs: 200,
      log: () => {},
    });
  });
  after(async () => {
    await cluster?.stop();
    removeDir(dir);
  });

  test('inttest is applied from its desired state', async () => {
    const plan = await slipway('lars.nielsen', ['plan', '--env', 'inttest', '--detailed-exitcode']);
    assert.equal(plan.code, 2, plan.stderr);
    assert.match(
      plan.stdout,
      /telemed-api: not deployed \(v4\.3\.0-rc\.2@sha256:4a4a4a4a4a4a chart 1\.1\.0 to install\)/,
    );
    const r = await slipway('lars.nielsen', ['apply', '--env', 'inttest']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const s of ['clinician-portal', 'measurement-ingest', 'telemed-api'])
      assert.match(r.stdout, new RegExp(`${s}: deployed \\(revision 1`));
    // prod runs the previous version before the promotion reaches it.
    const prod = await slipway('jens.poulsen', ['apply', '--env', 'prod', '--target', 'telemed-api']);
    assert.equal(prod.code, 0, prod.stdout + prod.stderr);
    assert.match(prod.stdout, /telemed-api: deployed \(revision 1, v4\.2\.0\)/);
  });

  test('exttest: promoted by a release manager, committed and released', async () => {
    const r = await slipway('lars.nielsen', [
      'promote',
      'telemed-api',
      '--from',
      'inttest',
      '--to',
      'exttest',
      '--commit',
      '--reason',
      'QA passed',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /telemed-api: deployed \(revision 1, v4\.3\.0-rc\.2\)/);
    assert.match(git(dir, ['log', '-1', '--format=%s']), /promote telemed-api from inttest to exttest/);
  });

  test('preprod: requested, approved by a platform owner, released', async () => {
    const req = await slipway('lars.nielsen', [
      'promote',
      'telemed-api',
      '--from',
      'exttest',
      '--to',
      'preprod',
    ]);
    assert.equal(req.code, 0, req.stdout + req.stderr);
    const id = idOf(req.stdout);
    const ok = await slipway('sofie.berg', ['approve', id, '--commit', '--comment', 'PR reviewed']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /telemed-api: deployed \(revision 1, v4\.3\.0-rc\.2\)/);
    assert.match(ok.stdout, new RegExp(`promotion #${id} succeeded`));
  });

  test('prod: two distinct approvers, never the requester; then released', async () => {
    const req = await slipway('jens.poulsen', [
      'promote',
      'telemed-api',
      '--from',
      'preprod',
      '--to',
      'prod',
    ]);
    assert.equal(req.code, 0, req.stdout + req.stderr);
    const id = idOf(req.stdout);
    const self = await slipway('jens.poulsen', ['approve', id]);
    assert.equal(self.code, 1);
    const first = await slipway('mette.hansen', ['approve', id, '--commit']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /1 of 2 approvals/);
    const second = await slipway('sofie.berg', ['approve', id, '--commit']);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /telemed-api: deployed \(revision 2, v4\.3\.0-rc\.2\)/);
    prodCommit = git(dir, ['log', '-1', '--format=%H', '--', 'environments/prod.yaml']).trim();
    assert.match(
      git(dir, ['log', '-1', '--format=%s', prodCommit]),
      /promote telemed-api from preprod to prod/,
    );
    const plan = await slipway('jens.poulsen', [
      'plan',
      '--env',
      'prod',
      '--target',
      'telemed-api',
      '--detailed-exitcode',
    ]);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });

  test('rollback: git revert of the desired state, then slipway apply', async () => {
    git(dir, ['revert', '--no-edit', prodCommit]);
    const plan = await slipway('jens.poulsen', [
      'plan',
      '--env',
      'prod',
      '--target',
      'telemed-api',
      '--detailed-exitcode',
    ]);
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(
      plan.stdout,
      /telemed-api: v4\.3\.0-rc\.2@sha256:4a4a4a4a4a4a → v4\.2\.0@sha256:5255bc851e63 \(image\)/,
    );
    const r = await slipway('jens.poulsen', [
      'apply',
      '--env',
      'prod',
      '--target',
      'telemed-api',
      '--reason',
      'revert',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /telemed-api: deployed \(revision 3, v4\.2\.0\)/);

    const client = await connect({ kubeconfigPath: cluster!.kubeconfigPath, namespace: 'ehealth-prod' });
    const svc = await client.get('v1', 'Service', 'telemed-api', 'ehealth-prod');
    const url = svc ? serviceUrl(svc) : undefined;
    assert.ok(url, 'the prod Service has an address');
    const info = (await (await fetch(`${url}/api/info`)).json()) as { version: string };
    assert.equal(info.version, 'v4.2.0');

    const audit = await slipway('mette.hansen', ['audit', '--env', 'prod', '--output', 'json']);
    const actions = (
      JSON.parse(audit.stdout) as Array<{ action: string; actor: string; detail: { outcome?: string } }>
    ).map((e) => `${e.action}:${e.actor}${e.detail.outcome ? `:${e.detail.outcome}` : ''}`);
    assert.deepEqual(actions, [
      'apply:jens.poulsen:requested',
      'deploy:jens.poulsen:succeeded',
      'apply:jens.poulsen:succeeded',
      'promote:jens.poulsen:requested',
      'permission-denied:jens.poulsen',
      'approve:mette.hansen',
      'approve:sofie.berg',
      'deploy:sofie.berg:succeeded',
      'apply:jens.poulsen:requested',
      'deploy:jens.poulsen:succeeded',
      'apply:jens.poulsen:succeeded',
    ]);
    const verify = await slipway('mette.hansen', ['audit', 'verify']);
    assert.equal(verify.code, 0, verify.stdout);
    // What promotion reads as running: prod's in-cluster history, the revert included.
    const history = await slipway('mette.hansen', ['history', 'telemed-api', '--env', 'prod', '-o', 'json']);
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(
      (JSON.parse(history.stdout) as Array<{ version: { tag?: string }; status: string }>).map(
        (r) => `${r.version.tag} ${r.status}`,
      ),
      ['v4.2.0 deployed', 'v4.3.0-rc.2 superseded', 'v4.2.0 superseded'],
    );
  });
});
