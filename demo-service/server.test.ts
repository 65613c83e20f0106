// Starts the demo service as a real child process on a free loopback port (PORT=0; the bound port is
// read from its start log line) and checks every endpoint and every injectable behaviour.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'server.mjs');
const children = new Set<ChildProcess>();

after(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

type LogLine = Record<string, unknown> & { msg: string };

interface Demo {
  child: ChildProcess;
  url: string;
  metricsUrl: string | undefined;
  start: LogLine;
  lines: LogLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLine: (pred: (l: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
}

function run(env: Record<string, string> = {}): Demo & { started: Promise<void> } {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: LogLine[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(JSON.parse(text) as LogLine);
      for (const w of waiters.splice(0)) w();
      nl = buffer.indexOf('\n');
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      for (const w of waiters.splice(0)) w();
      resolve({ code, signal });
    });
  });
  const waitForLine = (pred: (l: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching log line in ${timeoutMs} ms; got ${JSON.stringify(lines)}`)),
        timeoutMs,
      );
      const check = () => {
        const found = lines.find(pred);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`demo service exited (${child.exitCode}); stderr: ${stderr}`));
        } else waiters.push(check);
      };
      check();
    });
  const demo = {
    child,
    url: '',
    metricsUrl: undefined as string | undefined,
    start: { msg: '' } as LogLine,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine,
  };
  const started = waitForLine((l) => l.msg === 'started').then((line) => {
    demo.start = line;
    demo.url = `http://127.0.0.1:${line.port}`;
    if (line.metricsPort !== undefined) demo.metricsUrl = `http://127.0.0.1:${line.metricsPort}`;
  });
  return Object.assign(demo, { started });
}

async function start(env: Record<string, string> = {}): Promise<Demo> {
  const demo = run(env);
  await demo.started;
  return demo;
}

async function stop(demo: Demo): Promise<void> {
  if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
  await demo.exited;
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.includes('json') ? JSON.parse(text) : text };
}

