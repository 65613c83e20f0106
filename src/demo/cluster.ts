// The demo's cluster: the embedded local cluster in the appointments copy's `.slipway/cluster`, started
// in this process (stopped with the demo), or — with --keep — in the background through
// `slipway cluster up`, left running after the demo with its kubeconfig printed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LoadedPlatform } from '../config/load.ts';
import { readClusterRecord, startLocalCluster } from '../localcluster/cluster.ts';
import { SlipwayError } from '../shared/errors.ts';

export interface DemoCluster {
  kubeconfigPath: string;
  metricsUrl: string;
  background: boolean;
  /** The cluster's own error lines (in-process only). */
  logs: string[];
  stop(): Promise<void>;
}

export const clusterDirOf = (platformDir: string) => join(platformDir, '.slipway', 'cluster');

export async function startDemoCluster(platform: LoadedPlatform, keep: boolean): Promise<DemoCluster> {
  const dir = clusterDirOf(platform.dir);
  const logs: string[] = [];
  if (!keep) {
    const cluster = await startLocalCluster({
      dir,
      imageMappings: (platform.platform.localImages ?? []).map((m) => ({
        image: m.image,
        command: m.command,
        ...(m.env ? { env: m.env } : {}),
        cwd: platform.dir,
      })),
      log: (l) => {
        if (logs.length < 200) logs.push(l);
      },
    });
    return {
      kubeconfigPath: cluster.kubeconfigPath,
      metricsUrl: cluster.metricsUrl,
      background: false,
      logs,
      stop: () => cluster.stop(),
    };
  }
  // bin/slipway.js (argv[1]) runs the build or the source, as this process does.
  const r = spawnSync(process.execPath, [process.argv[1] ?? '', '-C', platform.dir, 'cluster', 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: process.env,
  });
  const rec = readClusterRecord(dir);
  if (r.status !== 0 || !rec) {
    throw new SlipwayError('unreachable', 'the local cluster did not start', {
      details: [r.stderr.trim() || r.stdout.trim()].filter(Boolean),
    });
  }
  return {
    kubeconfigPath: rec.kubeconfigPath,
    metricsUrl: rec.metricsUrl,
    background: true,
    logs,
    stop: async () => {},
  };
}
