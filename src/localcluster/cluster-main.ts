// The background local cluster process `slipway cluster up` starts: options as one JSON argument,
// runs until SIGTERM/SIGINT, then stops every pod process and listener before exiting.
import { type LocalClusterOptions, startLocalCluster } from './cluster.ts';

const raw = process.argv[2];
if (!raw) {
  process.stderr.write('usage: cluster-main <options-json>\n');
  process.exit(2);
}
const options = JSON.parse(raw) as LocalClusterOptions;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
let cluster: Awaited<ReturnType<typeof startLocalCluster>>;
try {
  cluster = await startLocalCluster({ ...options, log });
} catch (e) {
  // One line for `cluster up` to show (it prints the log's tail), not a stack trace.
  log(`cannot start the local cluster: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
log(
  `local cluster listening at ${cluster.url} (metrics ${cluster.metricsUrl}), kubeconfig ${cluster.kubeconfigPath}`,
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  cluster.stop().then(
    () => {
      log('stopped');
      process.exit(0);
    },
    (e: unknown) => {
      log(`stop failed: ${String(e)}`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGHUP', () => stop('SIGHUP'));
