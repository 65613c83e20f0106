// Watch over HTTP: newline-delimited JSON events, headers flushed at once, optional BOOKMARKs,
// timeoutSeconds, Table rows for kubectl get -w, and a registry so tests can drop connections.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, WatchEvent } from '../../shared/kube-types.ts';
import type { ResourceInfo } from '../resources/builtin.ts';
import { toTable } from '../resources/table.ts';
import { ApiStatusError } from '../store/errors.ts';
import type { ObjectStore } from '../store/types.ts';
import { queryBool } from './query.ts';

const MAX_BUFFERED = 16 * 1024 * 1024;

export interface WatchRegistry {
  open: Set<ServerResponse>;
  bookmarkIntervalMs: number;
}

export function serveWatch(
  store: ObjectStore,
  info: ResourceInfo,
  namespace: string | undefined,
  query: URLSearchParams,
  asTable: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  registry: WatchRegistry,
  /** How a client sees an object (managedFields added); identity when not given. */
  present: (o: KubeObject) => KubeObject = (o) => o,
): void {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  registry.open.add(res);
  let first = true;
  const encode = (e: WatchEvent): string => {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR') return `${JSON.stringify(e)}\n`;
    if (!asTable) return `${JSON.stringify({ type: e.type, object: present(e.object) })}\n`;
    const table = toTable(
      info.group,
      info.kind,
      [e.object],
      { resourceVersion: e.object.metadata.resourceVersion ?? '' },
      {
        noHeaders: !first,
        includeObject: query.get('includeObject') ?? 'Metadata',
      },
    );
    first = false;
    return `${JSON.stringify({ type: e.type, object: table })}\n`;
  };
  const write = (e: WatchEvent) => {
    if (res.writableEnded) return;
    // A client that stops reading is cut off (it re-watches from its last resourceVersion),
    // as Kubernetes does, instead of buffering without bound.
    if (res.writableLength > MAX_BUFFERED) {
      finish();
      return;
    }
    res.write(encode(e));
  };
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  let bookmark: NodeJS.Timeout | undefined;
  const finish = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    for (const t of timers) clearTimeout(t);
    if (bookmark) clearTimeout(bookmark);
    registry.open.delete(res);
    if (!res.writableEnded) res.end();
  };
  req.on('close', finish);
  res.on('close', finish);
  const options: Parameters<ObjectStore['watch']>[1] = {};
  if (namespace) options.namespace = namespace;
  const ls = query.get('labelSelector');
  if (ls) options.labelSelector = ls;
  const fs = query.get('fieldSelector');
  if (fs) options.fieldSelector = fs;
  const rv = query.get('resourceVersion');
  const initialEvents = queryBool(query, 'sendInitialEvents');
  // With sendInitialEvents (the watch-list protocol) the current state comes first as ADDED events.
  if (rv && !initialEvents) options.resourceVersion = rv;
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  try {
    unsubscribe = store.watch(info, options, write);
    if (initialEvents) {
      write({
        type: 'BOOKMARK',
        object: {
          kind: info.kind,
          apiVersion,
          metadata: {
            resourceVersion: store.currentResourceVersion(),
            annotations: { 'k8s.io/initial-events-end': 'true' },
          },
        },
      });
    }
  } catch (e) {
    const err = e instanceof ApiStatusError ? e : new ApiStatusError(500, 'InternalError', String(e));
    write({ type: 'ERROR', object: err.toStatus() as unknown as KubeObject });
    finish();
    return;
  }
  const timeout = Number(query.get('timeoutSeconds') ?? '0');
  // Kubernetes ends watches after a randomised 30–60 min; clients re-watch.
  const limitMs = timeout > 0 ? timeout * 1000 : 30 * 60_000;
  timers.push(setTimeout(finish, limitMs));
  if (queryBool(query, 'allowWatchBookmarks')) {
    const tick = () => {
      write({
        type: 'BOOKMARK',
        object: {
          kind: info.kind,
          apiVersion,
          metadata: { resourceVersion: store.currentResourceVersion() },
        },
      });
      bookmark = setTimeout(tick, registry.bookmarkIntervalMs).unref();
    };
    bookmark = setTimeout(tick, registry.bookmarkIntervalMs).unref();
  }
}
