// One error hierarchy for the whole product. Every error a user can cause is a SlipwayError with a
// `type`; the CLI maps `type` to an exit code and the HTTP API maps it to a status, both through
// ERROR_TYPES below, so the mapping lives in exactly one place. Anything else that escapes is a bug
// and is reported as `crash`.

export const ERROR_TYPES = {
  usage: { exitCode: 2, httpStatus: 400, title: 'Usage error' },
  config: { exitCode: 2, httpStatus: 400, title: 'Invalid configuration' },
  values: { exitCode: 2, httpStatus: 400, title: 'Invalid values' },
  manifest: { exitCode: 2, httpStatus: 422, title: 'Invalid manifest' },
  policy: { exitCode: 1, httpStatus: 422, title: 'Policy check failed' },
  notFound: { exitCode: 2, httpStatus: 404, title: 'Not found' },
  unauthenticated: { exitCode: 1, httpStatus: 401, title: 'Not authenticated' },
  forbidden: { exitCode: 1, httpStatus: 403, title: 'Not permitted' },
  conflict: { exitCode: 1, httpStatus: 409, title: 'Conflict' },
  locked: { exitCode: 1, httpStatus: 423, title: 'Locked' },
  unreachable: { exitCode: 1, httpStatus: 502, title: 'Cluster unreachable' },
  api: { exitCode: 1, httpStatus: 502, title: 'Kubernetes API error' },
  failed: { exitCode: 1, httpStatus: 500, title: 'Operation failed' },
  timeout: { exitCode: 1, httpStatus: 504, title: 'Timed out' },
  crash: { exitCode: 70, httpStatus: 500, title: 'Internal error (a bug in slipway)' },
} as const;

export type ErrorType = keyof typeof ERROR_TYPES;

/** Where in a file a problem is: 1-based line and column, and the key path inside the document. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** Key path inside the document, e.g. `services.booking.strategy`. */
  path?: string;
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) {
    s += `:${loc.line}`;
    if (loc.column !== undefined) s += `:${loc.column}`;
  }
  return s;
}

export interface SlipwayErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  location?: SourceLocation;
  /** More problems of the same kind (e.g. every schema error of one file). */
  details?: readonly string[];
  cause?: unknown;
  /** Extra machine-readable data for --output json and the HTTP API. */
  data?: Record<string, unknown>;
}

export class SlipwayError extends Error {
  readonly type: ErrorType;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly details: readonly string[];
  readonly data: Record<string, unknown> | undefined;

  constructor(type: ErrorType, message: string, options: SlipwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlipwayError';
    this.type = type;
    this.hint = options.hint;
    this.location = options.location;
    this.details = options.details ?? [];
    this.data = options.data;
  }

  get exitCode(): number {
    return ERROR_TYPES[this.type].exitCode;
  }

  get httpStatus(): number {
    return ERROR_TYPES[this.type].httpStatus;
  }

  /** The one-paragraph text shown to a user: where, what, and what to do. */
  explain(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    const at = this.location?.path ? ` (at ${this.location.path})` : '';
    const lines = [`${where}${this.message}${at}`];
    for (const d of this.details) lines.push(`  - ${d}`);
    if (this.hint) lines.push(`hint: ${this.hint}`);
    return lines.join('\n');
  }

  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      message: this.message,
      ...(this.location ? { location: this.location } : {}),
      ...(this.details.length > 0 ? { details: this.details } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.data ? { data: this.data } : {}),
    };
  }
}

export function usageError(message: string, options?: SlipwayErrorOptions): SlipwayError {
  return new SlipwayError('usage', message, options);
}

export function configError(message: string, location: SourceLocation, options?: SlipwayErrorOptions) {
  return new SlipwayError('config', message, { ...options, location });
}

export function isSlipwayError(e: unknown): e is SlipwayError {
  return e instanceof SlipwayError;
}

/** Wraps anything thrown into a SlipwayError; non-SlipwayErrors are bugs and become `crash`. */
export function toSlipwayError(e: unknown): SlipwayError {
  if (isSlipwayError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new SlipwayError('crash', message, {
    cause: e,
    hint: 'This is a bug in slipway. Re-run with --debug for the stack trace and report it.',
  });
}

/**
 * Several problems found in one pass (e.g. every error in slipway.yaml): reported together so a user
 * fixes them all in one edit instead of one per run.
 */
export class SlipwayErrorList extends SlipwayError {
  readonly errors: readonly SlipwayError[];
  constructor(errors: readonly SlipwayError[]) {
    const first = errors[0];
    if (!first) throw new Error('SlipwayErrorList needs at least one error');
    super(first.type, errors.length === 1 ? first.message : `${errors.length} problems found`);
    this.errors = errors;
  }
  override explain(): string {
    if (this.errors.length === 1) return this.errors[0]!.explain();
    return this.errors.map((e) => e.explain()).join('\n');
  }
  override toJSON(): Record<string, unknown> {
    return { type: this.type, message: this.message, errors: this.errors.map((e) => e.toJSON()) };
  }
}

/** Levenshtein distance, for "did you mean" suggestions on unknown keys, commands and names. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}
