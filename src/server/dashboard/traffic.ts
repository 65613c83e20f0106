// The share of requests each track of a canary answered lately, asked through the same metric providers
// the analysis uses (analysis/providers), so the page and the verdict read one implementation: on the
// local cluster the built-in mesh provider (the service proxy's query API, request rate per track),
// elsewhere Prometheus' istio_requests_total when analysisProviders.prometheus is configured.
import { createProviders, providersConfigFor } from '../../analysis/providers/index.ts';
import type { LoadedPlatform } from '../../config/load.ts';
import { analysisTemplateSchema, type Metric } from '../../config/schema.ts';
import type { KubeClient } from '../../kube/client.ts';
import { releaseName } from '../../release/names.ts';
import { metricsUrlFor } from '../../release/strategies/canary-runtime.ts';

/** The window the share is counted over: long enough to see a quiet canary, short enough to move. */
export const TRAFFIC_WINDOW_MS = 30_000;
/** A page render never waits longer than this for the metrics. */
const TIMEOUT_MS = 1_500;

export interface TrackTraffic {
  track: 'canary' | 'stable';
  /** The workload's name in the cluster. */
  workload: string;
  requests: number;
}

export interface TrafficShare {
  windowMs: number;
  source: 'proxy' | 'prometheus';
  tracks: TrackTraffic[];
  /** Why the share is unknown (the provider could not be asked); tracks are then empty. */
  error?: string;
}

const seconds = `${TRAFFIC_WINDOW_MS / 1000}s`;
const promQuery = (workload: string) =>
  `sum(increase(istio_requests_total{reporter="destination",destination_workload="{{args.${workload}}}",destination_workload_namespace="{{args.namespace}}"}[${seconds}]))`;

// Parsed once like the built-in templates, so the metrics carry the schema's defaults.
const [RATE, CANARY_PROM, STABLE_PROM] = analysisTemplateSchema.parse({
  metrics: [
    { name: 'traffic', provider: { builtin: { metric: 'request-rate' } }, interval: seconds },
    { name: 'canary-requests', provider: { prometheus: { query: promQuery('canary') } }, interval: seconds },
    { name: 'stable-requests', provider: { prometheus: { query: promQuery('stable') } }, interval: seconds },
  ],
}).metrics as [Metric, Metric, Metric];

const total = (v: number | number[] | undefined): number =>
  v === undefined ? 0 : Array.isArray(v) ? v.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) : v;

/**
 * Requests per track over the last TRAFFIC_WINDOW_MS; undefined when there is neither a local
 * cluster's proxy nor a configured Prometheus to ask. A provider that fails is said in `error`.
 */
export async function measureTraffic(
  platform: LoadedPlatform,
  client: KubeClient,
  o: { environment: string; service: string; namespace: string; fetch?: typeof fetch; metricsUrl?: string },
): Promise<TrafficShare | undefined> {
  const config = providersConfigFor(platform.platform, o.environment);
  const metricsUrl = o.metricsUrl ?? metricsUrlFor(client);
  if (!metricsUrl && !config.prometheus) return undefined;
  const providers = createProviders({ config, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const named = { service: o.service, platform, release: { environment: o.environment } };
  const canary = releaseName(named, 'canary');
  const stable = releaseName(named);
  const args: Record<string, string> = {
    service: o.service,
    serviceName: stable,
    namespace: o.namespace,
    canary,
    stable,
    window: seconds,
    ...(metricsUrl ? { metricsUrl } : {}),
  };
  const source = metricsUrl ? 'proxy' : 'prometheus';
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    let requests: [number, number];
    if (metricsUrl) {
      const m = await providers.builtin!.measure(RATE, args, signal);
      const perSecond = (x: number | undefined) => Math.round((x ?? 0) * (TRAFFIC_WINDOW_MS / 1000));
      requests = [perSecond(m.vars?.canary), perSecond(m.vars?.stable)];
    } else {
      const [c, s] = await Promise.all(
        [CANARY_PROM, STABLE_PROM].map((metric) => providers.prometheus!.measure(metric, args, signal)),
      );
      requests = [Math.round(total(c!.value)), Math.round(total(s!.value))];
    }
    return {
      windowMs: TRAFFIC_WINDOW_MS,
      source,
      tracks: [
        { track: 'canary', workload: canary, requests: requests[0] },
        { track: 'stable', workload: stable, requests: requests[1] },
      ],
    };
  } catch (e) {
    return { windowMs: TRAFFIC_WINDOW_MS, source, tracks: [], error: (e as Error).message };
  }
}

/** Each track's share in % of the requests seen (rounded; undefined when nothing was seen). */
export function shares(t: TrafficShare): Array<TrackTraffic & { percent: number }> | undefined {
  const sum = t.tracks.reduce((n, x) => n + x.requests, 0);
  if (sum === 0) return undefined;
  return t.tracks.map((x) => ({ ...x, percent: Math.round((x.requests / sum) * 1000) / 10 }));
}
