// Who is calling. Every route except health needs a verified identity: a bearer token is checked by
// the authenticators the server was built with (OIDC-issued JWTs verified against the issuer's JWKS,
// slipway API tokens stored as hashes), never a name from a header the client chooses. The first
// authenticator that recognises the token answers; a token none recognises is 401.
import type { MiddlewareHandler } from 'hono';
import type { Identity } from '../operations/context.ts';
import { SlipwayError } from '../shared/errors.ts';

/** An authenticated caller: the identity operations see, plus the groups the identity provider gave. */
export interface Caller extends Identity {
  authenticated: true;
  /** Groups from the identity provider's claims, mapped onto the platform's groups. */
  groups?: readonly string[];
  /** Environments and roles a scoped API token is limited to; undefined means the person's own roles. */
  scope?: { environments: readonly string[]; roles: readonly string[] };
}

export interface Authenticator {
  /** Recognises the bearer token: a Caller, undefined when it is not this authenticator's kind. */
  authenticate(token: string): Promise<Caller | undefined>;
}

export type AuthVariables = { caller: Caller };

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** Resolves the caller of every request, or answers 401 (problem+json via the app's error handler). */
export function requireCaller(authenticators: readonly Authenticator[]): MiddlewareHandler<{
  Variables: AuthVariables;
}> {
  return async (c, next) => {
    const token = bearer(c.req.header('authorization'));
    if (!token) {
      throw new SlipwayError('unauthenticated', 'this API needs a bearer token', {
        hint: 'Log in with `slipway login`, or send an API token from `slipway token create` as "Authorization: Bearer <token>".',
      });
    }
    for (const a of authenticators) {
      const caller = await a.authenticate(token);
      if (caller) {
        c.set('caller', caller);
        await next();
        return;
      }
    }
    throw new SlipwayError('unauthenticated', 'the bearer token is not valid (unknown, expired or revoked)', {
      hint: 'Log in again, or ask for a new API token.',
      data: { invalidToken: true },
    });
  };
}
