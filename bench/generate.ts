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
    for (let i = 0; i < count; i++) desired.push(`  ${serviceName(i)}:\n    version: v1.${i % 7}.0`);
    writeFileSync(join(dir, 'environments', `${e}.yaml`), `${desired.join('\n')}\n`);
  }
}

/**
 * Writes a Kustomize tree producing the same objects: `base/` holds the manifests rendered for the base
 * values (one file per service), each overlay sets namespace, labels, replicas and image tags.
 */
export function writeKustomizeTree(
  dir: string,
  baseManifests: Map<string, string>,
  deployments: ReadonlyMap<string, readonly string[]>,
  count: number,
): void {
  const base = join(dir, 'base');
  mkdirSync(base, { recursive: true });
  const resources: string[] = [];
  for (const [service, yaml] of baseManifests) {
    writeFileSync(join(base, `${service}.yaml`), yaml);
    resources.push(`  - ${service}.yaml`);
  }
  writeFileSync(join(base, 'kustomization.yaml'), `resources:\n${resources.join('\n')}\n`);
  for (const e of BENCH_ENVIRONMENTS) {
    const overlay = join(dir, 'overlays', e);
    mkdirSync(overlay, { recursive: true });
    const replicas = e === 'production' ? 3 : e === 'staging' ? 2 : 1;
    const lines = [
      'resources:',
      '  - ../../base',
      `namespace: bench-${e}`,
      'labels:',
      '  - pairs:',
      `      slipway.dev/environment: ${e}`,
      'replicas:',
    ];
    for (let i = 0; i < count; i++) {
      for (const d of deployments.get(serviceName(i)) ?? []) lines.push(`  - name: ${d}\n    count: ${replicas}`);
    }
    lines.push('images:');
    for (let i = 0; i < count; i++) {
      lines.push(`  - name: ghcr.io/bench/${serviceName(i)}\n    newTag: v1.${i % 7}.0`);
    }
    writeFileSync(join(overlay, 'kustomization.yaml'), `${lines.join('\n')}\n`);
  }
}
