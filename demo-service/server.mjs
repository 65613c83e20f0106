#!/usr/bin/env node
// The bundled demo service: the stand-in for every example platform's images on the embedded local
// cluster (see `localImages` in examples/*/slipway.yaml). Plain ESM with no dependencies and no build
// step, because it is started as one child process per pod and must be up in a few tens of
// milliseconds. Its failure modes are injected through environment variables so that releases,
// probes, analysis and rollbacks can be exercised against real processes. It writes nothing to disk
// (pods run with a read-only root filesystem).
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { flagReader } from './flags.mjs';

const startedAt = Date.now();

/**
 * Reads a non-negative number from the environment; exits with a usage error when it is malformed,
 * so a typo in a values file shows up as a crash-looping pod with a clear log line, not a silent default.
 * @param {string} key
 * @param {number} fallback
 * @param {number} [max]
 * @returns {number}
 */
function envNumber(key, fallback, max = Number.MAX_SAFE_INTEGER) {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: `invalid ${key}=${JSON.stringify(raw)}: expected a number between 0 and ${max}` })}\n`,
    );
    process.exit(2);
  }
  return value;
}

/** @param {string} key */
const envFlag = (key) => ['1', 'true', 'yes'].includes((process.env[key] ?? '').toLowerCase());

const config = {
  host: process.env.HOST || '127.0.0.1',
  port: envNumber('PORT', 8080, 65535),
  metricsPort: process.env.METRICS_PORT ? envNumber('METRICS_PORT', 0, 65535) : undefined,
  service: process.env.SERVICE_NAME || 'demo-service',
  version: process.env.VERSION || 'v1',
  pod: process.env.POD_NAME || hostname(),
  startDelayMs: envNumber('START_DELAY_MS', 0),
  readyDelayMs: envNumber('READY_DELAY_MS', 0),
  neverReady: envFlag('NEVER_READY'),
  crashAfterMs: process.env.CRASH_AFTER_MS ? envNumber('CRASH_AFTER_MS', 0) : undefined,
  failLivenessAfterMs: process.env.FAIL_LIVENESS_AFTER_MS
    ? envNumber('FAIL_LIVENESS_AFTER_MS', 0)
    : undefined,
  errorRate: envNumber('ERROR_RATE', 0, 1),
  latencyMs: envNumber('LATENCY_MS', 0),
  latencyJitterMs: envNumber('LATENCY_JITTER_MS', 0),
  shutdownGraceMs: envNumber('SHUTDOWN_GRACE_MS', 2000),
  logRequests: envFlag('LOG_REQUESTS'),
  featureFlag: process.env.FEATURE_FLAG || undefined,
  flagErrorVariant: process.env.FLAG_ERROR_VARIANT || 'on',
  flagErrorRate: envNumber('FLAG_ERROR_RATE', 0, 1),
};

/**
 * One JSON line per event on stdout.
 * @param {string} msg
 * @param {Record<string, unknown>} [fields]
 */
function log(msg, fields = {}) {
  const line = {
    time: new Date().toISOString(),
    level: 'info',
    msg,
    service: config.service,
    version: config.version,
    pod: config.pod,
    ...fields,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// ---------- state ----------

const flags = flagReader(config.featureFlag, (msg, fields) => log(msg, fields));

let shuttingDown = false;
let inFlight = 0;
const elapsed = () => Date.now() - startedAt;
const started = () => elapsed() >= config.startDelayMs;
const ready = () => !shuttingDown && !config.neverReady && started() && elapsed() >= config.readyDelayMs;
const live = () => config.failLivenessAfterMs === undefined || elapsed() < config.failLivenessAfterMs;

// ---------- metrics (Prometheus text format) ----------

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** @type {Map<string, number>} key: path\u0000method\u0000code */
const requestCounts = new Map();
/** @type {Map<string, { counts: number[], sum: number, count: number }>} key: path */
const latency = new Map();

/** @param {string} value */
const labelValue = (value) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const constLabels = `service="${labelValue(config.service)}",version="${labelValue(config.version)}"`;

/**
 * @param {string} path route template, never the raw URL (keeps label cardinality bounded)
 * @param {string} method
 * @param {number} code
 * @param {number} seconds
 */
function observe(path, method, code, seconds) {
  const key = `${path}\u0000${method}\u0000${code}`;
  requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
  let h = latency.get(path);
  if (!h) {
    h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    latency.set(path, h);
  }
  for (let i = 0; i < BUCKETS.length; i++) if (seconds <= /** @type {number} */ (BUCKETS[i])) h.counts[i]++;
  h.sum += seconds;
  h.count++;
}

function renderMetrics() {
  const out = [
    '# HELP http_requests_total HTTP requests served, by route, method and status code.',
    '# TYPE http_requests_total counter',
  ];
  for (const [key, n] of requestCounts) {
    const [path, method, code] = key.split('\u0000');
    out.push(
      `http_requests_total{${constLabels},path="${labelValue(path ?? '')}",method="${method}",code="${code}"} ${n}`,
    );
  }
  out.push(
    '# HELP http_request_duration_seconds Time to answer an HTTP request, by route.',
    '# TYPE http_request_duration_seconds histogram',
  );
  for (const [path, h] of latency) {
    const labels = `${constLabels},path="${labelValue(path)}"`;
    BUCKETS.forEach((le, i) => {
      out.push(`http_request_duration_seconds_bucket{${labels},le="${le}"} ${h.counts[i]}`);
    });
    out.push(`http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
    out.push(`http_request_duration_seconds_sum{${labels}} ${h.sum}`);
    out.push(`http_request_duration_seconds_count{${labels}} ${h.count}`);
  }
  out.push(
    '# HELP http_requests_in_flight HTTP requests being answered now.',
    '# TYPE http_requests_in_flight gauge',
    `http_requests_in_flight{${constLabels}} ${inFlight}`,
    '# HELP demo_ready 1 when the readiness probe answers 200.',
    '# TYPE demo_ready gauge',
    `demo_ready{${constLabels}} ${ready() ? 1 : 0}`,
    '# HELP demo_info Constant 1, labelled with the service, version and pod.',
    '# TYPE demo_info gauge',
    `demo_info{${constLabels},pod="${labelValue(config.pod)}"} 1`,
    '# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.',
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${startedAt / 1000}`,
  );
  return `${out.join('\n')}\n`;
}

// ---------- the application ----------

const ITEMS = [
  { id: '1', name: 'consultation', durationMinutes: 15 },
  { id: '2', name: 'follow-up', durationMinutes: 30 },
  { id: '3', name: 'vaccination', durationMinutes: 10 },
];
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} code
 * @param {unknown} body
 */
function sendJson(res, code, body) {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-served-by': config.pod,
    'x-version': config.version,
    ...(shuttingDown ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} code
 * @param {string} text
 * @param {string} [type]
 */
function sendText(res, code, text, type = 'text/plain; charset=utf-8') {
  res.writeHead(code, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    ...(shuttingDown ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string | null>} null when too large */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const info = () => ({
  service: config.service,
  version: config.version,
  pod: config.pod,
  hostname: hostname(),
  uptime: Math.round(elapsed()) / 1000,
});

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers one request; returns the route template used for metrics.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @returns {Promise<string>}
 */
async function route(req, res, url) {
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path === '/metrics') {
    sendText(res, 200, renderMetrics(), 'text/plain; version=0.0.4; charset=utf-8');
    return path;
  }
  if (path === '/health/live') {
    const ok = live();
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'failing' });
    return path;
  }
  if (path === '/health/ready') {
    const ok = ready();
    const reason = shuttingDown ? 'shutting down' : !started() ? 'starting' : 'not ready';
    sendJson(res, ok ? 200 : 503, ok ? { status: 'ok' } : { status: 'unavailable', reason });
    return path;
  }
  if (path === '/health/startup') {
    const ok = started();
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'starting' });
    return path;
  }

  const template =
    path === '/' || path === '/api/info' || path === '/api/items' || path === '/api/echo'
      ? path
      : path.startsWith('/api/items/')
        ? '/api/items/:id'
        : 'unmatched';
  if (template === 'unmatched') {
    sendJson(res, 404, { error: 'not found', path });
    return template;
  }

  // Application routes: injected latency and faults apply here, never to probes or metrics.
  const delay = config.latencyMs + (config.latencyJitterMs > 0 ? Math.random() * config.latencyJitterMs : 0);
  if (delay > 0) await sleep(delay);
  if (!started()) {
    sendJson(res, 503, { error: 'starting' });
    return template;
  }
  if (req.headers['x-fault'] === 'error') {
    sendJson(res, 500, { error: 'fault injected by x-fault header', ...info() });
    return template;
  }
  if (config.errorRate > 0 && Math.random() < config.errorRate) {
    sendJson(res, 500, { error: 'fault injected by ERROR_RATE', ...info() });
    return template;
  }
  // The feature flag, per request (x-request-id is the targeting key, so shares are per request).
  if (flags) {
    const rid = req.headers['x-request-id'];
    const flag = await flags.evaluate(typeof rid === 'string' ? rid : undefined);
    res.setHeader('x-flag-variant', String(flag.variant ?? 'default'));
    const faulty =
      flag.variant !== undefined &&
      (req.headers['x-fault-variant'] === flag.variant ||
        (flag.variant === config.flagErrorVariant && Math.random() < config.flagErrorRate));
    if (faulty) {
      sendJson(res, 500, { error: `fault injected for flag variant ${flag.variant}`, flag, ...info() });
      return template;
    }
    if (template === '/' || template === '/api/info') {
      sendJson(res, 200, { ...info(), flag, flow: flag.value ? 'new' : 'classic' });
      return template;
    }
  }

  if (template === '/api/echo') {
    const body = await readBody(req);
    if (body === null) {
      sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
      return template;
    }
    let json;
    if ((req.headers['content-type'] ?? '').includes('json') && body !== '') {
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
    }
    sendJson(res, 200, {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      ...(json !== undefined ? { json } : {}),
      pod: config.pod,
      version: config.version,
    });
    return template;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendJson(res, 405, { error: `method ${method} not allowed on ${path}` });
    return template;
  }
  if (template === '/' || template === '/api/info') {
    sendJson(res, 200, info());
  } else if (template === '/api/items') {
    sendJson(res, 200, { items: ITEMS, count: ITEMS.length, servedBy: config.pod, version: config.version });
  } else {
    const id = decodeURIComponent(path.slice('/api/items/'.length));
    const item = ITEMS.find((i) => i.id === id);
    if (item) sendJson(res, 200, { ...item, servedBy: config.pod, version: config.version });
    else sendJson(res, 404, { error: `item ${JSON.stringify(id)} not found` });
  }
  return template;
}

/**
 * @param {boolean} metricsOnly true for the METRICS_PORT listener
 * @returns {import('node:http').RequestListener}
 */
function handler(metricsOnly) {
  return (req, res) => {
    const t0 = process.hrtime.bigint();
    inFlight++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const done = (/** @type {string} */ template) => {
      inFlight--;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      observe(template, req.method ?? 'GET', res.statusCode, seconds);
      if (config.logRequests) {
        log('request', {
          method: req.method,
          path: url.pathname,
          code: res.statusCode,
          durationMs: Math.round(seconds * 1e6) / 1e3,
        });
      }
      maybeFinishShutdown();
    };
    if (metricsOnly && url.pathname !== '/metrics') {
      sendJson(res, 404, { error: 'this port serves /metrics only' });
      done('unmatched');
      return;
    }
    route(req, res, url).then(done, (/** @type {unknown} */ err) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
      log('error', { level: 'error', error: String(err) });
      done('error');
    });
  };
}

// ---------- lifecycle ----------

const server = createServer({ keepAliveTimeout: 5000 }, handler(false));
const metricsServer = config.metricsPort !== undefined ? createServer(handler(true)) : undefined;

/** @param {import('node:http').Server} s */
const boundPort = (s) => {
  const a = s.address();
  return a && typeof a === 'object' ? a.port : undefined;
};

/** @param {import('node:http').Server} s @param {number} port @returns {Promise<void>} */
const listen = (s, port) =>
  new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, config.host, () => {
      s.off('error', reject);
      resolve();
    });
  });

/** @type {(() => void) | undefined} */
let finishShutdown;
function maybeFinishShutdown() {
  if (shuttingDown && inFlight === 0 && finishShutdown) finishShutdown();
}

/** @param {string} signal */
function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log('stopping', { signal, inFlight, graceMs: config.shutdownGraceMs });
  // Stop accepting; idle keep-alive sockets are closed, busy ones finish their request first.
  server.close();
  server.closeIdleConnections();
  metricsServer?.close();
  metricsServer?.closeIdleConnections();
  const timer = setTimeout(() => {
    log('stopped', { signal, reason: 'grace period over', dropped: inFlight });
    server.closeAllConnections();
    metricsServer?.closeAllConnections();
    process.exit(0);
  }, config.shutdownGraceMs);
  finishShutdown = () => {
    clearTimeout(timer);
    finishShutdown = undefined;
    log('stopped', { signal, uptime: elapsed() / 1000 });
    server.closeAllConnections();
    metricsServer?.closeAllConnections();
    process.exit(0);
  };
  maybeFinishShutdown();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  await listen(server, config.port);
  if (metricsServer && config.metricsPort !== undefined) await listen(metricsServer, config.metricsPort);
} catch (err) {
  process.stderr.write(
    `${JSON.stringify({ level: 'error', msg: 'cannot listen', host: config.host, error: String(err) })}\n`,
  );
  process.exit(1);
}

log('started', {
  host: config.host,
  port: boundPort(server),
  ...(metricsServer ? { metricsPort: boundPort(metricsServer) } : {}),
  startupMs: elapsed(),
  ...(config.startDelayMs ? { startDelayMs: config.startDelayMs } : {}),
  ...(config.readyDelayMs ? { readyDelayMs: config.readyDelayMs } : {}),
  ...(config.neverReady ? { neverReady: true } : {}),
  ...(config.errorRate ? { errorRate: config.errorRate } : {}),
  ...(config.latencyMs || config.latencyJitterMs
    ? { latencyMs: config.latencyMs, latencyJitterMs: config.latencyJitterMs }
    : {}),
  ...(config.crashAfterMs !== undefined ? { crashAfterMs: config.crashAfterMs } : {}),
  ...(config.failLivenessAfterMs !== undefined ? { failLivenessAfterMs: config.failLivenessAfterMs } : {}),
});

if (config.crashAfterMs !== undefined) {
  setTimeout(() => {
    log('crashing', { level: 'error', reason: `CRASH_AFTER_MS=${config.crashAfterMs}` });
    process.exit(1);
  }, config.crashAfterMs);
}
