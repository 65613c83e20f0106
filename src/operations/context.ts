// One context per user-level operation (as Argo Rollouts builds one rolloutContext per reconcile): the
// platform, the store, who acts and how we know it, the clock, and how to reach an environment's
// cluster. The CLI builds it once per command; `slipway serve` will build it once per request with an
// authenticated identity. Nothing here does I/O by itself.
import type { LoadedPlatform } from '../config/load.ts';
import type { KubeClient } from '../kube/client.ts';
import { type Grants, personOf } from '../promotion/roles.ts';
import type { ReleaseEvents } from '../release/types.ts';
import type { StateStore } from '../store/types.ts';
import { anchorAuditWrites } from './audit-anchor.ts';

/**
 * Who acts. `authenticated: false` for the CLI (a name from SLIPWAY_USER or git, not proof). The server's
 * callers may bring groups from their identity provider, or a scoped API token's limits (Grants).
 */
export interface Identity extends Grants {
  /** The name the person goes by: a `people:` key, an email or a login. */
  name: string;
  authenticated: boolean;
  /** Where the name came from: SLIPWAY_USER, git, os, oidc, token… */
  source: string;
  /** The session or token used, for the audit log. */
  credential?: string;
}

/** How operations reach a cluster and report a release's progress. */
export interface ClusterAccess {
  /**
   * A client for the environment's namespace. `start: false` answers undefined rather than starting a
   * local cluster that is not running (reads that change nothing).
   */
  connect(
    platform: LoadedPlatform,
    environment: string,
    o?: { start?: boolean },
  ): Promise<KubeClient | undefined>;
  /** Progress events of one service's release. */
  events(service: string): ReleaseEvents;
}

export interface OperationContext {
  platform: LoadedPlatform;
  store: StateStore;
  identity: Identity;
  /** The identity as roles, four eyes and the audit log see it: the `people:` key when known. */
  user: string;
  now: Date;
  cluster: ClusterAccess;
}

/** The context's store anchors each audit entry in the cluster after writing it (audit-anchor.ts). */
export function operationContext(o: Omit<OperationContext, 'user'>): OperationContext {
  const store = anchorAuditWrites(o.store, {
    connect: (environment) => o.cluster.connect(o.platform, environment, { start: false }),
    defaultEnvironment: o.platform.environments[0]?.name,
    report: (line) => o.cluster.events('audit').log(line),
  });
  return { ...o, store, user: personOf(o.platform, o.identity.name) ?? o.identity.name };
}

/** The identity facts every audit entry carries beside the actor. */
export function actorDetail(ctx: OperationContext): Record<string, unknown> {
  return {
    identity: {
      source: ctx.identity.source,
      authenticated: ctx.identity.authenticated,
      ...(ctx.identity.credential ? { credential: ctx.identity.credential } : {}),
      ...(ctx.identity.name !== ctx.user ? { name: ctx.identity.name } : {}),
    },
  };
}
