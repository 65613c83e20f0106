// The service's non-secret configuration (values `config`) as a ConfigMap named by a hash of its
// content, as Kustomize's configMapGenerator does: a config change gives a new name, the pod template
// refers to the new name, and so the pods roll. The old ConfigMap stays until pruned.
import type { KubeObject } from '../shared/kube-types.ts';
import {
  type ChartContext,
  contentHash,
  memoized,
  meta,
  reader,
  resourceName,
  sortedRecord,
} from './context.ts';

/** The ConfigMap's data: values `config` with every value as a string, keys sorted. Null drops a key. */
export function configData(ctx: ChartContext): Record<string, string> {
  return memoized(ctx, 'configData', () => computeConfigData(ctx));
}

/** Content hash of configData: the name suffix and the pod template's checksum/config. */
export function configHash(ctx: ChartContext): string {
  return memoized(ctx, 'configHash', () => contentHash(configData(ctx)));
}

function computeConfigData(ctx: ChartContext): Record<string, string> {
  const m = reader(ctx).map('config');
  const out: Record<string, string> = {};
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return sortedRecord(out);
}

/** `<service>-config-<hash>` (the hash last, as Kustomize's generators), or undefined without config. */
export function configMapName(ctx: ChartContext): string | undefined {
  if (Object.keys(configData(ctx)).length === 0) return undefined;
  return `${resourceName(ctx, 'config')}-${configHash(ctx)}`;
}

export function renderConfigMap(ctx: ChartContext): KubeObject[] {
  const name = configMapName(ctx);
  if (!name) return [];
  return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(ctx, name), data: { ...configData(ctx) } }];
}
