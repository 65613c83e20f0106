// Plan benchmark: `slipway plan` of one environment with 500 services against the local cluster, all
// deployed (their manifests applied and a deployed release record each, as the release engine leaves
// them; pods simulated), 10 % of them with a new version in the desired state. Measures the plan
// in-process (read: one LIST per kind + one LIST of release records, render, compare) and the whole
// CLI process. Target: the CLI answers in under 3 s.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform } from '../src/config/load.ts';
import { namespaceFor } from '../src/config/model.ts';
import { connect } from '../src/kube/client.ts';
import { startLocalCluster } from '../src/localcluster/cluster.ts';
import { planEnvironment } from '../src/promotion/plan.ts';
import { readPlanInput, renderDesired } from '../src/promotion/plan-read.ts';
import { encodeRelease, type ReleaseRecord } from '../src/release/history-codec.ts';
import type { KubeObject } from '../src/shared/kube-types.ts';
import { serviceName, writeSlipwayPlatform } from './generate.ts';
import { peakRssMb, report } from './report.ts';

const COUNT = Number(process.env.BENCH_SERVICES ?? 500);
const ENV = 'development';
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-plan-'));
const cluster = await startLocalCluster({ dir: join(dir, '.slipway', 'cluster'), log: () => {} });

try {
  writeSlipwayPlatform(dir, COUNT);
  // No pods by default (no replicas, no HPA scaling them up): 1,000 simulated pods keep the in-process
  // cluster's controllers busy and would measure them rather than the plan (BENCH_PODS=1 keeps them).
  if (process.env.BENCH_PODS !== '1') {
    const envValues = join(dir, 'values', `${ENV}.yaml`);
    writeFileSync(
      envValues,
      `${readFileSync(envValues, 'utf8')
        .replace(/^replicaCount: \d+$/m, 'replicaCount: 0')
        .replace(/^autoscaling:\n {2}minReplicas: \d+$/m, 'autoscaling:\n  enabled: false')}`,
    );
  }
  const platform = await loadPlatform(dir);
  const namespace = namespaceFor(platform, ENV);
  const client = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace });
  await client.ensureNamespace(namespace);

  // Deploy everything as the engine would leave it: objects applied, one deployed record per service.
  const s0 = performance.now();
  const desired = await renderDesired(platform, ENV, Object.keys(platform.platform.services));
  const objects: KubeObject[] = desired.flatMap((d) => d.manifests);
  const kinds = new Map(objects.map((o) => [o.kind, o.apiVersion]));
  const served = new Set<string>();
  for (const [kind, apiVersion] of kinds) if (await client.hasKind(apiVersion, kind)) served.add(kind);
  // Straight into the cluster's store (what an API apply stores, without 3,000 HTTP round trips of
  // setup); the controllers then create ReplicaSets and pods as for any Deployment.
  const store = cluster.store;
  const put = (o: KubeObject) => {
    const type = store.resourceTypeFor(o.apiVersion, o.kind);
    if (!type) throw new Error(`no resource type for ${o.apiVersion} ${o.kind}`);
    store.create(type, o);
  };
  for (const o of objects) if (served.has(o.kind)) put(o);
  process.stderr.write(`applied ${objects.length} objects in ${Math.round(performance.now() - s0)} ms\n`);
  const now = new Date().toISOString();
  for (const d of desired) {
    const record: ReleaseRecord = {
      platform: platform.platform.name,
      service: d.service,
      environment: ENV,
      revision: 1,
      status: 'deployed',
      strategy: 'rolling',
      version: d.version,
      values: {},
      manifests: d.manifests,
      startedBy: 'bench',
      startedAt: now,
      endedAt: now,
      steps: [],
    };
    put(encodeRelease(record, namespace));
  }
  // Let the controllers finish (ReplicaSets, pods with BENCH_PODS=1) before measuring: they run in this
  // process, and a plan measured while they work measures them.
  const podType = store.resourceTypeFor('v1', 'Pod')!;
  const rsType = store.resourceTypeFor('apps/v1', 'ReplicaSet')!;
  const deployments = objects.filter((o) => o.kind === 'Deployment').length;
  const settleUntil = Date.now() + 600_000;
  let lastVersion = '';
  let stableSince = Date.now();
  let readySince: number | undefined;
  while (Date.now() < settleUntil) {
    const version = store.currentResourceVersion();
    if (version !== lastVersion) {
      lastVersion = version;
      stableSince = Date.now();
    }
    const rs = store.list(rsType, { namespace }).items.length;
    const pods =
      process.env.BENCH_PODS === '1' ? store.list(podType, { namespace }).items.length : deployments;
    if (rs >= deployments && pods >= deployments) {
      readySince ??= Date.now();
      // Quiet for 2 s, or 15 s after everything exists (status updates may never stop entirely).
      if (Date.now() - stableSince > 2000 || Date.now() - readySince > 15_000) break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const setupMs = performance.now() - s0;
  process.stderr.write(`setup done in ${Math.round(setupMs)} ms\n`);

  // 10 % of the services get a new version in the desired state.
  const file = join(dir, 'environments', `${ENV}.yaml`);
  let text = readFileSync(file, 'utf8');
  for (let i = 0; i < COUNT; i += 10) {
    text = text.replace(
      new RegExp(`(  ${serviceName(i)}:\\n    version: )v1\\.(\\d)\\.0`),
      (_m, head: string, minor: string) => `${head}v1.${minor}.1`,
    );
  }
  writeFileSync(file, text);

  // In-process: load + read + compare, three runs, the best and the last reported.
  const runs: number[] = [];
  let counts: Record<string, number> = {};
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const p = await loadPlatform(dir);
    const plan = planEnvironment(await readPlanInput(client, p, ENV));
    runs.push(performance.now() - t0);
    counts = plan.counts;
  }

  // Cold, in-process: a new client (API discovery included), as a fresh CLI process would do it.
  const k0 = performance.now();
  const cold = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace });
  planEnvironment(await readPlanInput(cold, await loadPlatform(dir), ENV));
  const coldMs = performance.now() - k0;

  // Baseline: the CLI process doing nothing (node, module loading). bin/slipway.js runs the build when
  // it is current (run `npm run build` first), else the sources through tsx; BENCH_FROM_SOURCE=1 forces those.
  const cliEnv =
    process.env.BENCH_FROM_SOURCE === '1' ? { ...process.env, SLIPWAY_FROM_SOURCE: '1' } : process.env;
  const h0 = performance.now();
  await new Promise((done) =>
    execFile(process.execPath, [join(root, 'bin', 'slipway.js'), '--help'], { env: cliEnv }, done),
  );
  const helpMs = performance.now() - h0;

  // The CLI as a user runs it (a fresh process: module loading included).
  // (Asynchronously: the cluster runs in this process and must keep answering.)
  const c0 = performance.now();
  const cli = await new Promise<{ status: number; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [
        ...(process.env.BENCH_CLI_PROFILE
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CLI_PROFILE}`]
          : []),
        join(root, 'bin', 'slipway.js'),
        '-C',
        dir,
        'plan',
        '--env',
        ENV,
        '--detailed-exitcode',
      ],
      {
        encoding: 'utf8',
        env: { ...cliEnv, NO_COLOR: '1' },
        maxBuffer: 64 << 20,
      },
      (err, _stdout, stderr) =>
        done({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
    );
  });
  const cliMs = performance.now() - c0;
  if (cli.status !== 2) process.stderr.write(`slipway plan exited ${cli.status}: ${cli.stderr}\n`);

  report({
    services: COUNT,
    objects_live: objects.filter((o) => served.has(o.kind)).length,
    setup_ms: setupMs,
    plan_in_process_best_ms: Math.min(...runs),
    plan_in_process_last_ms: runs.at(-1)!,
    plan_in_process_cold_client_ms: coldMs,
    cli_help_wall_ms: helpMs,
    cli_plan_wall_ms: cliMs,
    cli_plan_minus_startup_ms: cliMs - helpMs,
    cli_exit_code: cli.status,
    services_to_update: counts.update ?? 0,
    services_in_sync: counts['in-sync'] ?? 0,
    peak_rss_mb: peakRssMb(),
    target_cli_under_3000ms: cliMs < 3000,
  });
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
