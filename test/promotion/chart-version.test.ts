// Chart versions, the pure parts: reading a packaged chart, resolving a desired state's pin (and the
// exit-2 error naming the file and field), rendering examples/ehealth with two chart versions
// (snapshot), the soak of a chart-only upgrade, the desired-state edit that carries a chart pin, and
// plan's chart change.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chartFromArchive, resolveChart } from '../../src/config/chart-source.ts';
import { loadPlatform } from '../../src/config/load.ts';
import { promoteDesiredStateWithChanges } from '../../src/promotion/desired-state.ts';
import { formatPlan, planEnvironment } from '../../src/promotion/plan.ts';
import { runningVersion } from '../../src/promotion/rules.ts';
import { toYaml } from '../../src/render/index.ts';
import { renderPlatform } from '../../src/render/platform.ts';
import { isSlipwayError } from '../../src/shared/errors.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';
import type { DeploymentSeen } from '../../src/store/types.ts';
import { matchSnapshot } from '../support/snapshot.ts';

const EHEALTH = join(import.meta.dirname, '..', '..', 'examples', 'ehealth');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const copy = () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-chart-version-'));
  dirs.push(dir);
  cpSync(EHEALTH, dir, { recursive: true });
  return dir;
};

describe('chart sources', () => {
  test('the packaged 1.0.0 archive (ustar, as helm package writes) and a GNU tar of the directory', () => {
    const tgz = readFileSync(join(EHEALTH, 'charts', 'ehealth-service-1.0.0.tgz'));
    const c = chartFromArchive(tgz, 'charts/ehealth-service-1.0.0.tgz');
    assert.equal(c.name, 'ehealth-service');
    assert.equal(c.version, '1.0.0');
    assert.equal(c.values?.file, 'charts/ehealth-service-1.0.0.tgz:ehealth-service/values.yaml');
    const gnu = execFileSync('tar', [
      '--format=gnu',
      '-czf',
      '-',
      '-C',
      join(EHEALTH, 'charts'),
      'ehealth-service',
    ]);
    assert.equal(chartFromArchive(gnu, 'x.tgz').version, '1.1.0');
    assert.throws(() => chartFromArchive(Buffer.from('not gzip'), 'bad.tgz'), /not a chart archive/);
  });

  test('a chart with templates is refused: slipway renders with its own', () => {
    const dir = copy();
    writeFileSync(join(dir, 'charts', 'ehealth-service', 'templates'), '');
    const tgz = execFileSync('tar', ['-czf', '-', '-C', join(dir, 'charts'), 'ehealth-service']);
    assert.throws(() => chartFromArchive(tgz, 't.tgz'), /holds templates, which slipway does not read/);
  });

  test('an unknown version is a config error (exit 2) at the environment file and field', async () => {
    const dir = copy();
    const file = join(dir, 'environments', 'prod.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('chart: { version: 1.0.0 }', 'chart: { version: 1.2.0 }'),
    );
    const p = await loadPlatform(dir);
    await assert.rejects(resolveChart(p, 'prod', 'telemed-api'), (e: unknown) => {
      assert.ok(isSlipwayError(e));
      assert.equal(e.type, 'config');
      assert.match(e.location?.file ?? '', /environments\/prod\.yaml$/);
      assert.equal(e.location?.path, 'chart.version');
      assert.equal(e.location?.line, 8);
      assert.match(e.message, /no chart version 1\.2\.0/);
      assert.match(
        e.hint ?? '',
        /1\.1\.0 \(charts\/ehealth-service\), 1\.0\.0 \(charts\/ehealth-service-1\.0\.0\.tgz\)/,
      );
      return true;
    });
  });

  test('a pin with a path must match the Chart.yaml there', async () => {
    const dir = copy();
    const file = join(dir, 'environments', 'prod.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'chart: { version: 1.0.0 }',
        'chart: { version: 1.0.0, path: charts/ehealth-service }',
      ),
    );
    const p = await loadPlatform(dir);
    await assert.rejects(
      resolveChart(p, 'prod', 'telemed-api'),
      /charts\/ehealth-service is version 1\.1\.0/,
    );
  });
});

