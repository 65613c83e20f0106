// `slipway plan` and `slipway apply` on a small platform against the local cluster (simulated pods):
// in sync, not deployed, a version and replica change from the desired state, drift from a hand-made
// `kubectl scale`, --detailed-exitcode, apply --target and a full apply that leaves nothing to do.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadPlatform } from '../../src/config/load.ts';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { planEnvironment } from '../../src/promotion/plan.ts';
import { readPlanInput } from '../../src/promotion/plan-read.ts';
import { deploy, silentEvents } from '../../src/release/index.ts';
import { removeDir, slipway, withStore } from './support.ts';

const NAMESPACE = 'plantest-dev';

function writeFixture(dir: string): void {
  mkdirSync(join(dir, 'environments'), { recursive: true });
  writeFileSync(
    join(dir, 'slipway.yaml'),
    `apiVersion: slipway.dev/v1
kind: Platform
name: plantest
services:
  booking: { image: example.test/plan/booking, priority: 1 }
  search: { image: example.test/plan/search, priority: 2 }
  notification: { image: example.test/plan/notification, priority: 3 }
environments:
  - name: dev
    policy: relaxed
`,
  );
  writeFileSync(
    join(dir, 'values.yaml'),
    `replicaCount: 1
autoscaling: { enabled: false }
pdb: { enabled: false }
progressDeadlineSeconds: 30
resources:
  requests: { cpu: 10m, memory: 32Mi }
  limits: { memory: 64Mi }
`,
  );
  writeFileSync(
    join(dir, 'environments', 'dev.yaml'),
    `apiVersion: slipway.dev/v1
kind: DesiredState
environment: dev
services:
  booking:
    version: v1.2.0
    replicas: 3
  search:
    version: v2.0.0
  notification:
    version: v0.9.0
`,
  );
}

describe('slipway plan and apply against the local cluster', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  let client: KubeClient;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-plan-'));
    writeFixture(dir);
    cluster = await startLocalCluster({ dir: join(dir, '.slipway', 'cluster'), log: () => {} });
    client = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace: NAMESPACE });
    await client.ensureNamespace(NAMESPACE);
  });
  after(async () => {
    await cluster?.stop();
    removeDir(dir);
  });

  const plan = async () => planEnvironment(await readPlanInput(client, await loadPlatform(dir), 'dev'));

  test('deployed services are in sync, the others not deployed (exit 2 with --detailed-exitcode)', async () => {
    const platform = await loadPlatform(dir);
    for (const service of ['booking', 'search']) {
      const r = await deploy(
        client,
        { platform, service, environment: 'dev', user: 'tester', timeoutMs: 30_000 },
        silentEvents,
      );
      assert.equal(r.status, 'deployed', JSON.stringify(r.failure));
    }
    const p = await plan();
    assert.deepEqual(
      p.services.map((s) => [s.service, s.action]),
      [
        ['booking', 'in-sync'],
        ['search', 'in-sync'],
        ['notification', 'install'],
      ],
      p.services.map((s) => s.summary).join('\n'),
    );
    const r = await slipway(dir, undefined, ['plan', '--env', 'dev', '--detailed-exitcode']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stdout, /^ {2}booking: in sync \(v1\.2\.0, revision 1\)$/m);
    assert.match(r.stdout, /^\+ notification: not deployed \(v0\.9\.0 to install\)$/m);
  });

  test('a version and replica change in the desired state, and drift from a hand-made scale', async () => {
    const file = join(dir, 'environments', 'dev.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('v1.2.0\n    replicas: 3', 'v1.3.0\n    replicas: 5'),
    );
    await client.patch(
      'apps/v1',
      'Deployment',
      'search',
      { spec: { replicas: 4 } },
      { namespace: NAMESPACE },
    );
    const p = await plan();
    const by = new Map(p.services.map((s) => [s.service, s]));
    assert.equal(by.get('booking')!.summary, 'booking: v1.2.0 → v1.3.0 (image), replicas 3 → 5');
    assert.equal(by.get('booking')!.action, 'update');
    assert.equal(by.get('search')!.action, 'drift');
    assert.match(by.get('search')!.summary, /drift: Deployment\/search spec\.replicas: 1 applied, 4 live/);
    assert.equal(p.changes, true);
    const json = await slipway(dir, undefined, ['plan', '--env', 'dev', '--output', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { counts: { update: number } }).counts.update, 1);
  });

  test('apply --target releases one service; a full apply leaves nothing to do', async () => {
    const one = await slipway(dir, 'tester', ['apply', '--env', 'dev', '--target', 'booking']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /booking: deployed \(revision 2, v1\.3\.0\)/);
    const p = await plan();
    assert.equal(p.services.find((s) => s.service === 'booking')!.action, 'in-sync');
    const deployment = await client.get('apps/v1', 'Deployment', 'booking', NAMESPACE);
    assert.equal((deployment!.spec as { replicas: number }).replicas, 5);

    const all = await slipway(dir, 'tester', ['apply', '--env', 'dev']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /search: deployed \(revision 2, v2\.0\.0\)/);
    assert.match(all.stdout, /notification: deployed \(revision 1, v0\.9\.0\)/);
    const none = await slipway(dir, undefined, ['plan', '--env', 'dev', '--detailed-exitcode']);
    assert.equal(none.code, 0, none.stdout + none.stderr);
    assert.match(none.stdout, /nothing to do: 3 in sync/);
    // Each release of the apply is audited as `deploy` with its outcome, beside the apply itself.
    const audit = await withStore(dir, (s) => s.listAudit({ environment: 'dev' }));
    assert.deepEqual(
      audit
        .filter((e) => e.action === 'deploy' && e.detail['outcome'] === 'succeeded')
        .map((e) => `${e.service} ${e.detail['version']}`)
        .sort(),
      ['booking v1.3.0', 'notification v0.9.0', 'search v2.0.0'],
    );
    assert.deepEqual(
      audit.filter((e) => e.action === 'apply').map((e) => e.detail['outcome']),
      ['requested', 'succeeded', 'requested', 'succeeded'],
    );
    const unknown = await slipway(dir, undefined, ['plan', '--env', 'dve', '--detailed-exitcode']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /did you mean "dev"/);
  });
});
