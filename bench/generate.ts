// Generates a large platform for benchmarks: N services × 4 environments as a slipway tree, and the
// same manifests as a Kustomize base plus one overlay per environment, so both tools render the same
// result side by side.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_ENVIRONMENTS = ['development', 'testing', 'staging', 'production'] as const;

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

/** Writes a slipway platform with `count` services into `dir`. */
export function writeSlipwayPlatform(dir: string, count: number): void {
  mkdirSync(join(dir, 'values'), { recursive: true });
  mkdirSync(join(dir, 'environments'), { recursive: true });
  const services: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = serviceName(i);
    const strategy = i % 10 === 0 ? 'canary' : i % 10 === 1 ? 'blueGreen' : 'rolling';
    services.push(`  ${name}:\n    strategy: ${strategy}\n    priority: ${i % 5}`);
    writeFileSync(
      join(dir, 'values', `${name}.yaml`),
      [
        'image:',
        `  repository: ghcr.io/bench/${name}`,
        '  tag: v1.0.0',
        `replicaCount: ${2 + (i % 3)}`,
        'config:',
        `  SERVICE_ID: "${i}"`,
        '  LOG_LEVEL: info',
        'env:',
        `  FEATURE_X: "${i % 2 === 0}"`,
        '',
      ].join('\n'),
    );
  }
  const envs = BENCH_ENVIRONMENTS.map(
    (e, idx) =>
      `  - name: ${e}\n    policy: ${e === 'production' ? 'strict' : e === 'development' ? 'relaxed' : 'standard'}` +
      (idx > 0 ? `\n    promotion:\n      from: ${BENCH_ENVIRONMENTS[idx - 1]}` : ''),
  );
  writeFileSync(
    join(dir, 'slipway.yaml'),
    [
      'apiVersion: slipway.dev/v1',
      'kind: Platform',
      'name: bench',
      'services:',
      ...services,
      'environments:',
      ...envs,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'values.yaml'), 'resources:\n  requests:\n    cpu: 50m\n    memory: 128Mi\n');
  for (const e of BENCH_ENVIRONMENTS) {
    const replicas = e === 'production' ? 3 : e === 'staging' ? 2 : 1;
    writeFileSync(
      join(dir, 'values', `${e}.yaml`),
      `replicaCount: ${replicas}\nautoscaling:\n  minReplicas: ${Math.max(replicas, 2)}\n` +
        (e === 'production' ? 'pdb:\n  minAvailable: 2\n' : ''),
    );
    const desired = ['apiVersion: slipway.dev/v1', 'kind: DesiredState', `environment: ${e}`, 'services:'];
    for (let i = 0; i < count; i++) {
      // Production pins every image by digest, as its strict policy requires.
      const digest =
        e === 'production' ? `\n    digest: sha256:${String(i).padStart(4, '0').repeat(16)}` : '';
      desired.push(`  ${serviceName(i)}:\n    version: v1.${i % 7}.0${digest}`);
    }
    writeFileSync(join(dir, 'environments', `${e}.yaml`), `${desired.join('\n')}\n`);
  }
}

/**
 * Writes a Kustomize tree producing the same objects: `base/<service>.yaml` holds the manifests
 * rendered for the first environment; each environment overlay composes one small kustomization per
 * service (its namespace, labels, replicas and image tag), the way a Kustomize user would keep
 * per-service settings. (One overlay with 500 `replicas`/`images` entries is far slower: every
 * transformer entry visits every object.)
 */
export function writeKustomizeTree(
  dir: string,
  baseManifests: Map<string, string>,
  deployments: ReadonlyMap<string, readonly string[]>,
  count: number,
): void {
  const base = join(dir, 'base');
  mkdirSync(base, { recursive: true });
  for (const [service, yaml] of baseManifests) {
    mkdirSync(join(base, service), { recursive: true });
    writeFileSync(join(base, service, 'manifests.yaml'), yaml);
    writeFileSync(join(base, service, 'kustomization.yaml'), 'resources:\n  - manifests.yaml\n');
  }
  for (const e of BENCH_ENVIRONMENTS) {
    const overlay = join(dir, 'overlays', e);
    const replicas = e === 'production' ? 3 : e === 'staging' ? 2 : 1;
    const services: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = serviceName(i);
      services.push(`  - ${name}`);
      mkdirSync(join(overlay, name), { recursive: true });
      const lines = [
        'resources:',
        `  - ../../../base/${name}`,
        `namespace: bench-${e}`,
        'labels:',
        '  - pairs:',
        `      slipway.dev/environment: ${e}`,
        'replicas:',
        ...(deployments.get(name) ?? []).map((d) => `  - name: ${d}\n    count: ${replicas}`),
        'images:',
        `  - name: ghcr.io/bench/${name}\n    newTag: v1.${i % 7}.0`,
      ];
      writeFileSync(join(overlay, name, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    }
    writeFileSync(join(overlay, 'kustomization.yaml'), `resources:\n${services.join('\n')}\n`);
  }
}
