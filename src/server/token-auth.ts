// The authenticator of slipway API tokens (`slw_…`, from `slipway token create`): the token's SHA-256
// is looked up in the store; a revoked or expired token is not accepted (401). The caller is
// `token:<name>`, scoped to the token's environments and roles (roles.ts applies the scope).
import { hashToken, TOKEN_PREFIX, tokenIdentity, tokenUsable } from '../operations/tokens.ts';
import type { StateStore } from '../store/types.ts';
import type { Authenticator, Caller } from './auth.ts';

export function apiTokenAuthenticator(store: StateStore, now: () => Date = () => new Date()): Authenticator {
  return {
    async authenticate(token) {
      if (!token.startsWith(TOKEN_PREFIX)) return undefined;
      const t = await store.findApiToken({ hash: hashToken(token) });
      if (!t || !tokenUsable(t, now())) return undefined;
      return { ...tokenIdentity(t), authenticated: true } satisfies Caller;
    },
  };
}
