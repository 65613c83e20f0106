// One handler for every resource URL: list/watch/get/create/replace/patch/delete, the status and
// scale subresources, and pod logs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../shared/kube-types.ts';
import { recordUpdate } from '../patch/apply.ts';
import type { JsonObject } from '../patch/merge-keys.ts';
import type { ResourceInfo } from '../resources/builtin.ts';
import { toTable } from '../resources/table.ts';
import { ApiStatusError, badRequest, notFound } from '../store/errors.ts';
import type { ListOptions } from '../store/types.ts';
import type { HandlerContext } from './context.ts';
import { parseBody, type ResourceRoute, readBody, sendJson } from './http.ts';
import { queryBool } from './query.ts';
import { serveWatch, type WatchRegistry } from './watch.ts';
import {
  createObject,
  deleteObject,
  isDryRun,
  PATCH_TYPES,
  patchedDocument,
  patchObject,
  replaceObject,
  type WriteRequest,
} from './writes.ts';

const methodNotAllowed = (method: string) =>
  new ApiStatusError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );

function wantsTable(req: IncomingMessage): boolean {
  return /as=Table/.test(req.headers.accept ?? '');
}

function warningHeaders(warnings: string[]): Record<string, string[]> {
  if (!warnings.length) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

function managerOf(req: IncomingMessage, q: URLSearchParams): string {
  const fm = q.get('fieldManager');
  if (fm) return fm;
  const ua = req.headers['user-agent'] ?? '';
  return ua.split('/')[0] || 'unknown';
}

export async function handleResource(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  watches: WatchRegistry,
): Promise<void> {
  const type = ctx.store
    .resourceTypes()
    .find((t) => t.group === route.group && t.version === route.version && t.plural === route.plural);
  if (!type) throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
  const info = ctx.infoOf(type);
  const method = req.method ?? 'GET';
  const { name, subresource } = route;
  const namespace = info.namespaced ? route.namespace : undefined;
  if (subresource && !info.subresources.includes(subresource as 'status')) {
    throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const r: WriteRequest = {
    info,
    namespace,
    name,
    subresource,
    query,
    manager: managerOf(req, query),
    warnings: [],
  };
  const contentType = req.headers['content-type'] ?? 'application/json';

  if (name === undefined) {
    if (method === 'GET') {
      if (queryBool(query, 'watch')) {
        serveWatch(ctx.store, info, namespace, query, wantsTable(req), req, res, watches, ctx.present);
        return;
      }
      return list(ctx, info, namespace, query, req, res);
    }
    if (method === 'POST') {
      const obj = createObject(ctx, r, parseBody(await readBody(req), contentType));
      return sendJson(res, 201, obj, warningHeaders(r.warnings));
    }
    if (method === 'DELETE') return deleteCollection(ctx, r, namespace, res);
    throw methodNotAllowed(method);
  }

  if (subresource === 'log') {
    if (method !== 'GET') throw methodNotAllowed(method);
    return serveLogs(ctx, info, namespace ?? '', name, query, req, res);
  }
  if (subresource === 'scale') return scale(ctx, r, method, contentType, req, res);

  switch (method) {
    case 'GET': {
      const obj = ctx.store.get(info, namespace, name);
      if (!obj) throw notFound(info.group, info.plural, name);
      if (wantsTable(req)) {
        return sendJson(
          res,
          200,
          toTable(
            info.group,
            info.kind,
            [obj],
            { resourceVersion: obj.metadata.resourceVersion ?? '' },
            tableOptions(query),
          ),
        );
      }
      return sendJson(res, 200, ctx.present(obj));
    }
    case 'PUT': {
      const obj = replaceObject(ctx, r, parseBody(await readBody(req), contentType));
      return sendJson(res, 200, obj, warningHeaders(r.warnings));
    }
    case 'PATCH': {
      const body = parseBody(await readBody(req), contentType);
      const { object, created } = patchObject(ctx, r, contentType, body);
      return sendJson(res, created ? 201 : 200, object, warningHeaders(r.warnings));
    }
    case 'DELETE': {
      const text = await readBody(req);
      const { object, gone } = deleteObject(ctx, r, parseBody(text, contentType));
      if (!gone) return sendJson(res, 200, ctx.present(object));
      return sendJson(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: info.group, kind: info.plural, uid: object.metadata.uid },
      });
    }
    default:
      throw methodNotAllowed(method);
  }
}

function tableOptions(query: URLSearchParams) {
  const io = query.get('includeObject');
  return io ? { includeObject: io } : {};
}

function list(
  ctx: HandlerContext,
  info: ResourceInfo,
  namespace: string | undefined,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const opts: ListOptions = {};
  if (namespace) opts.namespace = namespace;
  const ls = query.get('labelSelector');
  if (ls) opts.labelSelector = ls;
  const fs = query.get('fieldSelector');
  if (fs) opts.fieldSelector = fs;
  const limit = Number(query.get('limit') ?? '0');
  if (limit > 0) opts.limit = limit;
  const cont = query.get('continue');
  if (cont) opts.continue = cont;
  const result = ctx.store.list(info, opts);
  const meta: { resourceVersion: string; continue?: string } = { resourceVersion: result.resourceVersion };
  if (result.continue) meta.continue = result.continue;
  if (wantsTable(req)) {
    sendJson(res, 200, toTable(info.group, info.kind, result.items, meta, tableOptions(query)));
    return;
  }
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const items = result.items.map(ctx.present);
  sendJson(res, 200, { kind: `${info.kind}List`, apiVersion, metadata: meta, items });
}

