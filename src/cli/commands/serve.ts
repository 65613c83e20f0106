// `slipway serve`: the control plane. Serves the HTTP API (docs/server.md) for the platform in the
// current directory, on loopback by default, with the same operations the CLI runs; every API call
// needs a bearer token (an OIDC token of the configured issuer, or an API token). With a gitops:
// section it follows the platform's git repository and syncs the autoDeploy environments.
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { autoDeployNotes } from '../../config/model.ts';
import { GitopsController } from '../../server/gitops/controller.ts';
import { ServerMetrics } from '../../server/metrics.ts';
import { RunRegistry } from '../../server/runs.ts';
import { startServer } from '../../server/serve.ts';
import { parseDuration } from '../../shared/duration.ts';
import { usageError } from '../../shared/errors.ts';
import { openStore } from '../../store/index.ts';
import { STORE_HELP } from '../session.ts';
import { connectEnvironment } from '../target.ts';
import { authenticatorsFor } from './serve-auth.ts';

function leaderLeaseSeconds(text: string): number {
  const s = Math.round(parseDuration(text) / 1000);
  if (!(s >= 1)) throw usageError(`--leader-lease ${text} is shorter than a second`);
  return s;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane: the HTTP API (and its release workers) for this platform')
    .option('--host <address>', 'address to listen on (loopback by default)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--store <url>', STORE_HELP)
    .option('--leader-lease <duration>', 'lease of the replica that runs the release workers', '15s')
    .option('--leader-namespace <namespace>', 'namespace of the leader Lease (default: first env’s)')
    .action(async (options, command) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw usageError(`--port ${options.port} is not a port number (0-65535)`);
      const globals = command.optsWithGlobals() as { dir?: string };
      const platform = await loadPlatform(globals.dir ?? '.');
      const store = await openStore(options.store ?? process.env.SLIPWAY_STORE, platform.dir);
      const auth = await authenticatorsFor(platform, store);
      const log = (l: string) => process.stderr.write(`${l}\n`);
      const gitopsConfig = platform.platform.gitops;
      const gitops = gitopsConfig ? new GitopsController(gitopsConfig, platform, { log }) : undefined;
      if (!gitops) for (const n of autoDeployNotes(platform)) log(`note: ${n}`);
      const runs = new RunRegistry();
      const metrics = new ServerMetrics();
      runs.onEnd = (run) => metrics.runs.inc({ kind: run.view.kind, outcome: run.view.status });
      const server = await startServer(
        {
          // GitOps serves each new commit's platform, loaded from its working copy; the local
          // cluster stays the one of this directory.
          platform: () => gitops?.platform() ?? platform,
          store,
          connect: (p, env, o = {}) =>
            connectEnvironment({ ...p, dir: platform.dir }, env, {
              ...(o.start === false ? { start: false } : {}),
              log: (l) => process.stderr.write(`${l}\n`),
            }),
          authenticators: auth.authenticators,
          login: auth.login,
          runs,
          metrics,
          gitops,
          version: program.version() ?? '0.0.0',
        },
        {
          host: options.host,
          port,
          // Every replica serves the API; the one holding the Lease resumes interrupted releases.
          leader: {
            namespace: options.leaderNamespace,
            leaseSeconds: leaderLeaseSeconds(options.leaderLease),
            log: (l) => process.stderr.write(`${l}\n`),
          },
        },
      );
      process.stdout.write(
        `slipway serve: ${server.url} (API ${server.url}/api/v1, OpenAPI ${server.url}/api/v1/openapi.json)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await store.close();
    });
}
