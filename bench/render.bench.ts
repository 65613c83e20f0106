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

  // The same render again with schema validation, the tighten-only rule and the check catalogue on,
  // as `slipway render` runs them by default (issue target: checks add at most 50 %). Compared with a
  // warm render-only pass measured right after it, so JIT warm-up favours neither.
  const pass = async (withChecks: boolean): Promise<{ ms: number; findings: number }> => {
    const start = performance.now();
    const loaded = await loadPlatform(platformDir);
    let found = 0;
    for (const env of BENCH_ENVIRONMENTS) {
      const rendered = await renderPlatform(loaded, env);
      if (withChecks) found += (await lintRenderedServices(loaded, env, rendered)).findings.length;
      for (const r of rendered) toYaml(r.objects);
    }
    return { ms: performance.now() - start, findings: found };
  };
  const linted = await pass(true);
  const warm = await pass(false);
  const lintedMs = linted.ms;
  const findings = linted.findings;

  // The same manifests as a Kustomize tree: the base is slipway's own output for the first environment.
  const kdir = join(root, 'kustomize');
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
  let kustomizeOk = true;
  for (const env of BENCH_ENVIRONMENTS) {
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
    warm_render_ms: warm.ms,
    checks_overhead_ratio: lintedMs / warm.ms - 1,
    target_checks_overhead_under_50pct: lintedMs / warm.ms - 1 <= 0.5,
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
