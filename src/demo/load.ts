// A steady, bounded load through one Service: a fixed request rate with a cap on requests in flight,
// stopping by itself after `maxMs`. Every answer is kept as (time, status, version) so that any time
// range (one release phase) can be summarised afterwards.
export interface Sample {
  at: number;
  /** HTTP status, or 0 for a network error or timeout. */
  status: number;
  /** The answering pod's version (x-version header or /api/info JSON), '?' when unknown. */
  version: string;
}

export interface LoadSummary {
  total: number;
  ok: number;
  failed: number;
  byStatus: Record<string, number>;
  byVersion: Record<string, number>;
  failedByVersion: Record<string, number>;
}

export interface Load {
  samples: Sample[];
  /** Requests sent per second (configured). */
  rate: number;
  summary(from?: number, to?: number): LoadSummary;
  stop(): Promise<void>;
}

export function summarize(samples: readonly Sample[], from = 0, to = Number.POSITIVE_INFINITY): LoadSummary {
  const s: LoadSummary = { total: 0, ok: 0, failed: 0, byStatus: {}, byVersion: {}, failedByVersion: {} };
  for (const x of samples) {
    if (x.at < from || x.at > to) continue;
    s.total++;
    const ok = x.status >= 200 && x.status < 400;
    if (ok) s.ok++;
    else {
      s.failed++;
      s.failedByVersion[x.version] = (s.failedByVersion[x.version] ?? 0) + 1;
    }
    const k = x.status === 0 ? 'error' : String(x.status);
    s.byStatus[k] = (s.byStatus[k] ?? 0) + 1;
    if (ok) s.byVersion[x.version] = (s.byVersion[x.version] ?? 0) + 1;
  }
  return s;
}

export function startLoad(
  url: string,
  o: { rate?: number; maxMs?: number; maxInFlight?: number } = {},
): Load {
  const rate = o.rate ?? 50;
  const maxInFlight = o.maxInFlight ?? 20;
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let sent = 0;
  let stopped = false;
  const one = async () => {
    let status = 0;
    let version = '?';
    try {
      const res = await fetch(`${url}/api/info`, { signal: AbortSignal.timeout(3000) });
      status = res.status;
      version = res.headers.get('x-version') ?? '?';
      const text = await res.text();
      if (version === '?') {
        try {
          version = String((JSON.parse(text) as { version?: string }).version ?? '?');
        } catch {
          // not JSON (an injected error page): the version stays unknown
        }
      }
    } catch {
      status = 0;
    }
    samples.push({ at: Date.now(), status, version });
  };
  // Ticks every 10 ms and sends what the rate owes since the start (no drift, no bursts after a stall
  // beyond the in-flight cap).
  const timer = setInterval(() => {
    if (stopped) return;
    const elapsed = Date.now() - started;
    if (o.maxMs !== undefined && elapsed > o.maxMs) {
      stopped = true;
      clearInterval(timer);
      return;
    }
    const due = Math.floor((elapsed / 1000) * rate);
    while (sent < due) {
      sent++;
      if (inFlight.size >= maxInFlight) continue;
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 10);
  return {
    samples,
    rate,
    summary: (from, to) => summarize(samples, from, to),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}
