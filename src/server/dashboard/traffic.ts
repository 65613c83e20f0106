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
/** Slices of the release's span in the chart's traffic series; the shortest slice is 2 s. */
const SLICES = 12;
const MIN_SLICE_MS = 2_000;
/** Older releases get no series: the proxy keeps a bounded number of samples per workload. */
const SERIES_MAX_MS = 30 * 60_000;

export interface TrackTraffic {
  track: 'canary' | 'stable';
  /** The workload's name in the cluster. */
  workload: string;
  requests: number;
}

/** The canary's share of the requests answered in one slice of the release; undefined: none seen. */
export interface SharePoint {
  from: number;
  to: number;
  canaryPercent: number | undefined;
}

export interface TrafficShare {
  windowMs: number;
  source: 'proxy' | 'prometheus';
  tracks: TrackTraffic[];
  /** The share over the release in slices (the proxy only: its samples are kept, Prometheus is not asked twelve times). */
  series?: SharePoint[] | undefined;
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
  o: {
    environment: string;
    service: string;
    namespace: string;
    fetch?: typeof fetch;
    metricsUrl?: string;
    /** The release's span (epoch ms): asks for the share over it too, in slices. */
    span?: { from: number; to: number } | undefined;
    now?: number;
  },
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
    let series: SharePoint[] | undefined;
    if (metricsUrl) {
      // Requests per track over the last `ms`: the provider's request rate times its window.
      const since = async (ms: number): Promise<[number, number]> => {
        const m = await providers.builtin!.measure(RATE, { ...args, window: `${ms}ms` }, signal);
        return [(m.vars?.canary ?? 0) * (ms / 1000), (m.vars?.stable ?? 0) * (ms / 1000)];
      };
      const now = o.now ?? Date.now();
      const cuts = o.span ? sliceCuts(o.span, now) : [];
      const [last, ...cumulative] = await Promise.all([
        since(TRAFFIC_WINDOW_MS),
        ...cuts.map((t) => since(Math.max(1, now - t))),
      ]);
      requests = [Math.round(last![0]), Math.round(last![1])];
      if (cuts.length > 1) series = sliceShares(cuts, cumulative);
    } else {
      const [c, s] = await Promise.all(
        [CANARY_PROM, STABLE_PROM].map((metric) => providers.prometheus!.measure(metric, args, signal)),
      );
      requests = [Math.round(total(c!.value)), Math.round(total(s!.value))];
    }
    return {
      windowMs: TRAFFIC_WINDOW_MS,
      source,
      ...(series ? { series } : {}),
      tracks: [
        { track: 'canary', workload: canary, requests: requests[0] },
        { track: 'stable', workload: stable, requests: requests[1] },
      ],
    };
  } catch (e) {
    return { windowMs: TRAFFIC_WINDOW_MS, source, tracks: [], error: (e as Error).message };
  }
}

/** The times the release's span is cut at (oldest first, the span's end last); none when too short or old. */
export function sliceCuts(span: { from: number; to: number }, now: number): number[] {
  const to = Math.min(span.to, now);
  if (now - span.from > SERIES_MAX_MS || to - span.from < 2 * MIN_SLICE_MS) return [];
  const step = Math.max(MIN_SLICE_MS, (to - span.from) / SLICES);
  const cuts: number[] = [];
  for (let t = span.from; t < to; t += step) cuts.push(Math.round(t));
  return [...cuts, to];
}

/**
 * The canary's share per slice from requests counted since each cut until now (canary, stable):
 * what was counted since a cut but not since the next one arrived in between.
 */
export function sliceShares(
  cuts: readonly number[],
  sinceCut: ReadonlyArray<readonly [number, number]>,
): SharePoint[] {
  const out: SharePoint[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const canary = Math.max(0, sinceCut[i]![0] - sinceCut[i + 1]![0]);
    const stable = Math.max(0, sinceCut[i]![1] - sinceCut[i + 1]![1]);
    const total = canary + stable;
    out.push({
      from: cuts[i]!,
      to: cuts[i + 1]!,
      canaryPercent: total < 0.5 ? undefined : Math.round((canary / total) * 1000) / 10,
    });
  }
  return out;
}

/** Each track's share in % of the requests seen (rounded; undefined when nothing was seen). */
export function shares(t: TrafficShare): Array<TrackTraffic & { percent: number }> | undefined {
  const sum = t.tracks.reduce((n, x) => n + x.requests, 0);
  if (sum === 0) return undefined;
  return t.tracks.map((x) => ({ ...x, percent: Math.round((x.requests / sum) * 1000) / 10 }));
}
