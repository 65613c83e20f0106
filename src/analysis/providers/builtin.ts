// The built-in mesh metrics of the local cluster: reads the service proxy's JSON query API
// (GET <metricsUrl>/query?service=&namespace=&since=<window ms>, see localcluster/proxy/metrics.ts) and
// turns the canary workload's requests, 5xx errors and latency percentiles over the metric's interval
// into one value. With `compareWithStable` the value is canary − stable.
//
// Args: metricsUrl (the proxy's metrics server), service, serviceName (the Service's name in the
// cluster; default service), namespace (default "default"), canary (the canary workload; default
// <service>-canary), stable (default <service>), window (a duration; default the
// metric's interval). Conditions also see `canary`, `stable` (the two tracks' values) and `requests`.
import type { Metric } from '../../config/schema.ts';
import { parseDuration } from '../../shared/duration.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { MeasuredValue } from '../evaluate.ts';
import { fetchError, type MetricProvider } from './types.ts';

/** One destination of the proxy's /query answer. */
interface Destination {
  workload: string;
  version: string;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

type BuiltinMetric = Extract<Metric['provider'], { builtin: unknown }>['builtin']['metric'];

interface Track {
  requests: number;
  errors: number;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
}

/** Sums one workload's destinations (one per version); a percentile is the worst of its versions'. */
function track(destinations: readonly Destination[], workload: string): Track {
  const t: Track = { requests: 0, errors: 0, p50: undefined, p95: undefined, p99: undefined };
  for (const d of destinations) {
    if (d.workload !== workload) continue;
    t.requests += d.requests;
    t.errors += d.errors;
    for (const q of ['p50', 'p95', 'p99'] as const) {
      const v = d[q];
      if (v !== null && v !== undefined) t[q] = Math.max(t[q] ?? v, v);
    }
  }
  return t;
}

function trackValue(metric: BuiltinMetric, t: Track, windowMs: number): number | undefined {
  switch (metric) {
    case 'success-rate':
      return t.requests === 0 ? undefined : (t.requests - t.errors) / t.requests;
    case 'error-rate':
      return t.requests === 0 ? undefined : t.errors / t.requests;
    case 'request-rate':
      return t.requests / (windowMs / 1000);
    case 'latency-p50':
      return t.p50;
    case 'latency-p95':
      return t.p95;
    case 'latency-p99':
      return t.p99;
  }
}

export function builtinProvider(options: { fetch?: typeof fetch } = {}): MetricProvider {
  const doFetch = options.fetch ?? fetch;
  return {
    async measure(metric, args, signal): Promise<MeasuredValue> {
      if (!('builtin' in metric.provider)) throw new SlipwayError('crash', 'not a builtin metric');
      const { metric: which, compareWithStable } = metric.provider.builtin;
      const base = args.metricsUrl;
      // The Service's name in the cluster (namePrefix / nameSuffix included), else the service's.
      const service = args.serviceName ?? args.service;
      if (!base || !service) {
        throw new SlipwayError(
          'config',
          `builtin metric ${metric.name} needs the args metricsUrl and service`,
          {
            hint: 'slipway passes them for releases on the local cluster; use a prometheus metric elsewhere.',
          },
        );
      }
      const namespace = args.namespace ?? 'default';
      const canary = args.canary ?? `${service}-canary`;
      const stable = args.stable ?? service;
      const windowMs = parseDuration(args.window ?? metric.interval);
      const url = new URL('/query', base);
      url.search = new URLSearchParams({ service, namespace, since: String(windowMs) }).toString();
      let res: Response;
      try {
        res = await doFetch(url, { signal });
      } catch (e) {
        throw fetchError('builtin metrics', url.href, e);
      }
      const text = await res.text();
      if (!res.ok) {
        throw new SlipwayError(
          'failed',
          `builtin metrics: ${url.href} answered ${res.status}: ${text.slice(0, 200)}`,
        );
      }
      let body: { destinations?: Destination[] };
      try {
        body = JSON.parse(text) as { destinations?: Destination[] };
      } catch {
        throw new SlipwayError(
          'failed',
          `builtin metrics: ${url.href} did not answer JSON: ${text.slice(0, 200)}`,
        );
      }
      const destinations = body.destinations ?? [];
      const c = track(destinations, canary);
      const s = track(destinations, stable);
      const cv = trackValue(which, c, windowMs);
      const sv = trackValue(which, s, windowMs);
      const vars = { canary: cv, stable: sv, requests: c.requests };
      if (!compareWithStable) return { value: cv, vars };
      // No canary data is no data; no stable data leaves the difference unknown (NaN).
      return { value: cv === undefined ? undefined : sv === undefined ? Number.NaN : cv - sv, vars };
    },
  };
}
