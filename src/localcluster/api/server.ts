// The local cluster's Kubernetes API server: plain node:http on a loopback address, discovery and
// OpenAPI for kubectl, resource CRUD/patch/watch over the ObjectStore, and fault injection for tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../../shared/kube-types.ts';
import {
  AGGREGATED_CONTENT_TYPE,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiVersions,
  openapiGroupVersion,
  openapiRoot,
  resourceList,
  VERSION_INFO,
} from '../resources/discovery.ts';
import { ApiStatusError } from '../store/errors.ts';
import type { ObjectStore } from '../store/types.ts';
import { type Authn, checkAccess } from './authn.ts';
import { createContext, type HandlerContext, type LogsProvider } from './context.ts';
import { parseResourcePath, sendError, sendJson, statusFor } from './http.ts';
import { handleResource } from './resource-handler.ts';
import type { WatchRegistry } from './watch.ts';

export type { AuditEvent, Authn } from './authn.ts';
export type { LogOptions, LogsProvider } from './context.ts';

export interface Fault {
  status: 409 | 429 | 500 | 503;
  /** How many matching requests get the fault. */
  count: number;
  match?: { method?: string; pathPrefix?: string };
}

export interface ApiServerOptions {
  store: ObjectStore;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  validate?: (obj: KubeObject) => Array<{ path: string; message: string }>;
  logs?: LogsProvider;
  /** How often watches with allowWatchBookmarks get a BOOKMARK (default 5000 ms). */
  bookmarkIntervalMs?: number;
  /** ServiceAccount tokens and RBAC (authn.ts); without it every request is the admin's. */
  authn?: Authn;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
  setFault(f: Fault | undefined): void;
  /** Ends every open watch connection (clients see the stream end and re-watch). */
  dropWatches(): void;
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const host = o.host ?? '127.0.0.1';
  if (!/^127\.|^::1$|^localhost$/.test(host))
    throw new Error(`the local cluster only listens on loopback, not ${host}`);
  const ctx = createContext(o.store, o.validate, o.logs);
  const watches: WatchRegistry = { open: new Set(), bookmarkIntervalMs: o.bookmarkIntervalMs ?? 5000 };
  let fault: Fault | undefined;

  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((e) => sendError(res, e));
  });
  server.keepAliveTimeout = 60_000;

  async function handle(c: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (fault && fault.count > 0) {
      const m = fault.match;
      if (
        (!m?.method || m.method.toUpperCase() === req.method) &&
        (!m?.pathPrefix || path.startsWith(m.pathPrefix))
      ) {
        fault.count--;
        const err = statusFor(fault.status);
        if (fault.count <= 0) fault = undefined;
        req.resume();
        const headers: Record<string, string> = err.code === 429 ? { 'Retry-After': '1' } : {};
        return sendJson(res, err.code, err.toStatus(), headers);
      }
    }
    if (o.authn) checkAccess(o.authn, c.store, req, path, url.searchParams);
    if (req.method === 'GET') {
      const found = discovery(c, path, req, res, `${host}:${port}`);
      if (found) return;
    }
    const route = parseResourcePath(path, (g, v, p) =>
      c.store.resourceTypes().some((t) => t.group === g && t.version === v && t.plural === p && t.namespaced),
    );
    if (!route?.plural)
      throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
    await handleResource(c, route, req, res, url.searchParams, watches);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const dropWatches = () => {
    for (const res of [...watches.open]) {
      watches.open.delete(res);
      res.end();
    }
  };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    setFault: (f) => {
      fault = f ? { ...f } : undefined;
    },
    dropWatches,
    close: () =>
      new Promise<void>((resolve) => {
        dropWatches();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers discovery, OpenAPI, version and health paths; false when the path is not one. */
function discovery(
  c: HandlerContext,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  hostPort: string,
): boolean {
  const aggregated = (req.headers.accept ?? '').includes('as=APIGroupDiscoveryList');
  const answer = (body: unknown) => {
    sendJson(res, 200, body);
    return true;
  };
  const segs = path.split('/').filter(Boolean);
  switch (path) {
    case '/version':
      return answer(VERSION_INFO);
    case '/healthz':
    case '/readyz':
    case '/livez':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return true;
    case '/api':
      if (aggregated) {
        sendJson(res, 200, aggregatedDiscovery(c.infos(), true), { 'Content-Type': AGGREGATED_CONTENT_TYPE });
        return true;
      }
      return answer(apiVersions(hostPort));
    case '/apis':
      if (aggregated) {
        sendJson(res, 200, aggregatedDiscovery(c.infos(), false), {
          'Content-Type': AGGREGATED_CONTENT_TYPE,
        });
        return true;
      }
      return answer(apiGroupList(c.infos()));
    case '/openapi/v3':
      return answer(openapiRoot(c.infos()));
    case '/openapi/v2':
      throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    const [group, version] = segs[2] === 'api' ? ['', segs[3]] : [segs[3], segs[4]];
    const doc = openapiGroupVersion(c.infos(), group ?? '', version ?? '');
    if (!doc) throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
    return answer(doc);
  }
  if (segs[0] === 'api' && segs.length === 2) {
    const doc = resourceList(c.infos(), '', segs[1] as string);
    if (doc) return answer(doc);
  }
  if (segs[0] === 'apis' && segs.length === 2) {
    const doc = apiGroup(c.infos(), segs[1] as string);
    if (doc) return answer(doc);
  }
  if (segs[0] === 'apis' && segs.length === 3) {
    const doc = resourceList(c.infos(), segs[1] as string, segs[2] as string);
    if (doc) return answer(doc);
  }
  return false;
}
