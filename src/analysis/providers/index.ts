// All four providers with their defaults; the release engine passes runJob (and may leave it out,
// then Job metrics are refused before the analysis starts) and the environment's provider
// configuration (providersConfigFor in config.ts).
import type { AnalysisProviders } from '../../config/schema.ts';
import { builtinProvider } from './builtin.ts';
import { jobProvider, type RunJob } from './job.ts';
import { prometheusProvider } from './prometheus.ts';
import type { Providers } from './types.ts';
import { webProvider } from './web.ts';

export interface ProviderOptions {
  runJob?: RunJob;
  /** The environment's `analysisProviders` (slipway.yaml), used by metrics that name no server. */
  config?: AnalysisProviders;
  /** Where token variables are read; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
}

export function createProviders(o: ProviderOptions = {}): Providers {
  const f = o.fetch ? { fetch: o.fetch } : {};
  return {
    builtin: builtinProvider(f),
    prometheus: prometheusProvider({
      ...f,
      ...(o.config?.prometheus ? { config: o.config.prometheus } : {}),
      ...(o.env ? { env: o.env } : {}),
    }),
    web: webProvider(f),
    ...(o.runJob ? { job: jobProvider(o.runJob) } : {}),
  };
}

export { providersConfigFor } from './config.ts';
export type { AnalysisJobSpec, RunJob } from './job.ts';
export type { PrometheusConfig } from './prometheus.ts';
export type { MetricProvider, ProviderKind, Providers } from './types.ts';
