// A real OpenID Provider for the auth tests (`oidc-provider`, in process, on loopback), with its own
// signing key so a test can also sign an expired token with it. Users log in through its development
// login form (any password), driven by fetch; each user is also a client-credentials client whose
// access token is a JWT for the API's audience carrying the user's email and groups.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface TestUser {
  sub: string;
  email: string;
  groups: string[];
}

export type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface TestProvider {
  issuer: string;
  /** The private signing key the provider uses (its JWKS publishes the public half). */
  key: SigningKey;
  kid: string;
  /** A JWT access token for the API audience, by the client-credentials grant of `login`. */
  accessToken(login: string): Promise<string>;
  /** Logs the user of `login` in through the provider's form, from an authorization URL to the redirect back. */
  authorize(authorizationUrl: string): (login: string) => Promise<URL>;
  close(): Promise<void>;
}

export const API_AUDIENCE = 'https://slipway.test/api';
export const LOGIN_CLIENT = { id: 'slipway', secret: 'slipway-test-secret' };

export async function startProvider(
  users: Record<string, TestUser>,
  redirectUri: string,
): Promise<TestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key';
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const byClient = (id: string) => Object.values(users).find((u) => u.sub === id);
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: LOGIN_CLIENT.id,
        client_secret: LOGIN_CLIENT.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
      ...Object.values(users).map((u) => ({
        client_id: u.sub,
        client_secret: `${u.sub}-secret`,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post' as const,
      })),
    ],
    claims: { openid: ['sub', 'groups'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    // Accounts by sub: the login form's name is the sub.
    findAccount: (_ctx, id) => {
      const user = byClient(id);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({ sub: user.sub, email: user.email, email_verified: true, groups: user.groups }),
      };
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, client) => (client?.clientId === LOGIN_CLIENT.id ? undefined : API_AUDIENCE),
        getResourceServerInfo: () => ({
          scope: 'api',
          audience: API_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const user = byClient((token as { clientId?: string }).clientId ?? '');
      return user ? { email: user.email, groups: user.groups } : undefined;
    },
    ttl: { ClientCredentials: 300 },
  });
  server.on('request', provider.callback());

  async function accessToken(login: string): Promise<string> {
    const sub = users[login]!.sub;
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sub,
        client_secret: `${sub}-secret`,
        resource: API_AUDIENCE,
        scope: 'api',
      }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!res.ok || !body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
    return body.access_token;
  }

  /** Follows the provider's redirects with a cookie jar, filling in its login and consent forms. */
  const authorize = (authorizationUrl: string) => async (login: string) => {
    const jar = new Map<string, string>();
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let url = new URL(authorizationUrl);
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 12; hop++) {
      if (!url.href.startsWith(issuer)) return url; // back at the client's redirect URI
      const res = await fetch(url, {
        method: body ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: cookie(),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body } : {}),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      body = undefined;
      const location = res.headers.get('location');
      if (location) {
        url = new URL(location, url);
        continue;
      }
      const prompt = /name="prompt" value="(\w+)"/.exec(await res.text())?.[1];
      if (!prompt) throw new Error(`the provider answered ${res.status} at ${url.pathname} without a form`);
      body = new URLSearchParams({ prompt, login: users[login]!.sub, password: 'any' });
    }
    throw new Error('too many redirects');
  };

  return {
    issuer,
    key: privateKey,
    kid,
    accessToken,
    authorize,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
