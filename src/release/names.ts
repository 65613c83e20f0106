// The names a release acts on, with its environment's namePrefix / nameSuffix: the canary and colour
// Deployments, the active, preview and canary Services, the NGINX canary Ingress. The engine builds
// every such name here, through the chart's one naming function, so that what it patches, tracks,
// switches and deletes is what the chart rendered.
import type { LoadedPlatform } from '../config/load.ts';
import type { NameAffixes, NamePart } from '../shared/names.ts';
import { objectName } from '../shared/names.ts';

interface Named {
  service: string;
  platform?: LoadedPlatform | undefined;
  release: { environment: string };
}

/** The release's environment's affixes (none without a platform, as in hand-built test contexts). */
export function releaseAffixes(ctx: Omit<Named, 'service'>): NameAffixes {
  const env = ctx.platform?.environments.find((e) => e.name === ctx.release.environment);
  return { prefix: env?.namePrefix, suffix: env?.nameSuffix };
}

/** `<prefix><service>[-<part>]<suffix>` for the release's service and environment. */
export function releaseName(ctx: Named, part?: NamePart): string {
  return objectName(ctx.service, releaseAffixes(ctx), part);
}
