// The CRDs the local cluster installs at start (ServiceMonitor, VirtualService, DestinationRule,
// HTTPRoute), read from ./crds/*.yaml next to this file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore } from '../store/types.ts';

export const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'crds');

export function bundledCrds(): KubeObject[] {
  return readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => parse(readFileSync(join(CRD_DIR, f), 'utf8')) as KubeObject);
}

/** Creates the bundled CRDs that are not in the store yet (idempotent across restarts). */
export function installBundledCrds(store: ObjectStore): void {
  const t = store.resourceTypeFor('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  if (!t) throw new Error('the store does not serve CustomResourceDefinitions');
  for (const crd of bundledCrds()) {
    if (!store.get(t, undefined, crd.metadata.name as string)) store.create(t, crd);
  }
}
