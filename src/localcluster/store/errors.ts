// Kubernetes API errors as the local cluster raises them: every failure becomes a metav1.Status body
// with the HTTP code, reason and details kubectl and client-node parse.

export interface StatusCause {
  field?: string;
  message: string;
  reason?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export const STATUS_REASONS = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
} as const;

export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiStatusError';
  }

  /** The metav1.Status body the API server answers with. */
  toStatus(): Record<string, unknown> {
    const body: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
    };
    if (this.details) body.details = this.details;
    body.code = this.code;
    return body;
  }
}

/** `deployments.apps` / `pods`: how Kubernetes names a resource in messages. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(group: string, plural: string, name: string): ApiStatusError {
  return new ApiStatusError(404, 'NotFound', `${qualifiedResource(group, plural)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}

export function alreadyExists(group: string, plural: string, name: string): ApiStatusError {
  return new ApiStatusError(
    409,
    'AlreadyExists',
    `${qualifiedResource(group, plural)} "${name}" already exists`,
    { name, group, kind: plural },
  );
}

export function conflict(group: string, plural: string, name: string, why: string): ApiStatusError {
  return new ApiStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`,
    { name, group, kind: plural },
  );
}

export const STALE_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(
  group: string,
  kind: string,
  name: string,
  causes: Array<{ field: string; message: string }>,
): ApiStatusError {
  // Like an aggregated field.ErrorList: one error as is, several in brackets.
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = parts.length === 1 ? (parts[0] as string) : `[${parts.join(', ')}]`;
  return new ApiStatusError(
    422,
    'Invalid',
    `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`,
    {
      name,
      group,
      kind,
      causes: causes.map((c) => ({ reason: 'FieldValueInvalid', message: c.message, field: c.field })),
    },
  );
}

export function badRequest(message: string): ApiStatusError {
  return new ApiStatusError(400, 'BadRequest', message);
}

export function expired(message = 'too old resource version'): ApiStatusError {
  return new ApiStatusError(410, 'Expired', message);
}
