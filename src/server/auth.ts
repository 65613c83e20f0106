// Who is calling. Every route except health needs a verified identity: a bearer token is checked by
// the authenticators the server was built with (OIDC-issued JWTs verified against the issuer's JWKS,
// slipway API tokens stored as hashes), never a name from a header the client chooses. The first
// authenticator that recognises the token answers; a token none recognises is 401. A browser that
// logged in (login.ts) sends its session cookie instead; a session changes state only from our own
// origin (the cookie is SameSite=Lax, and an unsafe method must carry a matching Origin header).
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Identity } from '../operations/context.ts';
import { SlipwayError } from '../shared/errors.ts';

/**
 * An authenticated caller: the identity operations see, with the groups its identity provider gave
 * (they count as its groups in role checks) or, for an API token, the token's scope (roles.ts Grants).
 */
export interface Caller extends Identity {
  authenticated: true;
}

export interface Authenticator {
  /** Recognises the bearer token: a Caller, undefined when it is not this authenticator's kind. */
  authenticate(token: string): Promise<Caller | undefined>;
  /** Recognises a browser session's id (the `slipway_session` cookie), for those that keep sessions. */
  session?(id: string): Caller | undefined;
}

/** The cookie of a browser session (login.ts sets it). */
export const SESSION_COOKIE = 'slipway_session';

export type AuthVariables = { caller: Caller };

function sameOrigin(origin: string | undefined, url: string): boolean {
  return origin !== undefined && origin === new URL(url).origin;
}

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
    const session = token ? undefined : getCookie(c, SESSION_COOKIE);
    if (!token && session) {
      const caller = authenticators.map((a) => a.session?.(session)).find((x) => x !== undefined);
      if (!caller)
        throw new SlipwayError(
          'unauthenticated',
          'the session has ended (expired, or the server restarted)',
          {
            hint: 'Log in again at /auth/login.',
          },
        );
      if (
        !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) &&
        !sameOrigin(c.req.header('origin'), c.req.url)
      )
        throw new SlipwayError('forbidden', 'a session may change state only from this server’s own pages', {
          hint: 'Send an Origin header of this server, or use a bearer token.',
        });
      c.set('caller', caller);
      await next();
      return;
    }
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
