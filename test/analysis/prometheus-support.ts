// A real Prometheus (Debian package `prometheus`) for the analysis tests: started on a free loopback
// port with a temporary config and data directory, scraping the given targets every 200 ms, and
// stopped by its pid (SIGTERM, then SIGKILL after 5 s) with its directory removed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
const found = spawnSync(PROMETHEUS, ['--version'], { stdio: 'ignore' }).status === 0;
/** A `skip` reason for describe() when the binary is missing. */
export const skipWithoutPrometheus = found
  ? false
  : `no ${PROMETHEUS} binary: install the Debian package "prometheus" (apt-get install -y prometheus)`;

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

export interface RunningPrometheus {
  address: string;
  pid: number;
  /** Stops the process (idempotent) and removes its directory. */
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (host:port, path /metrics) and waits until it is ready. */
export async function startPrometheus(targets: readonly string[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-prom-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 200ms',
      '  scrape_timeout: 150ms',
      'scrape_configs:',
      '  - job_name: mesh',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  let stderr = '';
  const prom: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prom.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const stop = async () => {
    if (prom.pid !== undefined && prom.exitCode === null && prom.signalCode === null) {
      const exited = new Promise((r) => prom.once('exit', r));
      process.kill(prom.pid, 'SIGTERM');
      const timer = setTimeout(() => prom.pid !== undefined && process.kill(prom.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (prom.pid === undefined) throw new Error(`${PROMETHEUS} did not start`);
    await until('Prometheus ready', async () => {
      if (prom.exitCode !== null) throw new Error(`Prometheus exited: ${stderr}`);
      return (await fetch(`${address}/-/ready`)).ok ? true : undefined;
    });
    return { address, pid: prom.pid, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
