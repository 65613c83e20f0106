// Every example platform loads with slipway's own loader, validates against the schemas, uses only chart
// values, passes the production-readiness rules its strict environments promise, and says what its
// source document says (names, numbers, strategies, environments). The budget example's capacity tables
// are recomputed from its merged values. A broken example fails here.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type LoadedPlatform, loadPlatform } from '../src/config/load.ts';
import { strategyFor } from '../src/config/model.ts';
import { type CanaryStrategy, desiredStateSchema, platformSchema } from '../src/config/schema.ts';
import { computeValues, readChartValues } from '../src/config/values.ts';
import { lintPlatform } from '../src/policy/lint.ts';

const EXAMPLES_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(EXAMPLES_DIR, '..');
const EXAMPLES = ['appointments', 'reservations', 'ehealth', 'orders', 'budget', 'budget/canary'] as const;
const SOURCE_DOCUMENT: Record<string, string> = {
  appointments: '000',
  reservations: '001',
  ehealth: '002',
  orders: '003',
  budget: '004',
  'budget/canary': '004',
};
/** Examples whose source document sets CPU limits (kept on purpose; strict policy only warns). */
const CPU_LIMITS_FROM_DOCUMENT = new Set(['orders', 'budget', 'budget/canary']);

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (v: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, k) => (isMap(node) ? node[k] : undefined), v);

// ---------- helpers (tested below, so that a broken helper cannot hide a broken example) ----------

/** Chart keys whose children are names chosen by the user (env vars, labels, ports …). */
const FREE_FORM = new Set([
  'env',
  'envFrom',
  'config',
  'secrets',
  'labels',
  'annotations',
  'podAnnotations',
  'podLabels',
  'nodeSelector',
  'scratchVolumes',
  'ports',
  'service.extraPorts',
  'service.annotations',
  'serviceAccount.annotations',
  'serviceMonitor.labels',
  'ingress.annotations',
]);

/** Keys the chart reads although its defaults leave them out (no CPU limit by default). */
const OPTIONAL_KEYS = new Set(['resources.limits.cpu', 'resources.requests.ephemeral-storage']);

/** Key paths in `values` that chart/values.yaml does not have. Lists are leaves (they replace). */
export function unknownChartKeys(values: Json, chart: Json, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (OPTIONAL_KEYS.has(path)) continue;
    if (!Object.hasOwn(chart, key)) {
      out.push(path);
      continue;
    }
    if (FREE_FORM.has(path)) continue;
    const def = chart[key];
    if (isMap(def) && isMap(value)) out.push(...unknownChartKeys(value, def, path));
    else if (isMap(def) && value !== null) out.push(`${path} (a map in the chart)`);
  }
  return out;
}

/** Kubernetes quantities as millicores / MiB. */
export function milliCpu(q: unknown): number {
  const s = String(q);
  if (s.endsWith('m')) return Number(s.slice(0, -1));
  return Number(s) * 1000;
}
export function mebibytes(q: unknown): number {
  const s = String(q);
  const units: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024 };
  const unit = s.slice(-2);
  if (unit in units) return Number(s.slice(0, -2)) * units[unit]!;
  return Number(s) / (1024 * 1024);
}

/** Pods that run for a service: at rest, and at the peak of its strategy. */
function podsOf(values: Json, strategy: ReturnType<typeof strategyFor>): { rest: number; peak: number } {
  const count = Number(at(values, 'replicaCount'));
  const hpaMin =
    at(values, 'autoscaling.enabled') === true ? Number(at(values, 'autoscaling.minReplicas')) : 0;
  const rest = Math.max(count, hpaMin);
  if (strategy.type === 'blueGreen') return { rest, peak: 2 * rest };
  if (strategy.type === 'canary') {
    const scales = (strategy as CanaryStrategy).steps.flatMap((s) =>
      'setCanaryScale' in s && 'replicas' in s.setCanaryScale ? [s.setCanaryScale.replicas] : [],
    );
    return { rest, peak: rest + Math.max(1, ...scales) };
  }
  return { rest, peak: rest + 1 };
}

// ---------- loading every example once ----------

const loaded = new Map<string, LoadedPlatform>();
async function platform(example: string): Promise<LoadedPlatform> {
  let p = loaded.get(example);
  if (!p) {
    p = await loadPlatform(join(EXAMPLES_DIR, example));
    loaded.set(example, p);
  }
  return p;
}
async function valuesOf(example: string, service: string, env: string): Promise<Json> {
  return (await computeValues(await platform(example), service, env)).values;
}

