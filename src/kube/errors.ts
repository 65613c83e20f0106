// Turns what a Kubernetes API (or the network in front of it) answers into SlipwayErrors that say
// what failed on which object and what to do. Pure: no I/O, so every mapping is unit-tested.
import { SlipwayError } from '../shared/errors.ts';

/** A non-2xx answer from the API server: the HTTP code, its headers and the body as sent. */
export class KubeHttpError extends Error {
  readonly code: number;
  readonly body: string;
  readonly headers: Record<string, string>;
  constructor(code: number, body: string, headers: Record<string, string> = {}) {
    super(`HTTP ${code}`);
    this.name = 'KubeHttpError';
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

/** The parts of a metav1.Status body slipway uses. */
export interface ApiStatus {
  code: number;
  reason?: string;
  message?: string;
  causes: Array<{ field?: string; message?: string; reason?: string }>;
  retryAfterSeconds?: number;
}

/** Parses a Status body (a JSON string, or already parsed as client-node's ApiException.body may be). */
export function parseStatus(code: number, body: unknown): ApiStatus {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      const text = body.trim();
      return { code, causes: [], ...(text ? { message: text.slice(0, 500) } : {}) };
    }
  }
  const s = (parsed ?? {}) as Record<string, unknown>;
  const details = (s.details ?? {}) as Record<string, unknown>;
  const causes = Array.isArray(details.causes) ? (details.causes as ApiStatus['causes']) : [];
  const status: ApiStatus = { code: typeof s.code === 'number' ? s.code : code, causes };
  if (typeof s.reason === 'string') status.reason = s.reason;
  if (typeof s.message === 'string') status.message = s.message;
  if (typeof details.retryAfterSeconds === 'number') status.retryAfterSeconds = details.retryAfterSeconds;
  return status;
}

/** Network failures that mean "there is no API server there" (or it does not answer). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'SLIPWAY_REQUEST_TIMEOUT',
]);

/** Failures worth one more try: the connection broke mid-request. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'SLIPWAY_SOCKET_HANGUP']);

export function networkCode(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const err = e as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof err.code === 'string') return err.code;
  if (typeof err.message === 'string' && /socket hang up/.test(err.message)) return 'SLIPWAY_SOCKET_HANGUP';
  if (err.cause) return networkCode(err.cause);
  return undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  SLIPWAY_REQUEST_TIMEOUT: 'no answer in time',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  SLIPWAY_SOCKET_HANGUP: 'connection closed',
};

/** What an operation was doing, for messages: "apply Deployment/shop/booking". */
export interface KubeOperation {
  verb: string;
  /** `Kind/namespace/name`, or `Kinds in namespace` for lists. */
  what: string;
  server: string;
  context: string | undefined;
}

export interface RetryDecision {
  retry: boolean;
  /** Milliseconds the server asked us to wait (Retry-After), if it did. */
  afterMs?: number;
}

/**
 * Whether a failed request may be sent again. Non-idempotent requests (POST) are retried only when
 * the server refused them (429, 503), never after a broken connection or a 500. `conflictRetry` is for requests whose 409 is not an
 * answer for the caller (apply, merge patch without a resourceVersion): field-manager conflicts and
 * AlreadyExists are never retried because another try cannot change their outcome.
 */
export function retryDecision(
  e: unknown,
  o: { conflictRetry: boolean; idempotent?: boolean },
): RetryDecision {
  const idempotent = o.idempotent ?? true;
  if (e instanceof KubeHttpError) {
    const status = parseStatus(e.code, e.body);
    const afterMs = retryAfterMs(e.headers['retry-after'], status.retryAfterSeconds);
    const withAfter = (retry: boolean): RetryDecision =>
      afterMs === undefined ? { retry } : { retry, afterMs };
    // A create that may have been carried out must not be sent twice: only refusals are retried.
    if (!idempotent) return withAfter(e.code === 429 || e.code === 503);
    if (e.code === 429 || e.code === 500 || e.code === 502 || e.code === 503 || e.code === 504)
      return withAfter(true);
    if (e.code === 409 && o.conflictRetry) {
      if (status.reason === 'AlreadyExists' || isFieldManagerConflict(status.message))
        return { retry: false };
      return withAfter(true);
    }
    return { retry: false };
  }
  const code = networkCode(e);
  return { retry: idempotent && code !== undefined && TRANSIENT_NETWORK_CODES.has(code) };
}

export function isFieldManagerConflict(message: string | undefined): boolean {
  return message !== undefined && /Apply failed with|conflicts? with "/.test(message);
}

