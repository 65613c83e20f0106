// Mesh metrics the service proxy records for every HTTP request: Istio's standard counters and latency
// histogram in Prometheus text format, plus a sliding window of raw samples per destination for the
// JSON query API the built-in analysis provider reads (requests, 5xx errors, p50/p95/p99).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Istio's default buckets for istio_request_duration_milliseconds. */
export const DURATION_BUCKETS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000,
  3600000,
];

export interface RequestLabels {
  source: string;
  /** Namespace of the destination service. */
  namespace: string;
  /** Service name (short). */
  service: string;
  workload: string;
  version: string;
}

interface Series {
  labels: string;
  count: number;
  sum: number;
  buckets: Uint32Array;
}

const WINDOW_CAPACITY = 65_536;

/** A ring buffer of (time, latency, code) samples for one destination workload/version. */
class Window {
  readonly at = new Float64Array(WINDOW_CAPACITY);
  readonly ms = new Float64Array(WINDOW_CAPACITY);
  readonly code = new Uint16Array(WINDOW_CAPACITY);
  next = 0;
  size = 0;
  constructor(
    readonly workload: string,
    readonly version: string,
  ) {}
  push(at: number, ms: number, code: number): void {
    this.at[this.next] = at;
    this.ms[this.next] = ms;
    this.code[this.next] = code;
    this.next = (this.next + 1) % WINDOW_CAPACITY;
    if (this.size < WINDOW_CAPACITY) this.size++;
  }
}

export interface DestinationStats {
  workload: string;
  version: string;
  requests: number;
  errors: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function percentile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i]! * 1000) / 1000;
}

export class MeshMetrics {
  private readonly series = new Map<string, Series>();
  private readonly windows = new Map<string, Map<string, Window>>();

  record(l: RequestLabels, code: number, ms: number, at = Date.now()): void {
    const id = `${l.source}\u0000${l.namespace}\u0000${l.service}\u0000${l.workload}\u0000${l.version}\u0000${code}`;
    let s = this.series.get(id);
    if (!s) {
      const labels =
        `reporter="destination",source_workload="${escapeLabel(l.source)}",` +
        `destination_workload="${escapeLabel(l.workload)}",destination_workload_namespace="${escapeLabel(l.namespace)}",` +
        `destination_service="${escapeLabel(`${l.service}.${l.namespace}.svc.cluster.local`)}",` +
        `destination_service_name="${escapeLabel(l.service)}",destination_service_namespace="${escapeLabel(l.namespace)}",` +
        `destination_version="${escapeLabel(l.version)}",response_code="${code}"`;
      s = { labels, count: 0, sum: 0, buckets: new Uint32Array(DURATION_BUCKETS.length) };
      this.series.set(id, s);
    }
    s.count++;
    s.sum += ms;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (ms <= DURATION_BUCKETS[i]!) s.buckets[i]!++;
    const svcKey = `${l.namespace}/${l.service}`;
    let byDest = this.windows.get(svcKey);
    if (!byDest) {
      byDest = new Map();
      this.windows.set(svcKey, byDest);
    }
    const dk = `${l.workload}\u0000${l.version}`;
    let w = byDest.get(dk);
    if (!w) {
      w = new Window(l.workload, l.version);
      byDest.set(dk, w);
    }
    w.push(at, ms, code);
  }

  /** Prometheus text exposition (version 0.0.4). */
  prometheusText(): string {
    const out: string[] = [];
    out.push('# HELP istio_requests_total Total requests.', '# TYPE istio_requests_total counter');
    for (const s of this.series.values()) out.push(`istio_requests_total{${s.labels}} ${s.count}`);
    out.push('# HELP istio_request_duration_milliseconds Request duration in milliseconds.');
    out.push('# TYPE istio_request_duration_milliseconds histogram');
    for (const s of this.series.values()) {
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        out.push(
          `istio_request_duration_milliseconds_bucket{${s.labels},le="${DURATION_BUCKETS[i]}"} ${s.buckets[i]}`,
        );
      }
      out.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`istio_request_duration_milliseconds_sum{${s.labels}} ${Math.round(s.sum * 1000) / 1000}`);
      out.push(`istio_request_duration_milliseconds_count{${s.labels}} ${s.count}`);
    }
    return `${out.join('\n')}\n`;
  }

  /**
   * Per destination workload/version of a service, over the samples since `since` (epoch ms; a value
   * below 10^12 is read as a window length in ms back from now).
   */
  query(namespace: string, service: string, since: number, now = Date.now()): DestinationStats[] {
    const from = since < 1e12 ? now - since : since;
    const out: DestinationStats[] = [];
    for (const w of this.windows.get(`${namespace}/${service}`)?.values() ?? []) {
      const lat: number[] = [];
      let errors = 0;
      for (let k = 0; k < w.size; k++) {
        const i = (w.next - 1 - k + WINDOW_CAPACITY) % WINDOW_CAPACITY;
        if (w.at[i]! < from) break;
        lat.push(w.ms[i]!);
        if (w.code[i]! >= 500) errors++;
      }
      if (lat.length === 0) continue;
      const sorted = Float64Array.from(lat).sort();
      out.push({
        workload: w.workload,
        version: w.version,
        requests: lat.length,
        errors,
        errorRate: errors / lat.length,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
      });
    }
    return out.sort((a, b) => a.workload.localeCompare(b.workload) || a.version.localeCompare(b.version));
  }
}

/** Serves GET /metrics (Prometheus text) and GET /query?service=&namespace=&since= (JSON). */
export async function startMetricsServer(
  metrics: MeshMetrics,
  host: string,
  port: number,
  /** Extra JSON documents by path (e.g. `/status`), computed per request. */
  extra: Record<string, () => unknown> = {},
): Promise<{ url: string; port: number; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metrics.prometheusText());
      return;
    }
    if (url.pathname === '/query') {
      const service = url.searchParams.get('service');
      if (!service) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: 'service is required: /query?service=<name>&namespace=<ns>&since=<ms>' }),
        );
        return;
      }
      const namespace = url.searchParams.get('namespace') ?? 'default';
      const sinceRaw = Number(url.searchParams.get('since') ?? 60_000);
      const since = Number.isFinite(sinceRaw) ? sinceRaw : 60_000;
      const now = Date.now();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          service,
          namespace,
          from: since < 1e12 ? now - since : since,
          to: now,
          destinations: metrics.query(namespace, service, since, now),
        }),
      );
      return;
    }
    const more = extra[url.pathname];
    if (more) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(more()));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics or /query?service=<name>&namespace=<ns>&since=<ms>\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
