// Prometheus: an instant PromQL query (POST /api/v1/query) with {{args.x}} filled in. A vector gives
// a list of its sample values (a one-element list reads as a number in conditions), a scalar a number,
// an empty vector no data. HTTP and PromQL errors are measurement errors carrying Prometheus' message;
// an unreachable server is one naming the address.
//
// The address comes from the metric (`provider.prometheus.address`), else `args.prometheusAddress`, else
// the environment's `analysisProviders.prometheus` (see config.ts). The configured headers and bearer
// token are sent only to the configured address: a metric naming another server gets neither, so a
// credential never leaves for a server it was not meant for.
import type { AnalysisProviders, Metric } from '../../config/schema.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { MeasuredValue } from '../evaluate.ts';
import { fetchError, type MetricProvider, renderArgs } from './types.ts';

interface PromResponse {
  status?: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** Prometheus writes sample values as strings: "0.99", "NaN", "+Inf". */
const sample = (v: unknown): number => {
  const s = String(v);
  return s === '+Inf' ? Number.POSITIVE_INFINITY : s === '-Inf' ? Number.NEGATIVE_INFINITY : Number(s);
};

export type PrometheusConfig = NonNullable<AnalysisProviders['prometheus']>;

export interface PrometheusOptions {
  /** The environment's (or platform's) Prometheus: address, headers, bearer token variable. */
  config?: PrometheusConfig;
  /** Where bearerTokenEnv is read; default process.env (tests pass their own). */
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
}

const sameServer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

interface Target {
  address: string;
  headers: Record<string, string>;
}

/** The server a metric queries and what to send it; throws config errors (checked before measuring). */
function targetOf(metric: Metric, args: Readonly<Record<string, string>>, o: PrometheusOptions): Target {
  if (!('prometheus' in metric.provider)) throw new SlipwayError('crash', 'not a prometheus metric');
  const p = metric.provider.prometheus;
  const where = `metric ${metric.name}`;
  const address = p.address
    ? renderArgs(p.address, args, `${where}: address`)
    : (args.prometheusAddress ?? o.config?.address);
  if (!address) {
    throw new SlipwayError('config', `${where}: no Prometheus address`, {
      hint: 'Set analysisProviders.prometheus.address in slipway.yaml (platform or environment), e.g. http://127.0.0.1:9090, or provider.prometheus.address on the metric.',
    });
  }
  const c = o.config;
  if (!c || !sameServer(address, c.address)) return { address, headers: {} };
  const headers: Record<string, string> = { ...(c.headers ?? {}) };
  if (c.bearerTokenEnv) {
    const token = (o.env ?? process.env)[c.bearerTokenEnv];
    if (!token) {
      throw new SlipwayError(
        'config',
        `${where}: the Prometheus bearer token variable ${c.bearerTokenEnv} is not set`,
        { hint: `Export ${c.bearerTokenEnv} in the environment slipway runs in, or remove bearerTokenEnv.` },
      );
    }
    headers.authorization = `Bearer ${token}`;
  }
  return { address, headers };
}

export function prometheusProvider(options: PrometheusOptions = {}): MetricProvider {
  const doFetch = options.fetch ?? fetch;
  return {
    check(metric, args) {
      targetOf(metric, args, options);
    },
    async measure(metric, args, signal): Promise<MeasuredValue> {
      if (!('prometheus' in metric.provider)) throw new SlipwayError('crash', 'not a prometheus metric');
      const { address, headers } = targetOf(metric, args, options);
      const query = renderArgs(metric.provider.prometheus.query, args, `metric ${metric.name}: query`);
      const url = new URL('api/v1/query', address.endsWith('/') ? address : `${address}/`);
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query }).toString(),
          signal,
        });
      } catch (e) {
        throw fetchError('prometheus', url.href, e);
      }
      const text = await res.text();
      let body: PromResponse | undefined;
      try {
        body = JSON.parse(text) as PromResponse;
      } catch {
        body = undefined;
      }
      if (body?.status === 'error') {
        throw new SlipwayError(
          'failed',
          `prometheus: ${body.errorType ?? 'error'}: ${body.error ?? 'no message'}`,
          {
            data: { query },
          },
        );
      }
      if (!res.ok || !body?.data) {
        throw new SlipwayError(
          'failed',
          `prometheus: ${url.href} answered ${res.status}: ${text.slice(0, 200)}`,
        );
      }
      const { resultType, result } = body.data;
      if (resultType === 'scalar') return { value: sample((result as [number, string])[1]) };
      if (resultType === 'vector') {
        const samples = result as Array<{ value: [number, string] }>;
        return { value: samples.length === 0 ? undefined : samples.map((s) => sample(s.value[1])) };
      }
      throw new SlipwayError(
        'failed',
        `prometheus: the query returned a ${resultType}, not a number or vector`,
        {
          hint: 'Use an instant query: wrap range vectors in rate(), avg_over_time() or similar.',
        },
      );
    },
  };
}
