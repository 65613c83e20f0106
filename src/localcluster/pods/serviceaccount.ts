// What the kubelet gives a pod to reach the API server as its ServiceAccount: the token, namespace
// (and, on a real cluster, ca.crt) under /var/run/secrets/kubernetes.io/serviceaccount, and
// KUBERNETES_SERVICE_HOST/PORT. Local pods are host processes, so the files live under the pod's
// own directory and SLIPWAY_POD_ROOT names it: a client reads `$SLIPWAY_POD_ROOT/var/run/…`
// (client-node's loadFromCluster(pathPrefix)). The local API server speaks plain HTTP, so no ca.crt.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { TokenIssuer } from '../auth/tokens.ts';
import type { Obj } from '../controllers/util.ts';
import type { ObjectStore, ResourceType } from '../store/types.ts';

export const SERVICEACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterAccess {
  /** The API server's loopback host and port, once it listens. */
  host: string;
  port: number;
  tokens: TokenIssuer;
}

/** The ServiceAccount a pod runs as, when its token is mounted (pod setting, else the account's, else yes). */
export function mountedServiceAccount(
  store: ObjectStore,
  serviceAccounts: ResourceType | undefined,
  pod: KubeObject,
): string | undefined {
  const spec = (pod.spec as Obj | undefined) ?? {};
  const name = String(spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
  let mount = spec.automountServiceAccountToken as boolean | undefined;
  if (mount === undefined && serviceAccounts) {
    const sa = store.get(serviceAccounts, pod.metadata.namespace, name) as
      | (KubeObject & { automountServiceAccountToken?: boolean })
      | undefined;
    mount = sa?.automountServiceAccountToken;
  }
  return mount === false ? undefined : name;
}

export function podRoot(clusterDir: string, pod: KubeObject): string {
  return join(clusterDir, 'pods', `${pod.metadata.namespace ?? 'default'}_${pod.metadata.name ?? ''}`);
}

/** Writes the token files; answers the variables the container gets. */
export function mountServiceAccount(
  access: InClusterAccess,
  clusterDir: string,
  pod: KubeObject,
  serviceAccount: string,
): Record<string, string> {
  const root = podRoot(clusterDir, pod);
  const dir = join(root, SERVICEACCOUNT_PATH);
  mkdirSync(dir, { recursive: true });
  const ns = pod.metadata.namespace ?? 'default';
  const token = access.tokens.issue(ns, serviceAccount, {
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  });
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'namespace'), ns);
  return {
    KUBERNETES_SERVICE_HOST: access.host,
    KUBERNETES_SERVICE_PORT: String(access.port),
    KUBERNETES_PORT: `tcp://${access.host}:${access.port}`,
    SLIPWAY_POD_ROOT: root,
  };
}

export function unmountServiceAccount(clusterDir: string, pod: KubeObject): void {
  rmSync(podRoot(clusterDir, pod), { recursive: true, force: true });
}
