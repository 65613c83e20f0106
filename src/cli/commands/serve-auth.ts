// The authenticators `slipway serve` checks bearer tokens with. Filled in by the OIDC and API-token
// work (docs/server.md); with none configured every API call is refused (401), never let through.
import type { LoadedPlatform } from '../../config/load.ts';
import type { Authenticator } from '../../server/auth.ts';
import type { StateStore } from '../../store/types.ts';

export async function authenticatorsFor(
  _platform: LoadedPlatform,
  _store: StateStore,
): Promise<Authenticator[]> {
  return [];
}