function retryAfterMs(header: string | undefined, seconds: number | undefined): number | undefined {
  if (header !== undefined) {
    const n = Number(header);
    if (Number.isFinite(n) && n >= 0) return n * 1000;
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return seconds !== undefined && seconds >= 0 ? seconds * 1000 : undefined;
}

function contextWords(op: KubeOperation): string {
  return op.context ? ` (context "${op.context}")` : '';
}

/** Maps any failure of one API operation to a SlipwayError naming the operation, object and server. */
export function toKubeError(e: unknown, op: KubeOperation): SlipwayError {
  if (e instanceof SlipwayError) return e;
  const httpLike = asHttpError(e);
  if (httpLike) return fromStatus(httpLike.code, parseStatus(httpLike.code, httpLike.body), op, e);
  const code = networkCode(e);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new SlipwayError(
      'unreachable',
      `the cluster at ${op.server} is unreachable (${NETWORK_WORDS[code] ?? code}${op.context ? `; context "${op.context}"` : ''}): cannot ${op.verb} ${op.what}`,
      {
        hint: 'Start the local cluster with `slipway cluster up`, or check the kubeconfig (server address, context) and that the cluster is running.',
        cause: e,
        data: { server: op.server, context: op.context, code },
      },
    );
  }
  const message = e instanceof Error ? e.message : String(e);
  return new SlipwayError(
    'api',
    `cannot ${op.verb} ${op.what} at ${op.server}${contextWords(op)}: ${message}`,
    {
      cause: e,
      data: { server: op.server, context: op.context },
    },
  );
}

/**
 * Whether a failure (raw, or as toKubeError made it) means nothing listens at the API address any more:
 * a refused connection. A release treats it as the end of the cluster rather than a passing hiccup.
 */
export function isConnectionRefused(e: unknown): boolean {
  if (e instanceof SlipwayError) {
    if (e.type !== 'unreachable') return false;
    const data = e.data as { code?: unknown } | undefined;
    return data?.code === 'ECONNREFUSED' || networkCode(e.cause) === 'ECONNREFUSED';
  }
  return networkCode(e) === 'ECONNREFUSED';
}

/** KubeHttpError, or client-node's ApiException (`code` + `body`), duck-typed so it needs no import. */
function asHttpError(e: unknown): { code: number; body: unknown } | undefined {
  if (e instanceof KubeHttpError) return e;
  if (e && typeof e === 'object' && 'code' in e && 'body' in e) {
    const { code, body } = e as { code: unknown; body: unknown };
    if (typeof code === 'number' && code >= 300) return { code, body };
  }
  return undefined;
}

function fromStatus(code: number, s: ApiStatus, op: KubeOperation, cause: unknown): SlipwayError {
  const said = s.message ? `: ${s.message}` : '';
  const data = { server: op.server, context: op.context, code, ...(s.reason ? { reason: s.reason } : {}) };
  if (code === 401 || code === 403) {
    return new SlipwayError('forbidden', `not permitted to ${op.verb} ${op.what}${said}`, {
      hint:
        code === 401
          ? `The credentials for ${op.server}${contextWords(op)} were refused; log in again or check the kubeconfig user.`
          : 'Ask a cluster administrator for the RBAC permission, or use a context with a user that has it.',
      cause,
      data,
    });
  }
  if (code === 404) {
    return new SlipwayError('notFound', `cannot ${op.verb} ${op.what}: not found${said}`, { cause, data });
  }
  if (code === 409) {
    const fieldConflict = isFieldManagerConflict(s.message);
    const hint = fieldConflict
      ? 'Another field manager owns these fields; take them over with --force-conflicts or change them with the tool that owns them.'
      : s.reason === 'AlreadyExists'
        ? undefined
        : 'The object changed while slipway was writing it; run the command again.';
    return new SlipwayError('conflict', `cannot ${op.verb} ${op.what}${said || ': conflict'}`, {
      ...(hint ? { hint } : {}),
      cause,
      data,
    });
  }
  if (code === 422 || (code === 400 && s.causes.length > 0)) {
    const details = s.causes.map((c) =>
      c.field ? `${c.field}: ${c.message ?? c.reason ?? 'invalid'}` : (c.message ?? 'invalid'),
    );
    return new SlipwayError('manifest', `the cluster rejected ${op.what}${said}`, {
      details,
      hint: 'Fix the fields named above in the values or chart, then run `slipway render` to check the result.',
      cause,
      data: { ...data, fields: s.causes.map((c) => c.field).filter((f) => f !== undefined) },
    });
  }
  if (code === 410) {
    return new SlipwayError('api', `cannot ${op.verb} ${op.what}: the resourceVersion is too old${said}`, {
      cause,
      data,
    });
  }
  const reason = s.reason ? ` ${s.reason}` : '';
  const busy = code === 429 || code >= 500;
  return new SlipwayError(
    'api',
    `cannot ${op.verb} ${op.what}: the Kubernetes API at ${op.server} answered ${code}${reason}${said}`,
    {
      ...(busy ? { hint: 'The API server is overloaded or failing; try again shortly.' } : {}),
      cause,
      data,
    },
  );
}
