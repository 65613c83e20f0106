// Small HTTP helpers for the API server: body reading, JSON and Status answers, request parsing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiStatusError, badRequest, STATUS_REASONS } from '../store/errors.ts';
import { decodeProtobufObject } from './protobuf.ts';

const MAX_BODY = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new ApiStatusError(413, 'RequestEntityTooLarge', 'request entity too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseBody(body: Buffer, contentType: string): unknown {
  if (contentType.includes('protobuf')) return decodeProtobufObject(body);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (/yaml/.test(contentType)) return parseYaml(text, { maxAliasCount: 100 });
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded: ${(e as Error).message}`);
  }
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const e =
    err instanceof ApiStatusError
      ? err
      : new ApiStatusError(
          500,
          'InternalError',
          `Internal error occurred: ${(err as Error)?.message ?? String(err)}`,
        );
  sendJson(res, e.code, e.toStatus());
}

export function statusFor(code: number, message?: string): ApiStatusError {
  const reason = STATUS_REASONS[code as keyof typeof STATUS_REASONS] ?? 'InternalError';
  return new ApiStatusError(code, reason, message ?? `injected fault: ${reason}`);
}

/** A request for a resource, parsed from its URL. */
export interface ResourceRoute {
  group: string;
  version: string;
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

/**
 * Parses `/api/v1/...` and `/apis/<g>/<v>/...`. `isNamespaced(plural)` tells whether
 * `namespaces/<ns>/<plural>` is a namespaced resource (otherwise it is the Namespace itself).
 */
export function parseResourcePath(
  path: string,
  isKnown: (group: string, version: string, plural: string) => boolean,
): ResourceRoute | undefined {
  const segs = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1] as string;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1] as string;
    version = segs[2] as string;
    rest = segs.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && isKnown(group, version, rest[2] as string)) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  return { group, version, namespace, plural: rest[0] as string, name: rest[1], subresource: rest[2] };
}
