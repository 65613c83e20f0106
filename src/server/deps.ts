// What the server is built from: the platform it serves, its store, how to reach clusters, who may
// call it, and the registry of runs. `slipway serve` builds these from flags; tests build them with a
// local cluster and a real identity provider, and call the app in process (`app.request()`).
import type { LoadedPlatform } from '../config/load.ts';
import { type ClusterAccess, type OperationContext, operationContext } from '../operations/context.ts';
import { silentEvents } from '../release/types.ts';
import type { StateStore } from '../store/types.ts';
import type { Authenticator, Caller } from './auth.ts';
import type { GitopsController } from './gitops/controller.ts';
import type { Leadership } from './leader.ts';
import type { BrowserLogin } from './login.ts';
import type { ServerMetrics } from './metrics.ts';
import type { OneTimeLogin } from './one-time-login.ts';
import type { Run, RunRegistry } from './runs.ts';
import type { StatusCache } from './status-cache.ts';

export interface ServerDeps {
  /** The platform as it is now (the GitOps sync may reload it between requests). */
  platform(): LoadedPlatform;
  store: StateStore;
  connect: ClusterAccess['connect'];
  authenticators: readonly Authenticator[];
  /** Browser login (/auth/login, /auth/callback) when OIDC is configured; also among `authenticators`. */
  login?: BrowserLogin | undefined;
  /** The one-time links of `slipway demo` (one-time-login.ts); only the demo sets it. Also among `authenticators`. */
  oneTimeLogin?: OneTimeLogin | undefined;
  runs: RunRegistry;
  /** The GitOps sync when slipway.yaml has a gitops: section; started and stopped with the server. */
  gitops?: GitopsController | undefined;
  metrics: ServerMetrics;
  version: string;
  /**
   * Whether this replica leads (leader.ts), set by startServer when it elects one: work that must run
   * once among replicas (GitOps sync, notifications) asks `isLeader()` or `onLeadershipChange`.
   */
  leadership?: Leadership | undefined;
  /** Environment status from watches (status-cache.ts); without it every status request reads the cluster. */
  statusCache?: StatusCache | undefined;
}

/** The operation context of one request, acting as the authenticated caller; events go to `run`. */
export function contextFor(deps: ServerDeps, caller: Caller, run?: Run): OperationContext {
  return operationContext({
    platform: deps.platform(),
    store: deps.store,
    identity: caller,
    now: new Date(),
    cluster: {
      connect: deps.connect,
      events: (service) => (run ? run.releaseEvents(service) : silentEvents),
    },
  });
}
