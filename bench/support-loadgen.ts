// A closed-loop HTTP load generator, run in its own process by bench/proxy.bench.ts: `connections`
// keep-alive connections, each sending GET requests back to back for `warmupMs` (not counted) and then
// `durationMs`; targets are taken round-robin per request. Prints one `RESULT {json}` line with
// requests/s, latency percentiles (ms) and failures (non-2xx or errors).
import { Agent, request } from 'node:http';
import { percentile } from './report.ts';

export interface LoadConfig {
  targets: string[];
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Also return every latency (ms, 0.01 ms resolution), so that runs can be merged. */
  raw?: boolean;
}

export interface LoadResult {
  requests: number;
  failures: number;
  rps: number;
  p50: number;
  p99: number;
  firstError: string;
  latencies?: number[];
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
const targets = cfg.targets.map((t) => {
  const u = new URL(t);
  return {
    host: u.hostname,
    port: Number(u.port),
    path: `${u.pathname}${u.search}`,
    agent: new Agent({ keepAlive: true, maxSockets: cfg.connections, maxFreeSockets: cfg.connections }),
  };
});

function once(i: number): Promise<{ ok: boolean; error?: string }> {
  const t = targets[i % targets.length]!;
  return new Promise((resolve) => {
    const req = request({ host: t.host, port: t.port, path: t.path, agent: t.agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        const s = res.statusCode ?? 0;
        resolve(s >= 200 && s < 300 ? { ok: true } : { ok: false, error: `HTTP ${s}` });
      });
      res.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
    req.on('error', (e) => resolve({ ok: false, error: e.message }));
    req.end();
  });
}

const start = performance.now();
const measureFrom = start + cfg.warmupMs;
const end = measureFrom + cfg.durationMs;
const latencies: number[] = [];
let failures = 0;
let firstError = '';
let seq = 0;
await Promise.all(
  Array.from({ length: cfg.connections }, async () => {
    for (;;) {
      const t = performance.now();
      if (t >= end) return;
      const r = await once(seq++);
      const done = performance.now();
      if (t < measureFrom || done > end) continue;
      if (r.ok) latencies.push(done - t);
      else {
        failures++;
        firstError ||= r.error ?? '';
      }
    }
  }),
);
for (const t of targets) t.agent.destroy();
latencies.sort((a, b) => a - b);
const result: LoadResult = {
  requests: latencies.length,
  failures,
  rps: latencies.length / (cfg.durationMs / 1000),
  p50: percentile(latencies, 50),
  p99: percentile(latencies, 99),
  firstError,
  ...(cfg.raw ? { latencies: latencies.map((x) => Math.round(x * 100) / 100) } : {}),
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
