// The one-time login link `slipway demo` prints: the demo's server holds a few random secrets, each
// good for one visit within ten minutes; the visit opens a dashboard session (the same cookie as the
// OIDC login) for the person running the demo, as the CLI names them (promotion/identity.ts). Only the
// demo builds one (ServerDeps.oneTimeLogin): `slipway serve` and slipway.yaml have no way to, so a real
// deployment has no such door. Secrets are kept as hashes, compared in constant time, never logged.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Env, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { Identity } from '../operations/context.ts';
import { type Authenticator, type Caller, SESSION_COOKIE } from './auth.ts';
import { SESSION_TTL_MS } from './login.ts';

export const ONE_TIME_TTL_MS = 10 * 60_000;
export const ONE_TIME_PATH = '/auth/one-time';

const digest = (secret: string) => createHash('sha256').update(secret).digest();

export class OneTimeLogin implements Authenticator {
  /** Unused links: the hash of the secret and when it ends. */
  private readonly links: Array<{ hash: Buffer; expires: number }> = [];
  /** Hashes of links used or expired, to tell their visitor so rather than "unknown". */
  private readonly spent: Buffer[] = [];
  private readonly sessions = new Map<string, { caller: Caller; expires: number }>();
  private readonly caller: Caller;

  constructor(
    /** The person running the demo, as the CLI would name them. */
    user: Pick<Identity, 'name' | 'source'>,
    private readonly now: () => number = Date.now,
  ) {
    this.caller = { name: user.name, authenticated: true, source: `demo (${user.source})` };
  }

  /** A new link's path (`/auth/one-time/<secret>`); give it to the person at this terminal only. */
  issue(): string {
    const secret = randomBytes(32).toString('base64url');
    this.links.push({ hash: digest(secret), expires: this.now() + ONE_TIME_TTL_MS });
    return `${ONE_TIME_PATH}/${secret}`;
  }

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

  /**
   * Spends the secret: a session id when it was a live link, else why not. Every stored hash is
   * compared (equal lengths, constant time), so the answer's timing does not tell how close a guess was.
   */
  redeem(secret: string): { session: string } | { refused: 'used' | 'expired' | 'unknown' } {
    const hash = digest(secret);
    const now = this.now();
    let found = -1;
    this.links.forEach((l, i) => {
      if (timingSafeEqual(l.hash, hash)) found = i;
    });
    if (found < 0) {
      const spent = this.spent.reduce((seen, h) => timingSafeEqual(h, hash) || seen, false);
      return { refused: spent ? 'used' : 'unknown' };
    }
    const [link] = this.links.splice(found, 1);
    this.spent.push(hash);
    if (link!.expires <= now) return { refused: 'expired' };
    const session = randomBytes(32).toString('base64url');
    this.sessions.set(session, { caller: this.caller, expires: now + SESSION_TTL_MS });
    return { session };
  }
}

const REFUSED = {
  used: 'This login link was already used: each link the demo prints works once.',
  expired: 'This login link has expired: it works for 10 minutes after the demo prints it.',
  unknown: 'This login link is not one this server made (it may be from an earlier run of the demo).',
} as const;

/** GET /auth/one-time/:secret on the app; registered only when the demo built `login`. */
export function oneTimeLoginRoutes<E extends Env>(app: Hono<E>, login: OneTimeLogin | undefined): void {
  if (!login) return;
  app.get(`${ONE_TIME_PATH}/:secret`, (c) => {
    const r = login.redeem(c.req.param('secret'));
    // The link is a credential: never cached, never sent on as a Referer.
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    if ('session' in r) {
      setCookie(c, SESSION_COOKIE, r.session, {
        httpOnly: true,
        sameSite: 'Lax',
        path: '/',
        maxAge: SESSION_TTL_MS / 1000,
        secure: new URL(c.req.url).protocol === 'https:',
      });
      return c.redirect('/', 302);
    }
    return c.html(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Link not valid · slipway</title></head><body><main><h1>This link does not log you in</h1><p>${REFUSED[r.refused]}</p><p>Run <code>slipway demo</code> again (add <code>--keep-serving</code> to keep the dashboard up afterwards) and open the new link it prints.</p></main></body></html>`,
      r.refused === 'expired' ? 401 : 403,
    );
  });
}