const status = async (url: string, init: RequestInit = {}) => (await get(url, init)).status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('demo service', () => {
  it('serves every endpoint and starts fast', async () => {
    const demo = await start({
      SERVICE_NAME: 'booking',
      VERSION: 'v2',
      POD_NAME: 'booking-7d9f-abcde',
      METRICS_PORT: '0',
      LOG_REQUESTS: '1',
    });
    try {
      assert.equal(demo.start.service, 'booking');
      assert.equal(typeof demo.start.port, 'number');
      assert.ok((demo.start.startupMs as number) < 300, `startupMs ${demo.start.startupMs}`);

      for (const path of ['/', '/api/info']) {
        const res = await get(demo.url + path);
        assert.equal(res.status, 200);
        const body = res.body as Record<string, unknown>;
        assert.equal(body.service, 'booking');
        assert.equal(body.version, 'v2');
        assert.equal(body.pod, 'booking-7d9f-abcde');
        assert.equal(typeof body.hostname, 'string');
        assert.equal(typeof body.uptime, 'number');
      }
      const items = await get(`${demo.url}/api/items`);
      assert.equal(items.status, 200);
      assert.equal((items.body as { items: unknown[] }).items.length, 3);
      const item = await get(`${demo.url}/api/items/2`);
      assert.deepEqual(
        { ...(item.body as object), servedBy: undefined },
        {
          id: '2',
          name: 'follow-up',
          durationMinutes: 30,
          servedBy: undefined,
          version: 'v2',
        },
      );
      assert.equal(await status(`${demo.url}/api/items/99`), 404);
      assert.equal(await status(`${demo.url}/nowhere`), 404);
      assert.equal(await status(`${demo.url}/api/info`, { method: 'POST' }), 405);

      const echo = await get(`${demo.url}/api/echo?q=1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-test': 'yes' },
        body: '{"a":1}',
      });
      assert.equal(echo.status, 200);
      const e = echo.body as Record<string, unknown> & { headers: Record<string, string> };
      assert.equal(e.method, 'PUT');
      assert.equal(e.body, '{"a":1}');
      assert.deepEqual(e.json, { a: 1 });
      assert.deepEqual(e.query, { q: '1' });
      assert.equal(e.headers['x-test'], 'yes');

      for (const probe of ['live', 'ready', 'startup']) {
        assert.equal(await status(`${demo.url}/health/${probe}`), 200, probe);
      }
      assert.equal(await status(`${demo.url}/api/items`, { headers: { 'x-fault': 'error' } }), 500);

      const metrics = (await get(`${demo.url}/metrics`)).body as string;
      assert.match(metrics, /^# TYPE http_requests_total counter$/m);
      assert.match(
        metrics,
        /^http_requests_total\{service="booking",version="v2",path="\/api\/items\/:id",method="GET",code="200"\} 1$/m,
      );
      assert.match(metrics, /^http_requests_total\{[^}]*path="\/api\/items",method="GET",code="500"\} 1$/m);
      assert.match(metrics, /^# TYPE http_request_duration_seconds histogram$/m);
      assert.match(metrics, /^http_request_duration_seconds_bucket\{[^}]*path="\/",le="\+Inf"\} 1$/m);
      assert.match(metrics, /^http_request_duration_seconds_count\{[^}]*path="\/"\} 1$/m);
      assert.match(metrics, /^process_start_time_seconds \d+(\.\d+)?$/m);
      assert.match(metrics, /^demo_ready\{[^}]*\} 1$/m);

      assert.ok(demo.metricsUrl, 'METRICS_PORT listener reported in the start line');
      const second = await get(`${demo.metricsUrl}/metrics`);
      assert.equal(second.status, 200);
      assert.match(second.body as string, /http_requests_total/);
      assert.equal(await status(`${demo.metricsUrl}/api/info`), 404);

      const logged = await demo.waitForLine((l) => l.msg === 'request' && l.path === '/api/items/99');
      assert.equal(logged.code, 404);
      assert.equal(logged.method, 'GET');
    } finally {
      await stop(demo);
    }
  });

  it('ERROR_RATE=1 answers 500 on the application routes but keeps probes healthy', async () => {
    const demo = await start({ ERROR_RATE: '1' });
    try {
      for (const path of ['/', '/api/info', '/api/items', '/api/items/1']) {
        assert.equal(await status(demo.url + path), 500, path);
      }
      assert.equal(await status(`${demo.url}/health/ready`), 200);
      assert.equal(await status(`${demo.url}/health/live`), 200);
      assert.equal(await status(`${demo.url}/metrics`), 200);
    } finally {
      await stop(demo);
    }
  });

  it('ERROR_RATE=0.5 fails about half of the requests', async () => {
    const demo = await start({ ERROR_RATE: '0.5' });
    try {
      let errors = 0;
      for (let i = 0; i < 200; i++) if ((await status(`${demo.url}/api/items`)) === 500) errors++;
      assert.ok(errors > 60 && errors < 140, `${errors} of 200 failed`);
    } finally {
      await stop(demo);
    }
  });

  it('START_DELAY_MS gates the startup and readiness probes and the application', async () => {
    const demo = await start({ START_DELAY_MS: '1500' });
    try {
      assert.equal(await status(`${demo.url}/health/startup`), 503);
      assert.equal(await status(`${demo.url}/health/ready`), 503);
      assert.equal(await status(`${demo.url}/api/info`), 503);
      assert.equal(await status(`${demo.url}/health/live`), 200);
      await sleep(1600);
      assert.equal(await status(`${demo.url}/health/startup`), 200);
      assert.equal(await status(`${demo.url}/health/ready`), 200);
      assert.equal(await status(`${demo.url}/api/info`), 200);
    } finally {
      await stop(demo);
    }
  });

  it('READY_DELAY_MS delays readiness only', async () => {
    const demo = await start({ READY_DELAY_MS: '1500' });
    try {
      assert.equal(await status(`${demo.url}/health/startup`), 200);
      assert.equal(await status(`${demo.url}/health/ready`), 503);
      await sleep(1600);
      assert.equal(await status(`${demo.url}/health/ready`), 200);
    } finally {
      await stop(demo);
    }
  });

  it('NEVER_READY=1 keeps readiness at 503 while the pod stays live', async () => {
    const demo = await start({ NEVER_READY: '1' });
    try {
      await sleep(100);
      assert.equal(await status(`${demo.url}/health/ready`), 503);
      assert.equal(await status(`${demo.url}/health/startup`), 200);
      assert.equal(await status(`${demo.url}/health/live`), 200);
      assert.match((await get(`${demo.url}/metrics`)).body as string, /^demo_ready\{[^}]*\} 0$/m);
    } finally {
      await stop(demo);
    }
  });

  it('FAIL_LIVENESS_AFTER_MS turns liveness to 503', async () => {
    const demo = await start({ FAIL_LIVENESS_AFTER_MS: '1500' });
    try {
      assert.equal(await status(`${demo.url}/health/live`), 200);
      await sleep(1600);
      assert.equal(await status(`${demo.url}/health/live`), 503);
    } finally {
      await stop(demo);
    }
  });

  it('CRASH_AFTER_MS exits non-zero', async () => {
    const demo = await start({ CRASH_AFTER_MS: '150' });
    const { code } = await demo.exited;
    assert.equal(code, 1);
    assert.ok(demo.lines.some((l) => l.msg === 'crashing'));
  });

  it('LATENCY_MS delays the application but not the probes', async () => {
    const demo = await start({ LATENCY_MS: '1000', LATENCY_JITTER_MS: '50' });
    try {
      let t = Date.now();
      assert.equal(await status(`${demo.url}/api/items`), 200);
      const took = Date.now() - t;
      assert.ok(took >= 995, `took ${took} ms`);
      t = Date.now();
      assert.equal(await status(`${demo.url}/health/ready`), 200);
      assert.ok(Date.now() - t < 800, 'the probe is not delayed');
    } finally {
      await stop(demo);
    }
  });

  it('SIGTERM finishes in-flight requests, turns unready and exits 0', async () => {
    const demo = await start({ LATENCY_MS: '400' });
    try {
      const inFlight = get(`${demo.url}/api/info`);
      await sleep(100);
      demo.child.kill('SIGTERM');
      await demo.waitForLine((l) => l.msg === 'stopping');
      const res = await inFlight;
      assert.equal(res.status, 200);
      const { code, signal } = await demo.exited;
      assert.equal(signal, null);
      assert.equal(code, 0);
      const stopped = demo.lines.find((l) => l.msg === 'stopped');
      assert.ok(stopped, 'a stop log line');
      await assert.rejects(fetch(`${demo.url}/health/ready`));
    } finally {
      await stop(demo);
    }
  });

  it('SIGTERM exits 0 within SHUTDOWN_GRACE_MS even when a request hangs', async () => {
    const demo = await start({ LATENCY_MS: '10000', SHUTDOWN_GRACE_MS: '300' });
    try {
      const hanging = fetch(`${demo.url}/api/info`).catch((err: unknown) => err);
      await sleep(100);
      const t = Date.now();
      demo.child.kill('SIGTERM');
      const { code } = await demo.exited;
      assert.equal(code, 0);
      assert.ok(Date.now() - t < 2000, `exited after ${Date.now() - t} ms`);
      assert.ok((await hanging) instanceof Error);
      assert.equal(demo.lines.find((l) => l.msg === 'stopped')?.dropped, 1);
    } finally {
      await stop(demo);
    }
  });

  it('rejects malformed settings with exit code 2', async () => {
    const demo = run({ ERROR_RATE: '2' });
    demo.started.catch(() => {});
    const { code } = await demo.exited;
    assert.equal(code, 2);
    assert.match(demo.stderr(), /invalid ERROR_RATE/);
  });
});
