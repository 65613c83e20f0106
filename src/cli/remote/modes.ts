// Which commands go through the API when a server is given (`--server URL` or SLIPWAY_SERVER), decided
// here for every command: `api` commands call the server (their action asks remoteApi()), `local`
// ones only read the platform directory and run here as before, `refuse` ones need what only the
// server's machine has (its store, the clusters' credentials) and stop with exit 2, `server` ones
// exist only against a server. A test checks that every registered command has a row.
import { usageError } from '../../shared/errors.ts';
import { ApiClient } from './client.ts';
import { normalizeServerUrl } from './credentials.ts';

export type RemoteMode =
  | { mode: 'api' }
  | { mode: 'local' }
  | { mode: 'server' }
  | { mode: 'refuse'; why: string };

const api = { mode: 'api' } as const;
const local = { mode: 'local' } as const;
const refuse = (why: string) => ({ mode: 'refuse', why }) as const;

export const REMOTE_MODES: Record<string, RemoteMode> = {
  init: local,
  values: local,
  render: local,
  lint: local,
  capacity: local,
  'release-notes': local,
  deploy: api,
  status: api,
  history: api,
  rollback: api,
  resume: api,
  apply: api,
  promote: api,
  abort: api,
  approvals: api,
  approve: api,
  reject: api,
  freeze: api,
  unfreeze: api,
  audit: api,
  login: { mode: 'server' },
  logout: { mode: 'server' },
  runs: { mode: 'server' },
  diff: refuse('diff reads the live cluster with your own credentials; the API has no diff'),
  plan: refuse('plan reads the live cluster with your own credentials; the API has no plan'),
  serve: refuse('serve is the server; it takes no --server'),
  token: refuse("API tokens live in the server's store: run `slipway token` where `slipway serve` runs"),
  cluster: refuse('the embedded local cluster runs on this machine; it takes no --server'),
  demo: refuse('the demo runs on this machine; it takes no --server'),
  flag: refuse('feature flags are not in the API yet'),
};

type GlobalsCommand = { optsWithGlobals(): unknown };

/** The server of this invocation (`--server`, else SLIPWAY_SERVER), normalized; undefined: local. */
export function serverOf(command: GlobalsCommand): string | undefined {
  const s = (command.optsWithGlobals() as { server?: string }).server?.trim();
  return s ? normalizeServerUrl(s) : undefined;
}

/** The API client when this invocation goes through a server; undefined to run locally. */
export function remoteApi(command: GlobalsCommand): ApiClient | undefined {
  const server = serverOf(command);
  return server ? ApiClient.for(server) : undefined;
}

/** Refuses, before any work, a command that cannot go through the given server (or needs one). */
export function checkRemoteMode(name: string, command: GlobalsCommand): void {
  // A command without a row has not been looked at for remote use: refused rather than run here
  // against whatever this machine can reach.
  const mode = REMOTE_MODES[name] ?? refuse('it has not been made to work through a server');
  const server = serverOf(command);
  if (mode.mode === 'refuse' && server)
    throw usageError(`${name} does not go through a server (--server or SLIPWAY_SERVER is set)`, {
      hint: `${mode.why}. Leave out --server (unset SLIPWAY_SERVER) to run it here.`,
    });
  if (mode.mode === 'server' && !server)
    throw usageError(`${name} needs a server: give --server URL (or set SLIPWAY_SERVER)`);
}

/** Options a local run has that the API does not take: refused by name rather than dropped. */
export function refuseOptions(command: string, given: Record<string, boolean>): void {
  const bad = Object.entries(given)
    .filter(([, v]) => v)
    .map(([k]) => k);
  if (bad.length > 0)
    throw usageError(`${command} ${bad.join(', ')} runs only locally, not through a server`, {
      hint: 'Leave it out, or leave out --server (unset SLIPWAY_SERVER) to run the command here.',
    });
}
