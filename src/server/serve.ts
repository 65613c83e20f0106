// Runs the API on a port: @hono/node-server, loopback by default, closed cleanly on SIGINT/SIGTERM.
// The GitOps sync, when configured, starts with the server and stops before it closes.
// Releases in flight when the process ends stay recorded in the cluster (pending, with their lock);
// the next server (or `slipway resume`) finds and finishes them.
import { type ServerType, serve } from '@hono/node-server';
import { createApp } from './app.ts';
import type { ServerDeps } from './deps.ts';
import type { Leadership } from './leader.ts';
import { StatusCache } from './status-cache.ts';
import { type LeaderWorkOptions, startLeaderWork } from './workers.ts';

export interface RunningServer {
  url: string;
  /** With `leader`: whether this replica leads the release workers (workers.ts). */
  leadership?: Leadership | undefined;
  close(): Promise<void>;
}

export async function startServer(
  deps: ServerDeps,
  o: { host?: string; port?: number; leader?: LeaderWorkOptions } = {},
): Promise<RunningServer> {
  // Status answers come from watches (status-cache.ts); a cache the caller brings is the caller's to stop.
  const ownCache = deps.statusCache ? undefined : new StatusCache(deps.connect);
  if (ownCache) deps.statusCache = ownCache;
  const app = createApp(deps);
  const host = o.host ?? '127.0.0.1';
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 0 }, (info) => resolve(info.port));
    server.once('error', reject);
  });
  const s = server!;
  // Leader election and the leader's release workers (resume interrupted releases, notifier).
  const leader = o.leader ? startLeaderWork(deps, o.leader) : undefined;
  if (leader) deps.leadership = leader.leadership;
  deps.gitops?.start(deps);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    leadership: leader?.leadership,
    close: async () => {
      // The leader's workers end first, then its lease is given up: a follower takes over at once.
      await leader?.stop();
      // No new sync starts; one in progress ends (its release is recorded in the cluster either way).
      await deps.gitops?.stop();
      if (ownCache) {
        ownCache.stop();
        if (deps.statusCache === ownCache) deps.statusCache = undefined;
      }
      await new Promise<void>((resolve) => {
        // SSE streams stay open until their run ends: end them so close() does not wait for that.
        (s as { closeAllConnections?: () => void }).closeAllConnections?.();
        s.close(() => resolve());
      });
    },
  };
}
