// `slipway serve`: the control plane. Serves the HTTP API (docs/server.md) for the platform in the
// current directory, on loopback by default, with the same operations the CLI runs; every API call
// needs a bearer token (an OIDC token of the configured issuer, or an API token). With a gitops:
// section it follows the platform's git repository and syncs the autoDeploy environments.
// `slipway demo` starts the same control plane (startControlPlane) in its own process.
import type { Command } from '@commander-js/extra-typings';
import { type LoadedPlatform, loadPlatform } from '../../config/load.ts';
import { autoDeployNotes } from '../../config/model.ts';
import { GitopsController } from '../../server/gitops/controller.ts';
import { ServerMetrics } from '../../server/metrics.ts';
import type { OneTimeLogin } from '../../server/one-time-login.ts';
import { RunRegistry } from '../../server/runs.ts';
import { type RunningServer, startServer } from '../../server/serve.ts';
import type { LeaderWorkOptions } from '../../server/workers.ts';
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

export interface ControlPlaneOptions {
  host: string;
  port: number;
  /** The store's URL (STORE_HELP); the platform directory's own store when undefined. */
  store?: string | undefined;
  version: string;
  log: (line: string) => void;
  leader?: LeaderWorkOptions;
  /**
   * The demo's one-time login links. Only `slipway demo` passes them: no flag of `slipway serve` and
   * no key of slipway.yaml leads here, so a real deployment has no such door.
   */
  oneTimeLogin?: OneTimeLogin;
}

/**
 * The control plane of `platform` on a port, as `slipway serve` runs it (and `slipway demo`, in its
 * own process): store, authenticators, GitOps sync, runs and metrics, then the server. `close()`
 * stops the server and then closes the store.
 */
export async function startControlPlane(
  platform: LoadedPlatform,
  o: ControlPlaneOptions,
): Promise<{ server: RunningServer; close(): Promise<void> }> {
  const store = await openStore(o.store, platform.dir);
  try {
    const auth = await authenticatorsFor(platform, store);
    if (o.oneTimeLogin) auth.authenticators.push(o.oneTimeLogin);
    const gitopsConfig = platform.platform.gitops;
    const gitops = gitopsConfig ? new GitopsController(gitopsConfig, platform, { log: o.log }) : undefined;
    if (!gitops) for (const n of autoDeployNotes(platform)) o.log(`note: ${n}`);
    const runs = new RunRegistry();
    const metrics = new ServerMetrics();
    runs.onEnd = (run) => metrics.runs.inc({ kind: run.view.kind, outcome: run.view.status });
    const server = await startServer(
      {
        // GitOps serves each new commit's platform, loaded from its working copy; the local
        // cluster stays the one of this directory.
        platform: () => gitops?.platform() ?? platform,
        store,
        connect: (p, env, c = {}) =>
          connectEnvironment({ ...p, dir: platform.dir }, env, {
            ...(c.start === false ? { start: false } : {}),
            log: o.log,
          }),
        authenticators: auth.authenticators,
        login: auth.login,
        oneTimeLogin: o.oneTimeLogin,
        runs,
        metrics,
        gitops,
        version: o.version,
      },
      { host: o.host, port: o.port, ...(o.leader ? { leader: o.leader } : {}) },
    );
    return {
      server,
      close: async () => {
        await server.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
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
      const log = (l: string) => process.stderr.write(`${l}\n`);
      const { server, close } = await startControlPlane(platform, {
        host: options.host,
        port,
        store: options.store ?? process.env.SLIPWAY_STORE,
        version: program.version() ?? '0.0.0',
        log,
        // Every replica serves the API; the one holding the Lease resumes interrupted releases.
        leader: {
          namespace: options.leaderNamespace,
          leaseSeconds: leaderLeaseSeconds(options.leaderLease),
          log,
        },
      });
      process.stdout.write(
        `slipway serve: ${server.url} (API ${server.url}/api/v1, OpenAPI ${server.url}/api/v1/openapi.json)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await close();
    });
}
