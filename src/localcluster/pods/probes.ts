// Real container probes: httpGet (port by number or name), tcpSocket and exec, run against the pod's
// loopback address, with Kubernetes' timing fields and thresholds. gRPC probes are checked as TCP.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Obj } from '../controllers/util.ts';

export interface Probe {
  httpGet?: {
    path?: string;
    port: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: Array<{ name: string; value: string }>;
  };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command?: string[] };
  grpc?: { port: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ProbeTarget {
  ip: string;
  /** The container's ports, to resolve named ports. */
  ports: Array<{ name?: string; containerPort: number }>;
  env: Record<string, string>;
  cwd: string;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

export function resolvePort(
  port: number | string | undefined,
  ports: ProbeTarget['ports'],
): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort;
}

export function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, target, timeoutMs);
  if (probe.tcpSocket || probe.grpc) {
    const spec = probe.tcpSocket ?? { port: probe.grpc!.port };
    return tcpProbe(spec.host || target.ip, resolvePort(spec.port, target.ports), timeoutMs);
  }
  if (probe.exec) return execProbe(probe.exec.command ?? [], target, timeoutMs);
  return Promise.resolve({ ok: true, message: '' });
}

function httpProbe(
  h: NonNullable<Probe['httpGet']>,
  t: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  const port = resolvePort(h.port, t.ports);
  const host = h.host || t.ip;
  const path = h.path || '/';
  const url = `http://${host}:${port}${path}`;
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${h.port}` });
  return new Promise((resolve) => {
    const headers: Obj = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
    for (const x of h.httpHeaders ?? []) headers[x.name.toLowerCase()] = x.value;
    const req = request({
      host,
      port,
      path,
      method: 'GET',
      headers: headers as Record<string, string>,
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({
        ok: false,
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    }, timeoutMs);
    req.on('response', (res) => {
      res.resume();
      clearTimeout(timer);
      const code = res.statusCode ?? 0;
      resolve(
        code >= 200 && code < 400
          ? { ok: true, message: '' }
          : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
      );
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      const why =
        (e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message;
      resolve({ ok: false, message: `Get "${url}": dial tcp ${host}:${port}: ${why}` });
    });
    req.end();
  });
}

function tcpProbe(host: string, port: number | undefined, timeoutMs: number): Promise<ProbeResult> {
  if (port === undefined) return Promise.resolve({ ok: false, message: 'unknown port' });
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    s.on('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ok: true, message: '' });
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` });
    });
  });
}

function execProbe(command: string[], t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const [cmd, ...args] = command;
  if (!cmd) return Promise.resolve({ ok: false, message: 'exec probe without a command' });
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, {
      cwd: t.cwd,
      env: t.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {}
      resolve({ ok: false, message: `command timed out after ${timeoutMs / 1000}s` });
    }, timeoutMs);
    const collect = (b: Buffer) => {
      if (out.length < 1024) out += b.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(
        code === 0 ? { ok: true, message: '' } : { ok: false, message: out.trim() || `exit code ${code}` },
      );
    });
  });
}

/**
 * Runs one probe periodically and reports each result with the thresholds applied: `onChange(true)`
 * after successThreshold successes in a row, `onChange(false)` after failureThreshold failures.
 */
export class ProbeWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private successes = 0;
  private failures = 0;
  result: boolean | undefined;

  constructor(
    private readonly probe: Probe,
    private readonly target: () => ProbeTarget,
    private readonly onResult: (ok: boolean, r: ProbeResult, changed: boolean) => void,
    /** Probes of a simulated container succeed without a process to ask. */
    private readonly simulated = false,
  ) {}

  start(extraDelayMs = 0): void {
    const delay = (this.probe.initialDelaySeconds ?? 0) * 1000 + extraDelayMs;
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const r = this.simulated ? { ok: true, message: '' } : await runProbe(this.probe, this.target());
    if (this.stopped) return;
    if (r.ok) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
    }
    const successThreshold = this.probe.successThreshold ?? 1;
    const failureThreshold = this.probe.failureThreshold ?? 3;
    let next = this.result;
    if (r.ok && this.successes >= successThreshold) next = true;
    if (!r.ok && this.failures >= failureThreshold) next = false;
    const changed = next !== this.result;
    this.result = next;
    this.onResult(r.ok, r, changed);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0.1, this.probe.periodSeconds ?? 10) * 1000);
  }
}
