// What the rest of slipway needs to know about a platform's feature flags without the flag engine:
// where the flagd definition lives (one ConfigMap per environment) and where pods read it, each
// flag's variants and "off" variant with the defaults applied, and which services read which flags.
// The chart mounts the ConfigMap into those services' pods (render/deployment.ts); src/flags writes it.
import type { FlagConfig, Platform } from './schema.ts';

/** The ConfigMap holding the environment's flagd flag definitions (written only by flag releases). */
export const FLAGS_CONFIGMAP = 'slipway-flags';
/** Its key: one flagd flag-definition document for every flag of the platform. */
export const FLAGS_FILE = 'flags.json';
/** Where pods see it (a ConfigMap volume); FLAGD_OFFLINE_FLAG_SOURCE_PATH names the file in it. */
export const FLAGS_MOUNT_PATH = '/etc/slipway/flags';

/** A flag's variants: the declared ones, or on/off for a boolean flag that declares none. */
export function flagVariants(f: FlagConfig): Record<string, unknown> {
  return f.variants ?? { on: true, off: false };
}

/** The variant a flag serves at rest and falls back to when it is switched off. */
export function offVariant(f: FlagConfig): string {
  return f.defaultVariant ?? 'off';
}

/** The flags the service's pods read (a flag without `services:` is read by every service). */
export function flagsOfService(p: Pick<Platform, 'flags'>, service: string): string[] {
  return Object.entries(p.flags ?? {})
    .filter(([, f]) => f.services === undefined || f.services.includes(service))
    .map(([name]) => name)
    .sort();
}

/** The mount the chart gives a service's pods, when it reads any flag. */
export function flagMountFor(
  p: Pick<Platform, 'flags'>,
  service: string,
): { configMap: string; mountPath: string; file: string } | undefined {
  if (flagsOfService(p, service).length === 0) return undefined;
  return { configMap: FLAGS_CONFIGMAP, mountPath: FLAGS_MOUNT_PATH, file: FLAGS_FILE };
}