describe('example helpers', () => {
  it('unknownChartKeys finds typos and wrong shapes, allows user-named maps', async () => {
    const chart = (await readChartValues()).value as Json;
    assert.deepEqual(
      unknownChartKeys(
        {
          replicaCont: 3,
          autoscaling: { minReplicas: 3, maxReplica: 9 },
          env: { ANYTHING: 'x' },
          service: { extraPorts: { grpc: 50051 } },
          resources: { limits: { cpu: '1', gpu: 1 } },
          probes: 'none',
        },
        chart,
      ),
      ['replicaCont', 'autoscaling.maxReplica', 'resources.limits.gpu', 'probes (a map in the chart)'],
    );
  });
  it('quantities', () => {
    assert.equal(milliCpu('250m'), 250);
    assert.equal(milliCpu('2'), 2000);
    assert.equal(mebibytes('256Mi'), 256);
    assert.equal(mebibytes('1Gi'), 1024);
  });
  it('a broken example does not load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-example-'));
    after(() => rm(dir, { recursive: true, force: true }));
    await cp(join(EXAMPLES_DIR, 'orders'), dir, { recursive: true });
    const file = join(dir, 'environments', 'production.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('replicas: 5', 'replica: 5'));
    await assert.rejects(loadPlatform(dir), /replica/);
  });
});

