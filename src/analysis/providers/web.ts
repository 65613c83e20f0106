// An HTTP check: GET the URL (with {{args.x}} filled in), the status must be 2xx. With `jsonPath`
// (`$.data.value`, `data.items[0].x`, `$['key']`) the value at that path is the result: a number, a
// numeric string, a boolean (true → 1, false → 0) or a list of numbers; missing or null is no data.
// Without it, a JSON number or boolean body is the result, anything else counts as 1 (reachable).
import { parseDuration } from '../../shared/duration.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { MeasuredValue } from '../evaluate.ts';
import { fetchError, type MetricProvider, renderArgs } from './types.ts';

/** `$.a.b[0]["c d"]` → ['a', 'b', 0, 'c d']. */
export function parseJsonPath(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  let s = path.trim();
  if (s.startsWith('$')) s = s.slice(1);
  const re = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[(?:'([^']*)'|"([^"]*)")\])/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) {
      throw new SlipwayError('config', `jsonPath ${JSON.stringify(path)}: cannot read "${s}"`, {
        hint: 'Write paths like $.data.value, data.items[0].x or $["key with spaces"].',
      });
    }
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])!));
    s = s.slice(m[0].length);
  }
  return out;
}

function toValue(v: unknown, what: string): number | number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return v as number[];
  throw new SlipwayError('failed', `${what} is ${JSON.stringify(v).slice(0, 100)}, not a number or boolean`);
}

export function webProvider(options: { fetch?: typeof fetch } = {}): MetricProvider {
  const doFetch = options.fetch ?? fetch;
  return {
    async measure(metric, args, signal): Promise<MeasuredValue> {
      if (!('web' in metric.provider)) throw new SlipwayError('crash', 'not a web metric');
      const w = metric.provider.web;
      const where = `metric ${metric.name}`;
      const url = renderArgs(w.url, args, `${where}: url`);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(w.headers ?? {}))
        headers[k] = renderArgs(v, args, `${where}: header ${k}`);
      const timeoutMs = w.timeout ? parseDuration(w.timeout) : 10_000;
      let res: Response;
      try {
        res = await doFetch(url, {
          headers,
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (e) {
        if (e instanceof Error && e.name === 'TimeoutError') {
          throw new SlipwayError('timeout', `web: GET ${url} took longer than ${w.timeout ?? '10s'}`);
        }
        throw fetchError('web', url, e);
      }
      const text = await res.text();
      if (res.status < 200 || res.status > 299) {
        throw new SlipwayError(
          'failed',
          `web: GET ${url} answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
        );
      }
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        if (w.jsonPath)
          throw new SlipwayError('failed', `web: GET ${url} did not answer JSON: ${text.slice(0, 100)}`);
        return { value: 1 };
      }
      if (!w.jsonPath)
        return {
          value: typeof body === 'number' || typeof body === 'boolean' ? toValue(body, 'the body') : 1,
        };
      let v: unknown = body;
      for (const key of parseJsonPath(w.jsonPath)) {
        v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined;
      }
      return { value: toValue(v, `web: ${w.jsonPath}`) };
    },
  };
}
