// The authenticators `slipway serve` checks callers with (docs/server.md): slipway API tokens from the
// store, always; with `server.oidc` in slipway.yaml, bearer JWTs of that issuer and browser login
// sessions too. A call no authenticator recognises is refused (401), never let through.
import type { LoadedPlatform } from '../../config/load.ts';
import type { Authenticator } from '../../server/auth.ts';
import { BrowserLogin } from '../../server/login.ts';
import { OidcIssuer, oidcAuthenticator } from '../../server/oidc.ts';
import { apiTokenAuthenticator } from '../../server/token-auth.ts';
import { usageError } from '../../shared/errors.ts';
import type { StateStore } from '../../store/types.ts';

export interface ServerAuth {
  authenticators: Authenticator[];
  login?: BrowserLogin;
}

export async function authenticatorsFor(
  platform: LoadedPlatform,
  store: StateStore,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerAuth> {
  const authenticators: Authenticator[] = [apiTokenAuthenticator(store)];
  const oidc = platform.platform.server?.oidc;
  if (!oidc) return { authenticators };
  let secret: string | undefined;
  if (oidc.clientSecretEnv !== undefined) {
    secret = env[oidc.clientSecretEnv];
    if (!secret)
      throw usageError(`server.oidc.clientSecretEnv names ${oidc.clientSecretEnv}, which is not set`, {
        hint: `Set ${oidc.clientSecretEnv} to the client secret, or remove clientSecretEnv for a public client.`,
      });
  }
  const issuer = new OidcIssuer(oidc, secret);
  const login = new BrowserLogin(issuer);
  authenticators.push(oidcAuthenticator(issuer), login);
  return { authenticators, login };
}