for (const example of EXAMPLES) {
  const dir = join(EXAMPLES_DIR, example);

  describe(`examples/${example}`, () => {
    it('loads with slipway’s loader, and every file validates against its schema', async () => {
      const p = await platform(example);
      const raw = parse(await readFile(join(dir, 'slipway.yaml'), 'utf8'));
      platformSchema.parse(raw);
      const envNames = p.environments.map((e) => e.name);
      const files = (await readdir(join(dir, 'environments'))).sort();
      assert.deepEqual(
        files,
        [...envNames].sort().map((e) => `${e}.yaml`),
        'one desired-state file per environment',
      );
      for (const env of envNames) {
        const state = desiredStateSchema.parse(
          parse(await readFile(join(dir, 'environments', `${env}.yaml`), 'utf8')),
        );
        assert.equal(state.environment, env);
        assert.deepEqual(
          Object.keys(state.services).sort(),
          Object.keys(p.platform.services).sort(),
          `environments/${env}.yaml names every service`,
        );
        for (const [svc, s] of Object.entries(state.services)) {
          assert.ok(s.version && s.version !== 'latest', `${env}/${svc}: a version tag`);
        }
      }
    });

    it('points editors at the shipped JSON Schemas', async () => {
      const first = (await readFile(join(dir, 'slipway.yaml'), 'utf8')).split('\n')[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      assert.ok(m, first);
      assert.equal(resolve(dir, m[1]!), join(ROOT, 'schema', 'slipway.schema.json'));
      for (const f of await readdir(join(dir, 'environments'))) {
        const line = (await readFile(join(dir, 'environments', f), 'utf8')).split('\n')[0]!;
        const em = /^# yaml-language-server: \$schema=(\S+)$/.exec(line);
        assert.ok(em, `${f}: ${line}`);
        assert.equal(resolve(dir, 'environments', em[1]!), join(ROOT, 'schema', 'desired-state.schema.json'));
      }
    });

    it('has a README naming its source document', async () => {
      const readme = await readFile(join(dir, example === 'budget/canary' ? '..' : '.', 'README.md'), 'utf8');
      assert.match(readme, new RegExp(`document ${SOURCE_DOCUMENT[example]}`));
      assert.match(readme, /localImages/);
    });

    it('maps every image to the bundled demo service for the local cluster', async () => {
      const p = await platform(example);
      const local = p.platform.localImages ?? [];
      assert.ok(local.length > 0);
      // By the package's bin name, never a path: a copy of the example runs anywhere.
      const bins = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).bin as Record<
        string,
        string
      >;
      for (const entry of local) {
        const bin = entry.command[0]!;
        assert.match(bin, /^slipway-demo-(service|job)$/, `${entry.image}: runs a bundled stand-in by name`);
        assert.ok(bins[bin] && existsSync(join(ROOT, bins[bin])), `${bin} is a bin of the package`);
        assert.equal(dirname(join(ROOT, bins[bin])), join(ROOT, 'demo-service'));
      }
      const matches = (image: string) =>
        local.some((l) =>
          new RegExp(`^${l.image.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(image),
        );
      for (const [name, svc] of Object.entries(p.platform.services)) {
        assert.ok(svc.image, `${name}: an image repository`);
        assert.match(svc.image, /^ghcr\.io\/[a-z0-9-]+\/[a-z0-9-]+$/);
        assert.ok(matches(`${svc.image}:v1.0.0`), `${name}: ${svc.image} is mapped`);
        for (const hook of [
          svc.hooks?.backup,
          ...(svc.hooks?.preDeploy ?? []),
          ...(svc.hooks?.postDeploy ?? []),
        ]) {
          if (hook?.image) assert.ok(matches(hook.image), `hook ${hook.name}: ${hook.image} is mapped`);
        }
      }
    });

    it('uses only chart values', async () => {
      const chart = (await readChartValues()).value as Json;
      const files = ['values.yaml', ...(await readdir(join(dir, 'values'))).map((f) => `values/${f}`)];
      for (const f of files) {
        const v = parse(await readFile(join(dir, f), 'utf8'));
        assert.ok(isMap(v), `${f} is a map`);
        assert.deepEqual(unknownChartKeys(v, chart), [], f);
      }
      const p = await platform(example);
      for (const [env, { state }] of p.desired) {
        for (const [svc, s] of Object.entries(state.services)) {
          if (s.values) assert.deepEqual(unknownChartKeys(s.values, chart), [], `${env}/${svc} values`);
        }
      }
    });

    it('passes slipway lint: no errors anywhere, no warnings in strict environments', async () => {
      const p = await platform(example);
      const report = await lintPlatform(p);
      const strict = new Set(p.environments.filter((e) => e.policy === 'strict').map((e) => e.name));
      const problems = report.findings
        .filter(
          (f) =>
            !f.waived && (f.severity === 'error' || (f.severity === 'warning' && strict.has(f.environment))),
        )
        .map((f) => `${f.environment} ${f.severity} ${f.checkId} ${f.checkName} ${f.object}: ${f.message}`);
      assert.deepEqual(problems, []);
    });

    it('strict environments are production-ready; every environment is coherent', async () => {
      const p = await platform(example);
      for (const env of p.environments) {
        for (const service of Object.keys(p.platform.services)) {
          const v = await valuesOf(example, service, env.name);
          const where = `${env.name}/${service}`;
          const { rest } = podsOf(v, strategyFor(p, service));
          for (const probe of ['startup', 'readiness', 'liveness']) {
            assert.equal(at(v, `probes.${probe}.enabled`), true, `${where}: ${probe} probe`);
          }
          assert.ok(
            at(v, 'resources.requests.cpu') && at(v, 'resources.requests.memory'),
            `${where}: requests`,
          );
          assert.ok(at(v, 'resources.limits.memory'), `${where}: memory limit`);
          assert.equal(at(v, 'podSecurityContext.runAsNonRoot'), true, where);
          assert.equal(at(v, 'securityContext.readOnlyRootFilesystem'), true, where);
          assert.equal(at(v, 'securityContext.allowPrivilegeEscalation'), false, where);
          assert.deepEqual(at(v, 'securityContext.capabilities.drop'), ['ALL'], where);
          assert.ok(at(v, 'scratchVolumes.tmp') === '/tmp', `${where}: /tmp is writable`);
          if (at(v, 'pdb.enabled') === true) {
            const minAvailable = Number(at(v, 'pdb.minAvailable'));
            assert.ok(minAvailable < rest, `${where}: PDB minAvailable ${minAvailable} < ${rest} replicas`);
          }
          if (at(v, 'autoscaling.enabled') === true) {
            const min = Number(at(v, 'autoscaling.minReplicas'));
            assert.ok(min <= Number(at(v, 'autoscaling.maxReplicas')), `${where}: HPA range`);
            if (at(v, 'pdb.enabled') === true) assert.ok(Number(at(v, 'pdb.minAvailable')) <= min, where);
          }
          if (at(v, 'ingress.enabled') === true && env.policy !== 'relaxed') {
            assert.ok((at(v, 'ingress.hosts') as unknown[]).length > 0, `${where}: ingress hosts`);
          }
          if (env.policy !== 'strict') continue;
          assert.match(String(at(v, 'image.digest')), /^sha256:[a-f0-9]{64}$/, `${where}: pinned by digest`);
          assert.ok(rest >= 3, `${where}: ${rest} replicas`);
          if (at(v, 'autoscaling.enabled') === true)
            assert.ok(Number(at(v, 'autoscaling.minReplicas')) >= 3, where);
          assert.equal(at(v, 'pdb.enabled'), true, `${where}: PDB`);
          assert.equal(at(v, 'networkPolicy.enabled'), true, `${where}: NetworkPolicy`);
          assert.ok(
            at(v, 'podAntiAffinity.type') !== 'none' || at(v, 'topologySpread.enabled') === true,
            `${where}: spread`,
          );
          if (!CPU_LIMITS_FROM_DOCUMENT.has(example)) {
            assert.equal(at(v, 'resources.limits.cpu'), undefined, `${where}: no CPU limit`);
          }
        }
      }
      const digests = new Set<string>();
      for (const [, { state }] of p.desired) {
        for (const s of Object.values(state.services)) if (s.digest) digests.add(`${s.version}@${s.digest}`);
      }
      const byDigest = new Map<string, string>();
      for (const d of digests) {
        const [version, digest] = d.split('@') as [string, string];
        assert.ok(!byDigest.has(digest) || byDigest.get(digest) === version, `one digest, one version: ${d}`);
        byDigest.set(digest, version);
      }
    });
  });
}

// ---------- what each document says ----------

describe('document 000 → examples/appointments', () => {
  it('six services: canary 10 % for the critical three, rolling 1/0 for the rest', async () => {
    const p = await platform('appointments');
    assert.deepEqual(
      p.environments.map((e) => [e.name, e.policy]),
      [
        ['development', 'relaxed'],
        ['staging', 'standard'],
        ['production', 'strict'],
      ],
    );
    for (const svc of ['booking', 'availability', 'patient']) {
      const s = strategyFor(p, svc);
      assert.equal(s.type, 'canary', svc);
      assert.deepEqual((s as CanaryStrategy).steps, [{ setWeight: 10 }, { pause: { duration: '5m' } }]);
    }
    for (const svc of ['search', 'notification', 'practitioner']) {
      assert.deepEqual(strategyFor(p, svc), {
        type: 'rolling',
        maxSurge: 1,
        maxUnavailable: 0,
        timeout: '15m',
      });
    }
    assert.equal(Object.keys(p.platform.services).length, 6);
  });
  it('values layers: base HPA and PDB, production PDB 2 and 600 s, booking and search overrides', async () => {
    const dev = await valuesOf('appointments', 'practitioner', 'staging');
    assert.equal(at(dev, 'autoscaling.targetCPUUtilizationPercentage'), 70);
    assert.equal(at(dev, 'autoscaling.targetMemoryUtilizationPercentage'), 80);
    assert.deepEqual(at(dev, 'autoscaling.behavior.scaleUp.policies'), [
      { type: 'Pods', value: 2, periodSeconds: 60 },
    ]);
    assert.equal(at(dev, 'autoscaling.behavior.scaleDown.stabilizationWindowSeconds'), 300);
    assert.equal(at(dev, 'pdb.minAvailable'), 1);
    assert.deepEqual(at(dev, 'scratchVolumes'), { tmp: '/tmp', cache: '/app/.cache' });
    for (const svc of ['booking', 'availability', 'patient', 'search', 'notification', 'practitioner']) {
      const v = await valuesOf('appointments', svc, 'production');
      assert.equal(at(v, 'pdb.minAvailable'), 2, svc);
      assert.equal(at(v, 'autoscaling.behavior.scaleDown.stabilizationWindowSeconds'), 600, svc);
      assert.ok(Number(at(v, 'autoscaling.minReplicas')) >= 3, svc);
    }
    const booking = await valuesOf('appointments', 'booking', 'production');
    assert.equal(at(booking, 'autoscaling.maxReplicas'), 20);
    assert.match(String(at(booking, 'serviceAccount.irsaRoleArn')), /^arn:aws:iam::\d{12}:role\//);
    const search = await valuesOf('appointments', 'search', 'production');
    assert.deepEqual(at(search, 'nodeSelector'), { workload: 'search' });
    assert.deepEqual(at(search, 'tolerations'), [
      { key: 'workload', operator: 'Equal', value: 'search', effect: 'NoSchedule' },
    ]);
    assert.deepEqual([at(search, 'autoscaling.minReplicas'), at(search, 'autoscaling.maxReplicas')], [3, 30]);
    assert.match(String(at(search, 'serviceAccount.irsaRoleArn')), /opensearch/);
  });
});

describe('document 001 → examples/reservations', () => {
  it('four environments, production approval, hooks, smoke tests, blue/green and canary', async () => {
    const p = await platform('reservations');
    assert.deepEqual(
      p.environments.map((e) => [e.name, e.promotion?.from]),
      [
        ['development', undefined],
        ['testing', 'development'],
        ['staging', 'testing'],
        ['production', 'staging'],
      ],
    );
    assert.equal(p.environments[3]!.promotion?.approvals, 1);
    const api = p.platform.services['reservations-api']!;
    assert.equal(strategyFor(p, 'reservations-api').type, 'blueGreen');
    assert.equal(strategyFor(p, 'reservations-web').type, 'canary');
    assert.equal(api.hooks?.backup?.name, 'db-backup');
    assert.equal(api.hooks?.preDeploy?.[0]?.name, 'flyway-migrate');
    for (const [name, s] of Object.entries(p.platform.services))
      assert.ok((s.smokeTests ?? []).length > 0, name);
    const v = await valuesOf('reservations', 'reservations-api', 'production');
    assert.equal(at(v, 'config.LOG_LEVEL'), 'warn');
    assert.deepEqual(at(v, 'secrets.DATABASE_URL'), { fromEnv: 'RESERVATIONS_DATABASE_URL' });
  });
});

describe('document 002 → examples/ehealth', () => {
  it('strict order, desired state per environment, privileged promotion, Prometheus canary', async () => {
    const p = await platform('ehealth');
    assert.deepEqual(
      p.environments.map((e) => [e.name, e.promotion?.from]),
      [
        ['inttest', undefined],
        ['exttest', 'inttest'],
        ['preprod', 'exttest'],
        ['prod', 'preprod'],
      ],
    );
    for (const env of p.environments.slice(1))
      assert.ok(env.roles?.deployer?.length, `${env.name}: deployers`);
    assert.ok((p.environments[3]!.promotion?.approvals ?? 0) >= 1);
    for (const [env, { state }] of p.desired) {
      for (const [svc, s] of Object.entries(state.services)) {
        assert.ok(
          s.replicas !== undefined && s.resources?.limits?.memory && s.env && s.hosts?.length,
          `${env}/${svc}`,
        );
        if (env === 'preprod' || env === 'prod') assert.ok(s.digest, `${env}/${svc}: digest`);
      }
      assert.ok(
        Object.values(state.services).some((s) => s.secrets),
        `${env}: secret references`,
      );
    }
    const canary = strategyFor(p, 'telemed-api') as CanaryStrategy;
    const templates = canary.steps.flatMap((s) => ('analysis' in s ? s.analysis.templates : []));
    assert.ok(templates.length > 0);
    for (const t of templates) {
      for (const m of p.platform.analysis![t]!.metrics) {
        assert.ok('prometheus' in m.provider, `${t}/${m.name}: Prometheus`);
        assert.match(m.provider.prometheus.query, /rate\(/);
      }
    }
    const prod = await valuesOf('ehealth', 'telemed-api', 'prod');
    assert.deepEqual(at(prod, 'ingress.hosts'), ['telemed.ehealth.example']);
    assert.equal(at(prod, 'resources.limits.memory'), '1Gi');
  });
});

describe('document 003 → examples/orders', () => {
  it('overlays: replicas, tags, resources, config, ports and the secret', async () => {
    const replicas: Record<string, Record<string, number>> = {
      staging: { 'order-service': 2, 'payment-service': 2, 'api-gateway': 2 },
      production: { 'order-service': 5, 'payment-service': 5, 'api-gateway': 3 },
    };
    for (const [env, byService] of Object.entries(replicas)) {
      for (const [svc, n] of Object.entries(byService)) {
        const v = await valuesOf('orders', svc, env);
        assert.equal(at(v, 'replicaCount'), n, `${env}/${svc}`);
        assert.ok(Number(at(v, 'autoscaling.minReplicas')) <= n, `${env}/${svc}: the HPA keeps ${n}`);
        assert.deepEqual(at(v, 'ports'), { http: 3000, grpc: 50051, metrics: 9090 });
        if (env === 'production') {
          assert.equal(at(v, 'image.tag'), 'v1.2.3');
          assert.equal(at(v, 'config.LOG_LEVEL'), 'warn');
          assert.equal(at(v, 'config.REDIS_URL'), 'redis://production-redis-cluster:6379');
        } else {
          assert.deepEqual(at(v, 'resources'), {
            requests: { cpu: '50m', memory: '128Mi' },
            limits: { cpu: '200m', memory: '256Mi' },
          });
          assert.equal(at(v, 'config.LOG_LEVEL'), 'debug');
          assert.equal(at(v, 'config.REDIS_URL'), 'redis://staging-redis:6379');
        }
      }
    }
    const order = await valuesOf('orders', 'order-service', 'production');
    assert.equal(at(order, 'autoscaling.minReplicas'), 5);
    // Staging reads the hand-made Secret (document 003); production takes it from AWS Secrets Manager
    // through an ExternalSecret (the checklist's "secrets managed externally").
    assert.deepEqual(at(await valuesOf('orders', 'order-service', 'staging'), 'envFrom.DATABASE_URL'), {
      secretKeyRef: { name: 'order-service-secrets', key: 'database-url' },
    });
    assert.equal(at(order, 'envFrom.DATABASE_URL'), undefined);
    assert.deepEqual(at(order, 'secrets.DATABASE_URL'), {
      remoteRef: { key: 'platform/production/order-service', property: 'database-url' },
    });
    assert.deepEqual(at(order, 'autoscaling.podsMetric'), {
      name: 'http_requests_per_second',
      averageValue: '1000',
    });
    assert.deepEqual(at(order, 'autoscaling.behavior.scaleUp.policies'), [
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ]);
    assert.deepEqual(at(order, 'autoscaling.behavior.scaleDown.policies'), [
      { type: 'Percent', value: 10, periodSeconds: 60 },
    ]);
  });
  it('Istio canary with the x-canary header route and 95/5, blue-green gateway', async () => {
    const p = await platform('orders');
    const canary = strategyFor(p, 'order-service') as CanaryStrategy;
    assert.equal(canary.type, 'canary');
    assert.ok(canary.trafficRouting && 'istio' in canary.trafficRouting);
    const header = canary.steps.findIndex((s) => 'setHeaderRoute' in s && s.setHeaderRoute.match);
    const five = canary.steps.findIndex((s) => 'setWeight' in s && s.setWeight === 5);
    assert.ok(header >= 0 && five > header, 'header route, then 5 % (stable 95)');
    assert.deepEqual(canary.steps[header], {
      setHeaderRoute: {
        name: 'x-canary',
        match: [{ headerName: 'x-canary', headerValue: { exact: 'true' } }],
      },
    });
    assert.equal(strategyFor(p, 'api-gateway').type, 'blueGreen');
    assert.deepEqual(
      p.environments.map((e) => e.namespace),
      ['platform-staging', 'platform-production'],
    );
  });
});

describe('document 004 → examples/budget', () => {
  async function table(example: string) {
    const p = await platform(example);
    let pods = 0;
    let cpu = 0;
    let memory = 0;
    for (const service of Object.keys(p.platform.services)) {
      const v = await valuesOf(example, service, 'production');
      const { peak } = podsOf(v, strategyFor(p, service));
      pods += peak;
      cpu += peak * milliCpu(at(v, 'resources.requests.cpu'));
      memory += peak * mebibytes(at(v, 'resources.requests.memory'));
    }
    return { pods, cpu, memory };
  }
  it('blue-green: 12 pods, 2100m, 2304Mi', async () => {
    assert.deepEqual(await table('budget'), { pods: 12, cpu: 2100, memory: 2304 });
  });
  it('canary: 20 pods, 3500m, 3840Mi', async () => {
    assert.deepEqual(await table('budget/canary'), { pods: 20, cpu: 3500, memory: 3840 });
  });
  it('the two variants share their values except production', async () => {
    for (const f of ['values.yaml', 'values/backend.yaml', 'values/frontend.yaml', 'values/staging.yaml']) {
      const a = parse(await readFile(join(EXAMPLES_DIR, 'budget', f), 'utf8'));
      const b = parse(await readFile(join(EXAMPLES_DIR, 'budget/canary', f), 'utf8'));
      assert.deepEqual(b, a, f);
    }
    for (const example of ['budget', 'budget/canary']) {
      for (const svc of ['backend', 'frontend']) {
        const v = await valuesOf(example, svc, 'production');
        assert.equal(at(v, 'serviceMonitor.enabled'), true);
        assert.equal(at(v, 'ingress.enabled'), true);
        assert.equal(at(v, 'networkPolicy.enabled'), true);
      }
    }
    const backend = await valuesOf('budget', 'backend', 'production');
    assert.deepEqual(at(backend, 'resources'), {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
  });
});
