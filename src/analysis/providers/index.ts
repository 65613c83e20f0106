// All four providers with their defaults; the release engine passes runJob (and may leave it out,
// then Job metrics are refused before the analysis starts).
import { builtinProvider } from './builtin.ts';
import { jobProvider, type RunJob } from './job.ts';
import { prometheusProvider } from './prometheus.ts';
import type { Providers } from './types.ts';
import { webProvider } from './web.ts';

export interface ProviderOptions {
  runJob?: RunJob;
  /** Used when a prometheus metric names no address (and args.prometheusAddress is not given). */
  prometheusAddress?: string;
  fetch?: typeof fetch;
}

export function createProviders(o: ProviderOptions = {}): Providers {
  const f = o.fetch ? { fetch: o.fetch } : {};
  return {
    builtin: builtinProvider(f),
    prometheus: prometheusProvider({
      ...f,
      ...(o.prometheusAddress ? { address: o.prometheusAddress } : {}),
    }),
    web: webProvider(f),
    ...(o.runJob ? { job: jobProvider(o.runJob) } : {}),
  };
}

export type { AnalysisJobSpec, RunJob } from './job.ts';
export type { MetricProvider, ProviderKind, Providers } from './types.ts';
