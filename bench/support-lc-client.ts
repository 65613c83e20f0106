// The client side of bench/localcluster.bench.ts, run in its own process so that the API server's
// event loop serves only requests: seeds the store through HTTP, then measures GET / LIST /
// strategic-merge PATCH latency over keep-alive connections, and watch fan-out (N watch streams while
// W writes happen). Prints one `RESULT {json}` line.
import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import { percentile } from './report.ts';

export interface LcClientConfig {
  url: string;
  namespaces: number;
  configMapsPerNs: number;
  deploymentsPerNs: number;
  gets: number;
  lists: number;
  patches: number;
  watchers: number;
  writes: number;
  watchTimeoutMs: number;
}

export interface LcClientResult {
  seeded: number;
  seedFailures: number;
  seedSeconds: number;
  get: { p50: number; p99: number; failures: number };
  list: { p50: number; p99: number; items: number; failures: number };
  patch: { p50: number; p99: number; failures: number };
  watch: { expected: number; received: number; complete: number; p50: number; p99: number; max: number };
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as LcClientConfig;
const base = new URL(cfg.url);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        agent,
        headers: {
          accept: 'application/json',
          ...(data !== undefined
            ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const ok = (s: number) => s >= 200 && s < 300;
const nsName = (i: number) => `bench-${String(i).padStart(3, '0')}`;

function configMap(name: string, i: number) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench', shard: String(i % 10) } },
    data: {
      'app.properties': `name=${name}\nindex=${i}\nmode=bench\n`,
      LOG_LEVEL: 'info',
      FEATURE_X: 'true',
    },
  };
}

function deployment(name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'ghcr.io/bench/app:v1',
              ports: [{ containerPort: 8080, name: 'http' }],
              env: [{ name: 'A', value: '1' }],
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** Runs `task(i)` for i in [0, n) with at most `width` in flight. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

async function timed(
  n: number,
  one: (i: number) => Promise<{ status: number; body: string }>,
): Promise<{ p50: number; p99: number; failures: number; last: string }> {
  const ms: number[] = [];
  let failures = 0;
  let last = '';
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await one(i);
    ms.push(performance.now() - t);
    if (!ok(r.status)) failures++;
    last = r.body;
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), failures, last };
}

async function seed(): Promise<{ seeded: number; failures: number; seconds: number }> {
  const t = performance.now();
  let failures = 0;
  let seeded = 0;
  for (let n = 0; n < cfg.namespaces; n++) {
    const r = await call('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: nsName(n) },
    });
    if (!ok(r.status)) failures++;
  }
  const perNs = cfg.configMapsPerNs + cfg.deploymentsPerNs;
  await pool(cfg.namespaces * perNs, 64, async (i) => {
    const ns = nsName(Math.floor(i / perNs));
    const k = i % perNs;
    const r =
      k < cfg.configMapsPerNs
        ? await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(`cm-${k}`, i))
        : await call(
            'POST',
            `/apis/apps/v1/namespaces/${ns}/deployments`,
            deployment(`deploy-${k - cfg.configMapsPerNs}`),
          );
    if (ok(r.status)) seeded++;
    else if (failures++ < 3) process.stderr.write(`seed: ${r.status} ${r.body.slice(0, 200)}\n`);
  });
  return { seeded, failures, seconds: (performance.now() - t) / 1000 };
}

interface WatchOutcome {
  expected: number;
  received: number;
  complete: number;
  p50: number;
  p99: number;
  max: number;
}

