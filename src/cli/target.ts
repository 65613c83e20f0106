// Connecting a command to an environment's cluster. `cluster: local` finds the running embedded
// cluster in <platform dir>/.slipway/cluster (cluster.json) or starts it in the background exactly as
// `slipway cluster up` does (by running that command); real clusters go through their kubeconfig.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment, namespaceFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { resolveTarget } from '../kube/target.ts';
import { readClusterRecord } from '../localcluster/cluster.ts';
import { SlipwayError } from '../shared/errors.ts';
import { DEFAULT_CLUSTER_DIR } from './commands/cluster.ts';
import { childNodeArgs } from './self.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The kubeconfig of the running local cluster of this platform, if one runs. */
export function runningLocalCluster(platformDir: string): string | undefined {
  const rec = readClusterRecord(join(platformDir, DEFAULT_CLUSTER_DIR));
  return rec && alive(rec.pid) ? rec.kubeconfigPath : undefined;
}

/** Starts the local cluster in the background through `slipway cluster up`; answers its kubeconfig. */
function startLocalCluster(platformDir: string, log: (line: string) => void): string {
  log(`starting the local cluster (${join(platformDir, DEFAULT_CLUSTER_DIR)})`);
  const main = childNodeArgs(new URL('./main.ts', import.meta.url));
  const r = spawnSync(process.execPath, [...main, '-C', platformDir, 'cluster', 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kubeconfig = runningLocalCluster(platformDir);
  if (r.status !== 0 || !kubeconfig) {
    throw new SlipwayError('unreachable', 'the local cluster did not start', {
      details: [r.stderr.trim() || r.stdout.trim()].filter(Boolean),
      hint: 'Run `slipway cluster up` to see why; `slipway cluster status` shows a running one.',
    });
  }
  return kubeconfig;
}

/**
 * A client for an environment's namespace. `start: false` (status, history) does not start a local
 * cluster that is not running: it answers undefined instead.
 */
export async function connectEnvironment(
  platform: LoadedPlatform,
  environment: string,
  o: { start?: boolean; log?: (line: string) => void } = {},
): Promise<KubeClient | undefined> {
  const env = getEnvironment(platform, environment);
  const namespace = namespaceFor(platform, environment);
  let localKubeconfig: string | undefined;
  // slipway in a pod: `cluster: local` is the cluster it runs in, reached as its ServiceAccount.
  const { inClusterConfig } = await import('../kube/transport.ts');
  const inCluster = inClusterConfig() !== undefined;
  if ((env.cluster ?? 'local') === 'local' && !inCluster) {
    localKubeconfig = runningLocalCluster(platform.dir);
    if (!localKubeconfig) {
      if (o.start === false) return undefined;
      localKubeconfig = startLocalCluster(platform.dir, o.log ?? ((l) => process.stderr.write(`${l}\n`)));
    }
  }
  const { connect } = await import('../kube/client.ts');
  const client = await connect(
    resolveTarget(env, namespace, localKubeconfig ? { localKubeconfig } : inCluster ? { inCluster } : {}),
  );
  await client.ensureNamespace(namespace);
  return client;
}
