// A separate process for bench/server.bench.ts: opens `subscribers` SSE connections to one run's
// event stream (loopback HTTP) and records, for every event carrying its emit time `t` (epoch ms with
// sub-ms precision: performance.timeOrigin + performance.now(), comparable across processes on one
// machine), the time until it arrived here. Prints `RESULT {json}` once every connection has the last
// event or the deadline passed. The server's own event loop is then not shared with its clients.
import { Agent, request } from 'node:http';

interface Config {
  url: string;
  token: string;
  subscribers: number;
  events: number;
  deadlineMs: number;
}
const c = JSON.parse(process.argv[2] ?? '{}') as Config;
const now = () => Date.now();
const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
const url = new URL(c.url);
const latencies: number[] = [];
const got = Array.from({ length: c.subscribers }, () => new Set<number>());
const reqs = [];
let connected = 0;

for (let s = 0; s < c.subscribers; s++) {
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      agent,
      headers: { authorization: `Bearer ${c.token}` },
    },
    (res) => {
      connected++;
      let buf = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        const at = now();
        buf += chunk;
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          if (!line.startsWith('data: ')) continue;
          const e = JSON.parse(line.slice(6)) as { data?: { t?: number; i?: number } };
          if (typeof e.data === 'object' && e.data && typeof e.data.t === 'number') {
            latencies.push(at - e.data.t);
            got[s]!.add(e.data.i ?? -1);
          }
        }
      });
      res.on('error', () => {});
    },
  );
  req.on('error', () => {});
  req.end();
  reqs.push(req);
}

const started = Date.now();
const complete = () => got.every((g) => g.size >= c.events);
while (!complete() && Date.now() - started < c.deadlineMs) await new Promise((r) => setTimeout(r, 20));
for (const r of reqs) r.destroy();
agent.destroy();
const missed = got.reduce((n, g) => n + (c.events - g.size), 0);
const rounded = latencies.map((l) => Math.round(l * 100) / 100);
// Exit only once the (large) line is flushed to the pipe.
process.stdout.write(`RESULT ${JSON.stringify({ latencies: rounded, missed, connected })}\n`, () =>
  process.exit(0),
);
