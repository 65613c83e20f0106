// A local API server over a memory store, a kubeconfig pointing at it, and a connected client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import { type ApiServer, startApiServer } from '../../src/localcluster/api/server.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

export interface TestCluster {
  api: ApiServer;
  kubeconfigPath: string;
  dir: string;
  client: KubeClient;
  close(): Promise<void>;
}

export function writeKubeconfig(
  dir: string,
  server: string,
  contexts: string[] = ['local', 'other'],
): string {
  const path = join(dir, 'kubeconfig');
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${contexts[0]}`,
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: local',
    '  user:',
    '    token: test-token',
    'contexts:',
    ...contexts.flatMap((c) => [`- name: ${c}`, '  context:', '    cluster: local', '    user: local']),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Rejects Deployments without containers, the way the API server's validation answers 422. */
export function testValidator(obj: KubeObject): Array<{ path: string; message: string }> {
  if (obj.kind !== 'Deployment') return [];
  const containers = (obj as { spec?: { template?: { spec?: { containers?: unknown[] } } } }).spec?.template
    ?.spec?.containers;
  return Array.isArray(containers) && containers.length > 0
    ? []
    : [{ path: 'spec.template.spec.containers', message: 'Required value' }];
}

export async function startTestCluster(namespace = 'shop'): Promise<TestCluster> {
  const api = await startApiServer({ store: createMemoryStore(), validate: testValidator });
  const dir = mkdtempSync(join(tmpdir(), 'slipway-kube-'));
  try {
    const kubeconfigPath = writeKubeconfig(dir, api.url);
    const client = await connect({ kubeconfigPath, namespace });
    await client.ensureNamespace(namespace);
    return {
      api,
      kubeconfigPath,
      dir,
      client,
      async close() {
        await api.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export function deployment(
  name: string,
  namespace: string,
  labels: Record<string, string> = {},
  replicas = 1,
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name, ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'demo:1' }] },
      },
    },
  };
}

export function configMap(
  name: string,
  namespace: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

export const waitFor = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};
