// The CLI's client of the slipway API (docs/server.md): JSON requests with the bearer token, problem+json
// answers turned back into the SlipwayError the server raised (same type, so the same exit code and
// message as a local run), and a run's server-sent events read as they arrive.
import { ERROR_TYPES, type ErrorType, SlipwayError } from '../../shared/errors.ts';
import { tokenFor } from './credentials.ts';

export interface ProblemBody {
  detail?: string;
  errorType?: string;
  hint?: string;
  details?: string[];
  location?: { file: string; line?: number; column?: number; path?: string };
  data?: Record<string, unknown>;
  status?: number;
}

export interface RunView {
  id: string;
  kind: string;
  environment: string;
  service?: string;
  startedBy: string;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: string;
  endedAt?: string;
  result?: unknown;
  error?: ProblemBody;
}

export interface RunEvent {
  seq: number;
  at: string;
  type: 'step' | 'progress' | 'log' | 'measurement' | 'end';
  service?: string;
  data: unknown;
}

const isErrorType = (t: unknown): t is ErrorType => typeof t === 'string' && Object.hasOwn(ERROR_TYPES, t);

/** The SlipwayError a problem document stands for; 401 and 403 say what to do from a terminal. */
export function problemError(p: ProblemBody, server: string, status = p.status ?? 500): SlipwayError {
  const type: ErrorType = isErrorType(p.errorType)
    ? p.errorType
    : status === 401
      ? 'unauthenticated'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'notFound'
          : 'failed';
  let hint = p.hint;
  if (type === 'unauthenticated')
    hint = `Run \`slipway login --server ${server}\`, or set SLIPWAY_TOKEN to an API token (\`slipway token create\`).`;
  return new SlipwayError(type, p.detail ?? `the server answered ${status}`, {
    ...(hint ? { hint } : {}),
    ...(p.details ? { details: p.details } : {}),
    ...(p.location ? { location: p.location } : {}),
    data: { ...(p.data ?? {}), server },
  });
}

export class ApiClient {
  constructor(
    readonly server: string,
    private readonly token: string | undefined,
  ) {}

  /** A client for `server` with SLIPWAY_TOKEN or the stored login (none: the server answers 401). */
  static for(server: string, env = process.env): ApiClient {
    return new ApiClient(server, tokenFor(server, env)?.token);
  }

  url(path: string): string {
    return `${this.server}/api/v1${path}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new SlipwayError('unreachable', `cannot reach the slipway server at ${this.server}`, {
        details: [cause?.code ?? cause?.message ?? (e as Error).message],
        hint: 'Check --server (or SLIPWAY_SERVER) and that `slipway serve` runs there.',
        data: { server: this.server, serverUnreachable: true },
      });
    }
  }

  /** One JSON call; a problem answer is thrown as its SlipwayError. Answers the status and body. */
  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.fetch(this.url(path), {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const p = (
        parsed && typeof parsed === 'object' ? parsed : { detail: text.slice(0, 300) }
      ) as ProblemBody;
      throw problemError(p, this.server, res.status);
    }
    if (parsed === undefined && text)
      throw new SlipwayError('failed', `${this.server} answered ${method} ${path} with something not JSON`, {
        hint: 'Is --server the URL of `slipway serve`?',
      });
    return { status: res.status, body: parsed as T };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.call<T>('GET', path)).body;
  }

  async post<T>(path: string, body: unknown = {}): Promise<{ status: number; body: T }> {
    return await this.call<T>('POST', path, body);
  }

  /**
   * The events of a run after `after`, as the server sends them, until the run's end event, the
   * stream's end, or `signal`.
   */
  async *events(id: string, after: number, signal: AbortSignal): AsyncGenerator<RunEvent> {
    const res = await this.fetch(this.url(`/runs/${encodeURIComponent(id)}/events?after=${after}`), {
      headers: this.headers({ accept: 'text/event-stream' }),
      signal,
    });
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as ProblemBody;
      throw problemError(p, this.server, res.status);
    }
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data) yield JSON.parse(data) as RunEvent;
      }
    }
  }
}
