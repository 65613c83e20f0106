// Resource and image checks on containers, and environment-variable hygiene.
import type { CheckDefinition } from '../types.ts';
import { eachContainer, map, sev } from './define.ts';
import { isMap } from './index-objects.ts';

/** Splits an image reference into repository, tag and digest. */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return {
    repository: rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

function resourceCheck(
  id: string,
  name: string,
  part: 'requests' | 'limits',
  resource: 'cpu' | 'memory',
  rationale: string,
  severity: ReturnType<typeof sev>,
): CheckDefinition {
  return {
    id,
    name,
    category: 'resources',
    rationale,
    remedy: `Set resources.${part}.${resource}.`,
    severity,
    valuesPath: `resources.${part}.${resource}`,
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const v = map(map(c.container.resources)[part])[resource];
        if (v === undefined || v === null || v === '' || v === 0 || v === '0') {
          out.push({
            object: w.object,
            path: `${c.path}.resources.${part}.${resource}`,
            message: `no ${resource} ${part === 'requests' ? 'request' : 'limit'}`,
          });
        }
      }),
  };
}

export const WORKLOAD_CHECKS: CheckDefinition[] = [
  resourceCheck(
    'SLW-RES-001',
    'cpu-request',
    'requests',
    'cpu',
    'Without a CPU request the scheduler packs pods onto busy nodes and the HPA has no utilisation to scale on.',
    sev('warning', 'error', 'error'),
  ),
  resourceCheck(
    'SLW-RES-002',
    'memory-request',
    'requests',
    'memory',
    'Without a memory request pods are scheduled onto nodes that cannot hold them and are evicted first.',
    sev('warning', 'error', 'error'),
  ),
  resourceCheck(
    'SLW-RES-003',
    'memory-limit',
    'limits',
    'memory',
    'Without a memory limit one leaking pod can exhaust the node and cause an OOM cascade.',
    sev('info', 'warning', 'error'),
  ),
  {
    id: 'SLW-RES-004',
    name: 'no-cpu-limit',
    category: 'resources',
    rationale:
      'A CPU limit throttles the container even when the node is idle, which shows up as latency spikes; scale with the HPA instead.',
    remedy: 'Remove resources.limits.cpu (set it to null in the layer that adds it).',
    severity: sev('info', 'warning', 'warning'),
    valuesPath: 'resources.limits.cpu',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const v = map(map(c.container.resources).limits).cpu;
        if (v !== undefined && v !== null)
          out.push({
            object: w.object,
            path: `${c.path}.resources.limits.cpu`,
            message: `a CPU limit of ${String(v)} is set`,
          });
      }),
  },
  {
    id: 'SLW-IMG-001',
    name: 'image-tag',
    category: 'images',
    rationale:
      'A missing or `latest` tag is a moving target: two pods of one release can run different code and rollback is impossible.',
    remedy: 'Deploy an immutable version: --image-tag <sha or version>, or a digest.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'image.tag',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const img = parseImage(String(c.container.image ?? ''));
        if (img.digest) return;
        if (img.tag === undefined || img.tag === '')
          out.push({
            object: w.object,
            path: `${c.path}.image`,
            message: `image ${String(c.container.image)} has no tag`,
          });
        else if (img.tag === 'latest')
          out.push({
            object: w.object,
            path: `${c.path}.image`,
            message: `image ${String(c.container.image)} uses the latest tag`,
          });
      }),
  },
  {
    id: 'SLW-IMG-002',
    name: 'image-digest',
    category: 'images',
    rationale: 'Only a digest pins the exact image: a tag can be pushed again, a digest cannot.',
    remedy: 'Deploy with --digest sha256:… (CI passes the digest it built), which sets image.digest.',
    severity: sev('off', 'info', 'error'),
    valuesPath: 'image.digest',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const img = parseImage(String(c.container.image ?? ''));
        if (!img.digest || !/^sha256:[a-f0-9]{64}$/.test(img.digest)) {
          out.push({
            object: w.object,
            path: `${c.path}.image`,
            message: `image ${String(c.container.image)} is not pinned by digest`,
          });
        }
      }),
  },
  {
    id: 'SLW-IMG-003',
    name: 'pull-policy',
    category: 'images',
    rationale:
      'With a mutable tag only pullPolicy Always guarantees every node runs the same image; Never breaks on fresh nodes.',
    remedy:
      'Pin the image (tag or digest) with IfNotPresent, or use image.pullPolicy: Always for mutable tags.',
    severity: sev('info', 'warning', 'error'),
    valuesPath: 'image.pullPolicy',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const policy = c.container.imagePullPolicy;
        const img = parseImage(String(c.container.image ?? ''));
        const mutable = !img.digest && (img.tag === undefined || img.tag === 'latest');
        const path = `${c.path}.imagePullPolicy`;
        if (policy === undefined) out.push({ object: w.object, path, message: 'imagePullPolicy is not set' });
        else if (policy === 'Never')
          out.push({ object: w.object, path, message: 'imagePullPolicy is Never' });
        else if (mutable && policy !== 'Always')
          out.push({
            object: w.object,
            path,
            message: `mutable image ${String(c.container.image)} with imagePullPolicy ${String(policy)}`,
          });
      }),
  },
  {
    id: 'SLW-CFG-001',
    name: 'duplicate-env',
    category: 'configuration',
    rationale:
      'When a variable is listed twice the last one silently wins, which hides configuration mistakes.',
    remedy: 'Set each variable once: in env, envFrom or config, not several.',
    severity: sev('warning', 'error', 'error'),
    valuesPath: 'env',
    run: (scope) =>
      eachContainer(scope, (c, w, out) => {
        const env = Array.isArray(c.container.env) ? c.container.env : [];
        const seen = new Set<string>();
        env.forEach((e, i) => {
          if (!isMap(e)) return;
          const name = String(e.name);
          if (seen.has(name))
            out.push({
              object: w.object,
              path: `${c.path}.env[${i}]`,
              message: `${name} is set more than once`,
              valuesPath: `env.${name}`,
            });
          seen.add(name);
        });
      }),
  },
];
