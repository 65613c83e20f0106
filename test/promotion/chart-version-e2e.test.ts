// A chart upgrade promoted like an image, on the local cluster through the CLI: examples/ehealth with
// inttest on chart 1.1.0 and exttest on 1.0.0 (as the example pins them). measurement-ingest runs in
// both; its promotion inttest → exttest writes the chart version into exttest's desired state; plan
// shows the chart change (text, JSON, markdown) until `slipway apply` releases it, then nothing; the
// live Deployment carries the new chart's label and defaults, and history/status show the chart.
// Only measurement-ingest, one replica, probes every second: the test is about the chart version.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { DEMO_SERVICE, ehealthCopy, git, removeDir, slipway as run } from '../promotion-cli/support.ts';

const SECRETS = {
  TELEMED_INTTEST_AMQP_URL: 'amqp://guest:guest@127.0.0.1',
  TELEMED_EXTTEST_AMQP_URL: 'amqp://guest:guest@127.0.0.1',
};
const SERVICE = 'measurement-ingest';

describe('a chart upgrade promoted inttest → exttest (examples/ehealth)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  const slipway = (args: string[]) => run(dir, 'lars.nielsen', args, SECRETS, 90_000);

  before(async () => {
    const port = 20000 + Math.floor(Math.random() * 9000);
    dir = ehealthCopy('slipway-chart-version-');
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
autoscaling: { enabled: false }
pdb: { enabled: false }
`,
    );
    for (const env of ['inttest', 'exttest']) {
      const file = join(dir, 'environments', `${env}.yaml`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/replicas: 2\n/g, 'replicas: 1\n'));
    }
    git(dir, ['commit', '-q', '-am', 'test speed-ups']);
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

  test('inttest runs 1.1.0 and exttest 1.0.0; plan is in sync with each', async () => {
    for (const env of ['inttest', 'exttest']) {
      const r = await slipway(['apply', '--env', env, '--target', SERVICE]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    const plan = await slipway(['plan', '--env', 'exttest', '--target', SERVICE, '--detailed-exitcode']);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /measurement-ingest: in sync \(v2\.8\.0, chart 1\.0\.0, revision 1\)/);
  });

  test('the promotion carries the chart version; plan shows it until apply releases it', async () => {
    const p = await slipway(['promote', SERVICE, '--from', 'inttest', '--to', 'exttest', '--no-deploy']);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.match(p.stdout, /measurement-ingest chart 1\.0\.0 → 1\.1\.0/);
    assert.match(
      readFileSync(join(dir, 'environments', 'exttest.yaml'), 'utf8'),
      / {2}measurement-ingest:\n {4}version: v2\.8\.0\n {4}chart: \{ version: 1\.1\.0 \}\n/,
    );

    const plan = ['plan', '--env', 'exttest', '--target', SERVICE];
    const text = await slipway([...plan, '--detailed-exitcode']);
    assert.equal(text.code, 2, text.stdout + text.stderr);
    assert.match(text.stdout, /~ measurement-ingest: chart 1\.0\.0 → 1\.1\.0/);
    const json = JSON.parse((await slipway([...plan, '-o', 'json'])).stdout);
    assert.deepEqual(json.services[0].chart, { from: '1.0.0', to: '1.1.0' });
    const md = await slipway([...plan, '--format', 'markdown']);
    assert.match(md.stdout, /\| measurement-ingest \| update \| v2\.8\.0 \(chart 1\.0\.0 → 1\.1\.0\) \|/);

    const apply = await slipway(['apply', '--env', 'exttest', '--target', SERVICE]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const after = await slipway([...plan, '--detailed-exitcode']);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.match(after.stdout, /measurement-ingest: in sync \(v2\.8\.0, chart 1\.1\.0, revision 2\)/);
  });

  test('the live objects are the new chart’s; history and status show it', async () => {
    const client = await connect({ kubeconfigPath: cluster!.kubeconfigPath, namespace: 'ehealth-exttest' });
    const d = await client.get('apps/v1', 'Deployment', SERVICE, 'ehealth-exttest');
    assert.equal(d?.metadata.labels?.['helm.sh/chart'], 'ehealth-service-1.1.0');
    // biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
    const pod = (d as any).spec.template;
    assert.equal(pod.spec.terminationGracePeriodSeconds, 45);
    assert.equal(
      pod.metadata.annotations['proxy.istio.io/config'],
      '{"holdApplicationUntilProxyStarts": true}',
    );

    const history = JSON.parse(
      (await slipway(['history', SERVICE, '--env', 'exttest', '-o', 'json'])).stdout,
    );
    assert.deepEqual(
      history.map((r: { revision: number; version: { chart?: { version: string } } }) => [
        r.revision,
        r.version.chart?.version,
      ]),
      [
        [2, '1.1.0'],
        [1, '1.0.0'],
      ],
    );
    const status = await slipway(['status', '--env', 'exttest']);
    assert.match(status.stdout, /v2\.8\.0 \(chart 1\.1\.0\)/);
  });
});
