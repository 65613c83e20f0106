// Which cluster and namespace an environment's releases go to.
import type { EnvironmentConfig } from '../config/schema.ts';
import { usageError } from '../shared/errors.ts';
import type { KubeTarget } from './client.ts';

/**
 * `cluster: local` targets the embedded cluster through the kubeconfig it wrote (`localKubeconfig`;
 * starting the cluster is the caller's job) — or, for slipway running in a pod (`inCluster`), the
 * cluster of that pod through its ServiceAccount; `{context, kubeconfig?}` a real one (without
 * kubeconfig: $KUBECONFIG or ~/.kube/config).
 */
export function resolveTarget(
  env: Pick<EnvironmentConfig, 'name' | 'cluster'>,
  namespace: string,
  o: { localKubeconfig?: string; inCluster?: boolean } = {},
): KubeTarget {
  const cluster = env.cluster ?? 'local';
  if (cluster === 'local') {
    if (o.inCluster) return { inCluster: true, namespace };
    if (!o.localKubeconfig) {
      throw usageError(`environment ${env.name} targets the local cluster, but it is not running`, {
        hint: 'Start it with `slipway cluster up`.',
      });
    }
    return { kubeconfigPath: o.localKubeconfig, namespace };
  }
  return {
    ...(cluster.kubeconfig ? { kubeconfigPath: cluster.kubeconfig } : {}),
    context: cluster.context,
    namespace,
  };
}