async function watchFanOut(): Promise<WatchOutcome> {
  const ns = 'bench-watch';
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const listed = JSON.parse((await call('GET', `/api/v1/namespaces/${ns}/configmaps`)).body) as {
    metadata: { resourceVersion: string };
  };
  const rv = listed.metadata.resourceVersion;
  const counts = new Array<number>(cfg.watchers).fill(0);
  const latencies: number[] = [];
  const requests: ClientRequest[] = [];
  const responses: IncomingMessage[] = [];
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => {
    allDone = r;
  });
  let complete = 0;
  await Promise.all(
    Array.from(
      { length: cfg.watchers },
      (_, w) =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            {
              host: base.hostname,
              port: base.port,
              path: `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}`,
              agent: false,
              headers: { accept: 'application/json' },
            },
            (res) => {
              responses.push(res);
              let buf = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => {
                const now = performance.now();
                buf += d;
                let nl = buf.indexOf('\n');
                while (nl >= 0) {
                  const line = buf.slice(0, nl);
                  buf = buf.slice(nl + 1);
                  nl = buf.indexOf('\n');
                  if (!line) continue;
                  const e = JSON.parse(line) as {
                    type: string;
                    object: { metadata: { annotations?: Record<string, string> } };
                  };
                  const sent = e.object.metadata.annotations?.['bench/sent'];
                  if ((e.type !== 'ADDED' && e.type !== 'MODIFIED') || sent === undefined) continue;
                  latencies.push(now - Number(sent));
                  if (++counts[w]! === cfg.writes && ++complete === cfg.watchers) allDone();
                }
              });
              resolve();
            },
          );
          req.on('error', reject);
          req.end();
          requests.push(req);
        }),
    ),
  );
  // Every watcher has its stream open (headers received); now the writes, one after another.
  const half = Math.ceil(cfg.writes / 2);
  for (let i = 0; i < cfg.writes; i++) {
    const stamp = { 'bench/sent': String(performance.now()) };
    if (i < half) {
      await call('POST', `/api/v1/namespaces/${ns}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `w-${i}`, annotations: stamp },
        data: { n: String(i) },
      });
    } else {
      await call(
        'PATCH',
        `/api/v1/namespaces/${ns}/configmaps/w-${i - half}`,
        { metadata: { annotations: stamp }, data: { n: String(i) } },
        'application/merge-patch+json',
      );
    }
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, cfg.watchTimeoutMs).unref())]);
  for (const r of requests) r.destroy();
  for (const r of responses) r.destroy();
  latencies.sort((a, b) => a - b);
  return {
    expected: cfg.watchers * cfg.writes,
    received: counts.reduce((a, b) => a + b, 0),
    complete,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
}

const seeded = await seed();
const rnd = (n: number) => Math.floor(Math.random() * n);
// Warm-up: JIT and connections on both sides.
for (let i = 0; i < 200; i++)
  await call('GET', `/api/v1/namespaces/${nsName(rnd(cfg.namespaces))}/configmaps/cm-1`);
const get = await timed(cfg.gets, (i) =>
  i % 2 === 0
    ? call(
        'GET',
        `/api/v1/namespaces/${nsName(rnd(cfg.namespaces))}/configmaps/cm-${rnd(cfg.configMapsPerNs)}`,
      )
    : call(
        'GET',
        `/apis/apps/v1/namespaces/${nsName(rnd(cfg.namespaces))}/deployments/deploy-${rnd(cfg.deploymentsPerNs)}`,
      ),
);
const list = await timed(cfg.lists, () =>
  call('GET', `/api/v1/namespaces/${nsName(rnd(cfg.namespaces))}/configmaps`),
);
const listItems = (JSON.parse(list.last) as { items: unknown[] }).items.length;
const patch = await timed(cfg.patches, (i) =>
  call(
    'PATCH',
    `/apis/apps/v1/namespaces/${nsName(rnd(cfg.namespaces))}/deployments/deploy-${rnd(cfg.deploymentsPerNs)}`,
    {
      metadata: { annotations: { 'bench/patch': String(i) } },
      spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: String(i) }] }] } } },
    },
    'application/strategic-merge-patch+json',
  ),
);
const watch = await watchFanOut();
agent.destroy();
const result: LcClientResult = {
  seeded: seeded.seeded,
  seedFailures: seeded.failures,
  seedSeconds: seeded.seconds,
  get: { p50: get.p50, p99: get.p99, failures: get.failures },
  list: { p50: list.p50, p99: list.p99, items: listItems, failures: list.failures },
  patch: { p50: patch.p50, p99: patch.p99, failures: patch.failures },
  watch,
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
