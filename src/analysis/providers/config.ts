// The provider configuration one release uses: the platform's `analysisProviders`, with the
// environment's entries replacing the platform's one provider at a time. A whole entry is replaced,
// never merged field by field, so that an environment pointing at its own Prometheus never inherits
// the platform's headers or token variable by accident.
import type { AnalysisProviders, Platform } from '../../config/schema.ts';

export function providersConfigFor(
  platform: Pick<Platform, 'analysisProviders' | 'environments'>,
  environment: string,
): AnalysisProviders {
  const own = platform.environments.find((e) => e.name === environment)?.analysisProviders;
  return { ...(platform.analysisProviders ?? {}), ...(own ?? {}) };
}
