// Browser login with OpenID Connect (authorization code + PKCE, `openid-client`): GET /auth/login
// sends the browser to the provider, GET /auth/callback exchanges the code, checks the ID token and
// opens a session: an opaque random id in an HttpOnly, SameSite=Lax cookie, the caller kept in this
// process's memory (a restart logs everyone out). POST /auth/logout ends it. requireCaller accepts the
// session beside bearer tokens, for the dashboard.
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as client from 'openid-client';
import { SlipwayError } from '../shared/errors.ts';
import { type Authenticator, type Caller, SESSION_COOKIE } from './auth.ts';
import { cliLoginRoutes } from './cli-login.ts';
import { callerFromClaims, type OidcIssuer } from './oidc.ts';
import { problemResponse } from './problem.ts';

const LOGIN_COOKIE = 'slipway_login';
const LOGIN_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 8 * 3_600_000;

interface Pending {
  verifier: string;
  redirectUri: string;
  expires: number;
}

export class BrowserLogin implements Authenticator {
  private readonly sessions = new Map<string, { caller: Caller; expires: number }>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly issuer: OidcIssuer,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sessions are cookies, never bearer tokens. */
  async authenticate(): Promise<undefined> {
    return undefined;
  }

  session(id: string): Caller | undefined {
    const s = this.sessions.get(id);
    if (s && s.expires > this.now()) return s.caller;
    this.sessions.delete(id);
    return undefined;
  }

  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.pending) if (v.expires <= now) this.pending.delete(k);
    for (const [k, v] of this.sessions) if (v.expires <= now) this.sessions.delete(k);
  }

  /** The /auth routes (app.ts mounts them). */
  routes(): Hono {
    const app = new Hono();
    app.onError((err) => problemResponse(err));
    // `slipway login`: the CLI's loopback flow, exchanged here with this server's client.
    app.route('/cli', cliLoginRoutes(this.issuer));

    app.get('/login', async (c) => {
      this.prune();
      const config = await this.issuer.configuration();
      const redirectUri = this.issuer.settings.redirectUrl ?? new URL('/auth/callback', c.req.url).href;
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      this.pending.set(state, { verifier, redirectUri, expires: this.now() + LOGIN_TTL_MS });
      setCookie(c, LOGIN_COOKIE, state, {
        httpOnly: true,
        sameSite: 'Lax',
        path: '/auth',
        maxAge: LOGIN_TTL_MS / 1000,
        secure: redirectUri.startsWith('https:'),
      });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      return c.redirect(url.href, 302);
    });

    app.get('/callback', async (c) => {
      const state = c.req.query('state') ?? '';
      const pending = this.pending.get(state);
      // The state must be the one this browser started with (its cookie): no login forced on it.
      if (!pending || getCookie(c, LOGIN_COOKIE) !== state || pending.expires <= this.now())
        throw new SlipwayError('unauthenticated', 'this login was not started here, or took too long', {
          hint: 'Start again at /auth/login.',
        });
      this.pending.delete(state);
      deleteCookie(c, LOGIN_COOKIE, { path: '/auth' });
      const config = await this.issuer.configuration();
      const current = new URL(pending.redirectUri);
      current.search = new URL(c.req.url).search;
      let claims: Record<string, unknown> & { sub: string };
      try {
        const tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: pending.verifier,
          expectedState: state,
        });
        const idClaims = tokens.claims();
        if (!idClaims) throw new Error('the provider returned no ID token');
        claims = idClaims as typeof claims;
      } catch (e) {
        throw new SlipwayError('unauthenticated', `login failed: ${(e as Error).message}`, {
          cause: e,
          hint: 'Start again at /auth/login.',
        });
      }
      this.prune();
      const id = randomBytes(32).toString('base64url');
      const caller = callerFromClaims(claims, this.issuer.settings, `oidc session (sub ${claims.sub})`);
      this.sessions.set(id, { caller, expires: this.now() + SESSION_TTL_MS });
      setCookie(c, SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: 'Lax',
        path: '/',
        maxAge: SESSION_TTL_MS / 1000,
        secure: pending.redirectUri.startsWith('https:'),
      });
      return c.redirect('/', 302);
    });

    app.post('/logout', (c) => {
      const id = getCookie(c, SESSION_COOKIE);
      if (id) this.sessions.delete(id);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    });
    return app;
  }
}
