// Who looks at the dashboard, and CSRF. A page needs a browser session (login.ts, or the demo's
// one-time link): without one, the browser is sent to log in; there is no open page. A form or htmx
// request that changes state must carry the CSRF token of its session (an HMAC of the session id with
// a key of this process) and, when the browser sends one, an Origin of this server; the session
// cookie's SameSite attribute is the first line, this the second.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { type Authenticator, type Caller, SESSION_COOKIE } from '../auth.ts';

export type DashboardVariables = { caller: Caller; csrf: string };

export class CsrfKeys {
  private readonly key = randomBytes(32);
  token(session: string): string {
    return createHmac('sha256', this.key).update(session).digest('base64url');
  }
  check(session: string, token: string | undefined): boolean {
    if (!token) return false;
    const want = Buffer.from(this.token(session));
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

export function sessionOf(
  authenticators: readonly Authenticator[],
  c: Context,
): { id: string; caller: Caller } | undefined {
  const id = getCookie(c, SESSION_COOKIE);
  if (!id) return undefined;
  const caller = authenticators.map((a) => a.session?.(id)).find((x) => x !== undefined);
  return caller ? { id, caller } : undefined;
}

/**
 * Resolves the session's caller for every dashboard request; a page request without a session goes
 * to the login (or, when no login is configured, gets a 401 page saying how to get in).
 */
export function requireSession(
  authenticators: readonly Authenticator[],
  csrf: CsrfKeys,
  hasLogin: boolean,
): MiddlewareHandler<{ Variables: DashboardVariables }> {
  return async (c, next) => {
    const s = sessionOf(authenticators, c);
    if (!s) {
      if (c.req.method === 'GET' && hasLogin) return c.redirect(`/auth/login`, 302);
      return c.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log in · slipway</title></head><body><main><h1>Log in</h1><p>This dashboard needs a login. ${
          hasLogin
            ? '<a href="/auth/login">Log in with your identity provider</a>.'
            : 'Configure <code>server.oidc</code> in slipway.yaml, or open the one-time link <code>slipway demo</code> prints.'
        }</p></main></body></html>`,
        401,
      );
    }
    if (!['GET', 'HEAD'].includes(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined && origin !== new URL(c.req.url).origin)
        return c.text('a session may change state only from this server’s own pages', 403);
      let token = c.req.header('x-csrf-token');
      if (!token) {
        const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
        token = typeof form['_csrf'] === 'string' ? form['_csrf'] : undefined;
      }
      if (!csrf.check(s.id, token))
        return c.text('missing or wrong CSRF token: reload the page and try again', 403);
    }
    c.set('caller', s.caller);
    c.set('csrf', csrf.token(s.id));
    await next();
  };
}
