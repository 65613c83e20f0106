// The secret provider of an environment (its own `secrets:`, else the platform's) and the one file a
// provider reads from the platform directory: the service's SealedSecret, `<directory>/<service>.yaml`.
// Read once here, with positions, so the chart can check it purely and point at file:line.
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { LoadedPlatform } from './load.ts';
import { getEnvironment } from './model.ts';
import type { ChartSecrets, SecretsProvider } from './secrets-schema.ts';
import { readYamlFile } from './yaml-source.ts';

/** The environment's `secrets:`, or the platform's, or undefined (slipway resolves references itself). */
export function secretsProviderFor(p: LoadedPlatform, env: string): SecretsProvider | undefined {
  return getEnvironment(p, env).secrets ?? p.platform.secrets;
}

/** Absolute path of a platform-relative path from the config. */
export function platformPath(p: LoadedPlatform, path: string): string {
  return isAbsolute(path) ? path : resolve(p.dir, path);
}

/** What the chart needs of the environment's provider for one service; undefined without a provider. */
export async function chartSecretsFor(
  p: LoadedPlatform,
  env: string,
  service: string,
): Promise<ChartSecrets | undefined> {
  const provider = secretsProviderFor(p, env);
  if (!provider) return undefined;
  if (provider.externalSecrets) {
    const { store, refreshInterval } = provider.externalSecrets;
    return { externalSecrets: { store: { name: store.name, kind: store.kind }, refreshInterval } };
  }
  const directory = provider.sealedSecrets?.directory ?? '';
  const path = join(platformPath(p, directory), `${service}.yaml`);
  const exists = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  const shown = isAbsolute(directory) ? path : relative(p.dir, path);
  return { sealedSecrets: { directory, file: exists ? await readYamlFile(path, shown) : undefined } };
}
