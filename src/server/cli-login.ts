// Login for the CLI (`slipway login --server URL`), brokered by the server as Vault's OIDC login is:
// the CLI listens on a loopback port (RFC 8252), asks here for the provider's authorization URL with
// its redirect URI and PKCE challenge, the user's browser logs in at the provider and comes back to
// the CLI with a code, and the CLI hands the code and its PKCE verifier here. The server exchanges
// them with its own client (a confidential client's secret never leaves it) and answers the token it
// accepts as a bearer: the access token when it is a JWT for the configured audience, else the ID
// token (audience: the client id, as Kubernetes accepts kubelogin's). Nothing is kept between the two
// calls: the CLI checks `state`, and the code is useless without the CLI's verifier.
import { Hono } from 'hono';
import * as client from 'openid-client';
import { SlipwayError, usageError } from '../shared/errors.ts';
import { callerFromClaims, type OidcIssuer } from './oidc.ts';
import { problemResponse } from './problem.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Only a loopback http redirect: the code must go back to the CLI on the user's machine. */
function loopbackRedirect(text: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof text === 'string' ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || url.search || url.hash)
    throw usageError('redirectUri must be http://127.0.0.1:<port>/<path> (a loopback address of the CLI)');
  return url;
}

function field(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '' || v.length > 4096) throw usageError(`${name} is required`);
  return v;
}

async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  const b = (await req.json().catch(() => undefined)) as unknown;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw usageError('the body must be a JSON object');
  return b as Record<string, unknown>;
}

export function cliLoginRoutes(issuer: OidcIssuer): Hono {
  const app = new Hono();
  app.onError((err) => problemResponse(err));

  app.post('/start', async (c) => {
    const b = await jsonBody(c.req.raw);
    const redirectUri = loopbackRedirect(b['redirectUri']);
    const config = await issuer.configuration();
    const audience = issuer.settings.audience;
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri.href,
      scope: 'openid email profile',
      code_challenge: field(b, 'codeChallenge'),
      code_challenge_method: 'S256',
      state: field(b, 'state'),
      // RFC 8707: access tokens for the API's audience, where it differs from the client.
      ...(audience && audience !== issuer.settings.clientId ? { resource: audience } : {}),
    });
    return c.json({ authorizationUrl: url.href, issuer: issuer.settings.issuer });
  });

  app.post('/token', async (c) => {
    const b = await jsonBody(c.req.raw);
    const current = loopbackRedirect(b['redirectUri']);
    current.search = new URLSearchParams(field(b, 'callbackQuery')).toString();
    const config = await issuer.configuration();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: field(b, 'codeVerifier'),
        expectedState: field(b, 'state'),
      });
    } catch (e) {
      throw new SlipwayError('unauthenticated', `login failed: ${(e as Error).message}`, {
        cause: e,
        hint: 'Run `slipway login` again.',
      });
    }
    for (const token of [tokens.access_token, tokens.id_token]) {
      if (!token) continue;
      const claims = await issuer.verify(token);
      if (!claims) continue;
      const caller = callerFromClaims(claims as typeof claims & Record<string, unknown>, issuer.settings, '');
      return c.json({
        token,
        user: caller.name,
        ...(claims.exp ? { expiresAt: new Date(claims.exp * 1000).toISOString() } : {}),
      });
    }
    throw new SlipwayError(
      'unauthenticated',
      'the provider issued no token this server accepts as a bearer',
      {
        hint: `Its access tokens must be JWTs for the audience ${issuer.audience}; or leave server.oidc.audience unset so that ID tokens (audience: the client id) are accepted.`,
      },
    );
  });
  return app;
}
