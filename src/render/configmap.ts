// The service's non-secret configuration (values `config`) as a ConfigMap named by a hash of its
// content, as Kustomize's configMapGenerator does: a config change gives a new name, the pod template
// refers to the new name, and so the pods roll. The old ConfigMap stays until pruned.
import type { KubeObject } from '../shared/kube-types.ts';
import { type ChartContext, contentHash, meta, reader, sortedRecord } from './context.ts';

/** The ConfigMap's data: values `config` with every value as a string, keys sorted. Null drops a key. */
export function configData(ctx: ChartContext): Record<string, string> {
  const m = reader(ctx).map('config');
  const out: Record<string, string> = {};
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return sortedRecord(out);
}

/** `<service>-config-<hash>`, or undefined when there is no config. */
export function configMapName(ctx: ChartContext, data = configData(ctx)): string | undefined {
  if (Object.keys(data).length === 0) return undefined;
  return `${ctx.service}-config-${contentHash(data)}`;
}

export function renderConfigMap(ctx: ChartContext): KubeObject[] {
  const data = configData(ctx);
  const name = configMapName(ctx, data);
  if (!name) return [];
  return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(ctx, name), data }];
}