describe('rendering with two chart versions', () => {
  test('inttest on 1.1.0 and prod on 1.0.0: the label and the chart defaults differ (snapshot)', async () => {
    const p = await loadPlatform(EHEALTH);
    const deployment = async (env: string) =>
      (await renderPlatform(p, env, { services: ['measurement-ingest'] }))[0]!.objects.find(
        (o) => o.kind === 'Deployment',
      )!;
    const newer = await deployment('inttest');
    const older = await deployment('prod');
    assert.equal(newer.metadata.labels?.['helm.sh/chart'], 'ehealth-service-1.1.0');
    assert.equal(older.metadata.labels?.['helm.sh/chart'], 'ehealth-service-1.0.0');
    // biome-ignore lint/suspicious/noExplicitAny: tests read nested manifest data
    const pod = (o: KubeObject) => (o as any).spec.template;
    assert.equal(pod(newer).spec.terminationGracePeriodSeconds, 45);
    assert.equal(pod(older).spec.terminationGracePeriodSeconds, 30);
    assert.ok(pod(newer).metadata.annotations['proxy.istio.io/config']);
    assert.equal(pod(older).metadata.annotations['proxy.istio.io/config'], undefined);
    matchSnapshot('chart-version-measurement-ingest', toYaml([newer, older]));
  });
});

describe('promotion of a chart version', () => {
  const at = (m: number) => new Date(Date.UTC(2026, 2, 3, 12, m)).toISOString();
  const d = (version: string, chart: string | undefined, finishedAt: string): DeploymentSeen => ({
    environment: 'inttest',
    service: 'measurement-ingest',
    version,
    digest: undefined,
    ...(chart ? { chart: { version: chart } } : {}),
    status: 'succeeded',
    finishedAt,
  });

  test('a chart-only upgrade is a new version: it is carried, and its soak starts at its own release', () => {
    const r = runningVersion(
      [d('v2.8.0', '1.0.0', at(0)), d('v2.8.0', '1.0.0', at(5)), d('v2.8.0', '1.1.0', at(10))],
      'inttest',
      'measurement-ingest',
    );
    assert.deepEqual(r?.version, { version: 'v2.8.0', chart: { version: '1.1.0' } });
    assert.equal(r?.since.toISOString(), at(10));
    const same = runningVersion(
      [d('v2.8.0', '1.1.0', at(0)), d('v2.8.0', '1.1.0', at(5))],
      'inttest',
      'measurement-ingest',
    );
    assert.equal(same?.since.toISOString(), at(0));
  });

  test('the target gets services.<svc>.chart after the version (text edit); a pin it already has is kept', () => {
    const to = readFileSync(join(EHEALTH, 'environments', 'exttest.yaml'), 'utf8');
    const { text, changes } = promoteDesiredStateWithChanges('', to, 'measurement-ingest', {
      'measurement-ingest': { version: 'v2.8.0', chart: { version: '1.1.0' } },
    });
    assert.deepEqual(changes, [{ service: 'measurement-ingest', key: 'chart', from: '1.0.0', to: '1.1.0' }]);
    assert.match(
      text,
      / {2}measurement-ingest:\n {4}version: v2\.8\.0\n {4}chart: \{ version: 1\.1\.0 \}\n {4}replicas: 2\n/,
    );
    assert.equal(text.replace('    chart: { version: 1.1.0 }\n', ''), to, 'nothing else changed');
    const again = promoteDesiredStateWithChanges('', text, 'measurement-ingest', {
      'measurement-ingest': { version: 'v2.8.0', chart: { version: '1.2.0' } },
    });
    assert.equal(again.text, text.replace('chart: { version: 1.1.0 }', 'chart: { version: 1.2.0 }'));
    const unchanged = promoteDesiredStateWithChanges('', to, 'measurement-ingest', {
      'measurement-ingest': { version: 'v2.8.0', chart: { version: '1.0.0' } },
    });
    assert.deepEqual(unchanged.changes, []);
  });

  test('plan shows the chart change as an update, and in sync once applied', () => {
    const manifests = (chart: string): KubeObject[] => [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'm', namespace: 'ns', labels: { 'helm.sh/chart': `ehealth-service-${chart}` } },
        spec: { replicas: 1 },
      },
    ];
    const version = (chart: string) => ({
      tag: 'v2.8.0',
      chart: { name: 'ehealth-service', version: chart },
    });
    const input = (applied: string) => ({
      environment: 'exttest',
      namespace: 'ns',
      desired: [{ service: 'm', version: version('1.1.0'), manifests: manifests('1.1.0') }],
      applied: new Map([
        ['m', { revision: 1, status: 'deployed', version: version(applied), manifests: manifests(applied) }],
      ]),
      live: manifests(applied),
    });
    const before = planEnvironment(input('1.0.0'));
    assert.equal(before.services[0]!.action, 'update');
    assert.deepEqual(before.services[0]!.chart, { from: '1.0.0', to: '1.1.0' });
    assert.match(formatPlan(before), /m: chart 1\.0\.0 → 1\.1\.0/);
    const afterApply = planEnvironment(input('1.1.0'));
    assert.equal(afterApply.services[0]!.action, 'in-sync');
    assert.match(formatPlan(afterApply), /in sync \(v2\.8\.0, chart 1\.1\.0, revision 1\)/);
  });
});
