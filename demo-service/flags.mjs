// The demo service's feature flag: read with the standard OpenFeature server SDK and the flagd
// provider in file mode (in-process resolver, FLAGD_OFFLINE_FLAG_SOURCE_PATH, which slipway's chart
// sets when the service reads flags). Loaded only then, since the provider pulls in gRPC (~0.5 s).
// The flag file may appear after the pod starts (an optional ConfigMap volume): until it does the
// flag answers its code default, then the provider is set and follows the file's changes itself.

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';

/**
 * @typedef {{ key: string, value: unknown, variant: string | undefined, reason: string | undefined, metadata: Record<string, unknown> }} FlagAnswer
 * @typedef {{ evaluate(targetingKey: string | undefined): Promise<FlagAnswer> } | undefined} FlagReader
 */

/**
 * @param {string | undefined} key the flag this service reads (FEATURE_FLAG)
 * @param {(msg: string, fields?: Record<string, unknown>) => void} log
 * @returns {FlagReader}
 */
export function flagReader(key, log) {
  const path = process.env.FLAGD_OFFLINE_FLAG_SOURCE_PATH;
  if (!key || !path) return undefined;
  /** @type {import('@openfeature/server-sdk').Client | undefined} */
  let client;
  const start = async () => {
    while (!existsSync(path)) await new Promise((r) => setTimeout(r, 500));
    const { OpenFeature, ProviderEvents } = await import('@openfeature/server-sdk');
    const { FlagdProvider } = await import('@openfeature/flagd-provider');
    await OpenFeature.setProviderAndWait(
      new FlagdProvider({ resolverType: 'in-process', offlineFlagSourcePath: path }),
    );
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (e) =>
      log('flags changed', { flags: e?.flagsChanged }),
    );
    client = OpenFeature.getClient();
    log('flags ready', { path, flag: key });
  };
  start().catch((e) => log('flags unavailable', { level: 'error', error: String(e) }));
  return {
    async evaluate(targetingKey) {
      if (!client) return { key, value: false, variant: undefined, reason: 'NOT_READY', metadata: {} };
      const d = await client.getBooleanDetails(key, false, { targetingKey: targetingKey || randomUUID() });
      return { key, value: d.value, variant: d.variant, reason: d.reason, metadata: { ...d.flagMetadata } };
    },
  };
}
