// Render benchmark: 500 services × 4 environments through load → values → chart → YAML, against the
// same objects rendered by `kubectl kustomize` from a base plus four overlays. Targets: under 2 s and
// 400 MB peak RSS for slipway.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlatform } from '../src/config/load.ts';
import { lintRenderedServices } from '../src/policy/lint.ts';
import { toYaml } from '../src/render/index.ts';
import { renderPlatform } from '../src/render/platform.ts';
import { BENCH_ENVIRONMENTS, writeKustomizeTree, writeSlipwayPlatform } from './generate.ts';
import { peakRssMb, report } from './report.ts';

const COUNT = Number(process.env.BENCH_SERVICES ?? 500);

/** One pass over every environment: load, render, (checks,) YAML. */
async function pass(platformDir: string, withChecks: boolean): Promise<{ ms: number; findings: number }> {
  const start = performance.now();
  const loaded = await loadPlatform(platformDir);
  let found = 0;
  for (const env of BENCH_ENVIRONMENTS) {
    const rendered = await renderPlatform(loaded, env);
    if (withChecks) found += (await lintRenderedServices(loaded, env, rendered)).findings.length;
    for (const r of rendered) toYaml(r.objects);
  }
  return { ms: performance.now() - start, findings: found };
}

// The re-run with the checks on happens in a fresh process, so that it starts as cold as the
// render-only run it is compared with (module loading and JIT included in both).
if (process.env.BENCH_RENDER_CHECKS_DIR) {
  const r = await pass(process.env.BENCH_RENDER_CHECKS_DIR, true);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

const root = mkdtempSync(join(tmpdir(), 'slipway-bench-render-'));
try {
  const platformDir = join(root, 'platform');
  writeSlipwayPlatform(platformDir, COUNT);

  const t0 = performance.now();
  const p = await loadPlatform(platformDir);
  let objects = 0;
  let bytes = 0;
  let firstEnv: Array<{ service: string; objects: import('../src/shared/kube-types.ts').KubeObject[] }> = [];
  for (const env of BENCH_ENVIRONMENTS) {
    const rendered = await renderPlatform(p, env);
    if (env === BENCH_ENVIRONMENTS[0]) firstEnv = rendered;
    for (const r of rendered) {
      objects += r.objects.length;
      bytes += toYaml(r.objects).length;
    }
  }
  const slipwayMs = performance.now() - t0;
  const rss = peakRssMb();

  // The same benchmark re-run with schema validation, the tighten-only rule and the check catalogue
  // on, as `slipway render` runs them by default (issue target: checks add at most 50 %): cold, in a
  // fresh process, like the render-only run above. A warm pass of each in this process shows the
  // steady-state cost without module loading.
  const child = spawnSync(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_RENDER_CHECKS_DIR: platformDir },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`the render-with-checks run failed: ${child.stderr}`);
  const linted = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
    ms: number;
    findings: number;
  };
  const lintedMs = linted.ms;
  const findings = linted.findings;
  const warmChecks = await pass(platformDir, true);
  const warm = await pass(platformDir, false);

  // The same manifests as a Kustomize tree: the base is slipway's own output for the first environment.
  const kdir = join(root, 'kustomize');
  const skipKustomize = process.env.BENCH_SKIP_KUSTOMIZE === '1';
  const base = new Map(firstEnv.map((r) => [r.service, toYaml(r.objects)]));
  const deployments = new Map(
    firstEnv.map((r) => [
      r.service,
      r.objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name ?? ''),
    ]),
  );
  writeKustomizeTree(kdir, base, deployments, COUNT);
  let kustomizeMs = Number.NaN;
  const k0 = performance.now();
  // BENCH_SKIP_KUSTOMIZE=1 skips the comparison (500 small kustomizations take kubectl minutes).
  let kustomizeOk = !skipKustomize;
  for (const env of skipKustomize ? [] : BENCH_ENVIRONMENTS) {
    const r = spawnSync('kubectl', ['kustomize', join(kdir, 'overlays', env)], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
    if (r.status !== 0) {
      kustomizeOk = false;
      process.stderr.write(r.stderr);
      break;
    }
  }
  if (kustomizeOk) kustomizeMs = performance.now() - k0;

  report({
    services: COUNT,
    environments: BENCH_ENVIRONMENTS.length,
    objects_rendered: objects,
    yaml_megabytes: bytes / 1e6,
    slipway_render_ms: slipwayMs,
    slipway_peak_rss_mb: rss,
    kubectl_kustomize_ms: kustomizeMs,
    ratio_kustomize_over_slipway: kustomizeMs / slipwayMs,
    target_under_2000ms: slipwayMs < 2000,
    target_under_400mb: rss < 400,
    render_with_checks_ms: lintedMs,
    check_findings: findings,
    checks_overhead_ratio: lintedMs / slipwayMs - 1,
    target_checks_overhead_under_50pct: lintedMs / slipwayMs - 1 <= 0.5,
    warm_render_ms: warm.ms,
    warm_render_with_checks_ms: warmChecks.ms,
    warm_checks_overhead_ratio: warmChecks.ms / warm.ms - 1,
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
