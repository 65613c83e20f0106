// Errors as RFC 9457 problem details, mapped once: the status comes from the error hierarchy's table
// (shared/errors.ts), the body carries what the CLI prints (detail = explain(), hint, details,
// location) so an API client can show the same message. Anything that is not a SlipwayError is a bug
// and is answered as a `crash` without its stack.
import { ERROR_TYPES, SlipwayError } from '../shared/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errorType: string;
  hint?: string;
  details?: readonly string[];
  location?: unknown;
  data?: Record<string, unknown>;
}

export const PROBLEM_JSON = 'application/problem+json';

/** The problem document of an error; `crash` for anything that is not one of ours. */
export function toProblem(error: unknown): Problem {
  const e =
    error instanceof SlipwayError
      ? error
      : new SlipwayError('crash', error instanceof Error ? error.message : String(error));
  const row = ERROR_TYPES[e.type];
  return {
    type: `https://slipway.dev/problems/${e.type}`,
    title: row.title,
    status: row.httpStatus,
    detail: e.message,
    errorType: e.type,
    ...(e.hint ? { hint: e.hint } : {}),
    ...(e.details.length > 0 ? { details: e.details } : {}),
    ...(e.location ? { location: e.location } : {}),
    ...(e.data ? { data: e.data } : {}),
  };
}

/** A problem+json Response. */
export function problemResponse(error: unknown): Response {
  const p = toProblem(error);
  const headers: Record<string, string> = { 'content-type': PROBLEM_JSON };
  // RFC 6750: a 401 says which scheme to use, and whether the token given was the problem.
  if (p.errorType === 'unauthenticated')
    headers['www-authenticate'] =
      `Bearer realm="slipway"${p.data?.['invalidToken'] ? ', error="invalid_token"' : ''}`;
  return new Response(JSON.stringify(p), { status: p.status, headers });
}
