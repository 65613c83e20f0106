// Runs the API on a port: @hono/node-server, loopback by default, closed cleanly on SIGINT/SIGTERM.
// The GitOps sync, when configured, starts with the server and stops before it closes.
// Releases in flight when the process ends stay recorded in the cluster (pending, with their lock);
// the next server (or `slipway resume`) finds and finishes them.
import { type ServerType, serve } from '@hono/node-server';
import { createApp } from './app.ts';
import type { ServerDeps } from './deps.ts';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  deps: ServerDeps,
  o: { host?: string; port?: number } = {},
): Promise<RunningServer> {
  const app = createApp(deps);
  const host = o.host ?? '127.0.0.1';
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port: o.port ?? 0 }, (info) => resolve(info.port));
    server.once('error', reject);
  });
  const s = server!;
  deps.gitops?.start(deps);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: async () => {
      // No new sync starts; one in progress ends (its release is recorded in the cluster either way).
      await deps.gitops?.stop();
      await new Promise<void>((resolve) => {
        // SSE streams stay open until their run ends: end them so close() does not wait for that.
        (s as { closeAllConnections?: () => void }).closeAllConnections?.();
        s.close(() => resolve());
      });
    },
  };
}
