// Prometheus: an instant PromQL query (POST /api/v1/query) with {{args.x}} filled in. A vector gives
// a list of its sample values (a one-element list reads as a number in conditions), a scalar a number,
// an empty vector no data. HTTP and PromQL errors are measurement errors carrying Prometheus' message.
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

export function prometheusProvider(options: { address?: string; fetch?: typeof fetch } = {}): MetricProvider {
  const doFetch = options.fetch ?? fetch;
  return {
    async measure(metric, args, signal): Promise<MeasuredValue> {
      if (!('prometheus' in metric.provider)) throw new SlipwayError('crash', 'not a prometheus metric');
      const p = metric.provider.prometheus;
      const where = `metric ${metric.name}`;
      const address = p.address
        ? renderArgs(p.address, args, `${where}: address`)
        : (args.prometheusAddress ?? options.address);
      if (!address) {
        throw new SlipwayError('config', `${where}: no Prometheus address`, {
          hint: 'Set provider.prometheus.address (e.g. http://prometheus.monitoring:9090).',
        });
      }
      const query = renderArgs(p.query, args, `${where}: query`);
      const url = new URL('api/v1/query', address.endsWith('/') ? address : `${address}/`);
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
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
