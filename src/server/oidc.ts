// OpenID Connect, the bearer side: a JWT of the configured issuer (`server.oidc` of slipway.yaml) is
// verified with `jose` against the issuer's JWKS (found through its discovery document), its `iss`,
// `aud` (audience, default the client id) and expiry checked. The user is named by `usernameClaim`
// (default `email`, else `sub`; an email the provider marks unverified is not used) and their groups
// come from `groupsClaim` (default `groups`): they count as the user's groups in role checks, beside
// `people.<name>.groups`. The operations context finds the person by name or email (personOf).
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as client from 'openid-client';
import type { ServerConfig } from '../config/schema.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { Authenticator, Caller } from './auth.ts';

export type OidcSettings = NonNullable<ServerConfig['oidc']>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** http is accepted for an issuer on this machine only (a provider in a test, or a tunnel). */
export function checkIssuerUrl(issuer: string): URL {
  const url = new URL(issuer);
  if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname))
    throw new SlipwayError('usage', `server.oidc.issuer ${issuer} must be https (http only on loopback)`, {
      hint: 'Tokens and login codes would cross the network in clear text.',
    });
  return url;
}

/** The issuer, discovered once on first use (again after a failure), shared by bearer checks and login. */
export class OidcIssuer {
  private discovered: Promise<client.Configuration> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly clientSecret: string | undefined,
  ) {
    checkIssuerUrl(settings.issuer);
  }

  /** The audience bearer tokens must carry. */
  get audience(): string {
    return this.settings.audience ?? this.settings.clientId;
  }

  configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((e: unknown) => {
      this.discovered = undefined;
      throw new SlipwayError('unreachable', `cannot read the OIDC issuer ${this.settings.issuer}`, {
        cause: e,
        hint: 'Check server.oidc.issuer in slipway.yaml and that the provider is up.',
      });
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const url = checkIssuerUrl(this.settings.issuer);
    const auth = this.clientSecret === undefined ? client.None() : client.ClientSecretPost(this.clientSecret);
    return await client.discovery(url, this.settings.clientId, this.clientSecret, auth, {
      ...(url.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
    });
  }

  /** The verified claims of a JWT of this issuer; undefined for a token that is not valid. */
  async verify(token: string): Promise<JWTPayload | undefined> {
    const config = await this.configuration();
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri)
      throw new SlipwayError('unreachable', `the OIDC issuer ${this.settings.issuer} has no jwks_uri`);
    this.jwks ??= createRemoteJWKSet(new URL(jwksUri));
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.audience,
        requiredClaims: ['exp', 'sub'],
      });
      return payload;
    } catch {
      return undefined; // bad signature, wrong issuer or audience, expired: the caller answers 401
    }
  }
}

/** The caller a verified token or ID token stands for. */
export function callerFromClaims(
  claims: JWTPayload & Record<string, unknown>,
  settings: OidcSettings,
  credential: string,
): Caller {
  const usernameClaim = settings.usernameClaim ?? 'email';
  const named = claims[usernameClaim];
  const unverifiedEmail = usernameClaim === 'email' && claims['email_verified'] === false;
  const name = typeof named === 'string' && named !== '' && !unverifiedEmail ? named : String(claims.sub);
  const raw = claims[settings.groupsClaim ?? 'groups'];
  const groups = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter(
    (g): g is string => typeof g === 'string' && g !== '' && g !== '*',
  );
  return { name, authenticated: true, source: 'oidc', credential, groups };
}

/** Bearer JWTs of the issuer. A token that is not a JWT is left to the other authenticators. */
export function oidcAuthenticator(issuer: OidcIssuer): Authenticator {
  return {
    async authenticate(token) {
      if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
      const claims = await issuer.verify(token);
      if (!claims) return undefined;
      return callerFromClaims(claims, issuer.settings, `oidc token (sub ${claims.sub})`);
    },
  };
}