function deleteCollection(
  ctx: HandlerContext,
  r: WriteRequest,
  namespace: string | undefined,
  res: ServerResponse,
): void {
  const opts: ListOptions = {};
  if (namespace) opts.namespace = namespace;
  const ls = r.query.get('labelSelector');
  if (ls) opts.labelSelector = ls;
  const fs = r.query.get('fieldSelector');
  if (fs) opts.fieldSelector = fs;
  const items = ctx.store.list(r.info, opts).items;
  const deleted: KubeObject[] = [];
  for (const o of items) {
    try {
      deleted.push(
        ctx.store.delete(r.info, o.metadata.namespace, o.metadata.name as string, {
          dryRun: isDryRun(r.query),
        }),
      );
    } catch (e) {
      if (!(e instanceof ApiStatusError && e.code === 404)) throw e;
    }
  }
  const apiVersion = r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version;
  sendJson(res, 200, {
    kind: `${r.info.kind}List`,
    apiVersion,
    metadata: { resourceVersion: ctx.store.currentResourceVersion() },
    items: deleted,
  });
}

function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const status = (obj.status ?? {}) as Record<string, unknown>;
  const matchLabels = ((spec.selector ?? {}) as { matchLabels?: Record<string, string> }).matchLabels ?? {};
  const m = obj.metadata;
  const metadata: KubeObject['metadata'] = { name: m.name as string };
  if (m.namespace) metadata.namespace = m.namespace;
  Object.assign(metadata, {
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
  });
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

async function scale(
  ctx: HandlerContext,
  r: WriteRequest,
  method: string,
  contentType: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const name = r.name as string;
  const obj = ctx.store.get(r.info, r.namespace, name);
  if (!obj) throw notFound(r.info.group, r.info.plural, name);
  const current = toScale(obj);
  if (method === 'GET') return sendJson(res, 200, current);
  if (method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed(method);
  const body = parseBody(await readBody(req), contentType);
  let next: KubeObject;
  if (method === 'PUT') next = body as KubeObject;
  else if (contentType.startsWith(PATCH_TYPES.apply))
    throw badRequest('apply is not supported on the scale subresource');
  else next = patchedDocument({ ...r.info, kind: 'Scale', custom: false }, current, contentType, body);
  const replicas = (next?.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiStatusError(
      422,
      'Invalid',
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      {
        name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: must be greater than or equal to 0',
            field: 'spec.replicas',
          },
        ],
      },
    );
  }
  const rv = next.metadata?.resourceVersion;
  const updated = structuredClone(obj);
  (updated.spec as Record<string, unknown>).replicas = replicas;
  const opts = { dryRun: isDryRun(r.query), ...(rv ? { resourceVersion: rv } : {}) };
  const written = ctx.store.update(r.info, updated, opts);
  if (!opts.dryRun) {
    const uid = written.metadata.uid as string;
    const kind = r.info.custom ? undefined : r.info.kind;
    ctx.setManagers(
      uid,
      recordUpdate(
        obj as unknown as JsonObject,
        written as unknown as JsonObject,
        r.manager,
        ctx.managersOf(uid),
        kind,
      ),
      {
        key: `update:${r.manager}`,
        apiVersion: r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version,
        changed: obj.metadata.resourceVersion !== written.metadata.resourceVersion,
      },
    );
  }
  sendJson(res, 200, toScale(written));
}

async function serveLogs(
  ctx: HandlerContext,
  info: ResourceInfo,
  namespace: string,
  name: string,
  query: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const pod = ctx.store.get(info, namespace, name);
  if (!pod) throw notFound(info.group, info.plural, name);
  const names = (((pod.spec ?? {}) as { containers?: Array<{ name: string }> }).containers ?? []).map(
    (c) => c.name,
  );
  let container = query.get('container') ?? undefined;
  if (!container) {
    if (names.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    }
    container = names[0] as string;
  } else if (!names.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const follow = queryBool(query, 'follow');
  const tail = query.get('tailLines');
  const opts = {
    follow,
    previous: queryBool(query, 'previous'),
    ...(tail ? { tailLines: Number(tail) } : {}),
  };
  const out = ctx.logs ? await ctx.logs(namespace, name, container, opts) : '';
  if (typeof out === 'string') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const it = out[Symbol.asyncIterator]();
  let closed = false;
  req.on('close', () => {
    closed = true;
    void it.return?.();
  });
  try {
    while (!closed) {
      const { value, done } = await it.next();
      if (done) break;
      res.write(value);
    }
  } finally {
    if (!res.writableEnded) res.end();
  }
}
