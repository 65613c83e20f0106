// nginx as a reference reverse proxy for bench/proxy.bench.ts: our own config in a temp prefix
// (never the system service), `daemon off` so the spawned process is the master we stop by pid,
// one worker, upstream keep-alive, a free loopback port. Returns undefined when nginx is not installed.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, killPid, waitForPort } from './support-proc.ts';

export interface NginxProxy {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The nginx binary: `BENCH_NGINX` when set (empty: none, to check the skip path), else PATH and sbin dirs. */
export function findNginx(): string | undefined {
  const forced = process.env.BENCH_NGINX;
  if (forced !== undefined) return forced && executable(forced) ? forced : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, 'nginx');
    if (executable(p)) return p;
  }
  return undefined;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function config(prefix: string, port: number, upstreams: string[]): string {
  const temp = (name: string) => join(prefix, name);
  return `worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  upstream pods {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 256;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://pods;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Starts nginx in front of `upstreams` (host:port); undefined when nginx is not installed. */
export async function startNginx(upstreams: string[]): Promise<NginxProxy | undefined> {
  const bin = findNginx();
  if (!bin) return undefined;
  const prefix = mkdtempSync(join(tmpdir(), 'slipway-bench-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, d));
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, config(prefix, port, upstreams));
  let child: ChildProcess | undefined;
  const exited = new Promise<void>((resolve) => {
    child = spawn(bin, ['-c', conf, '-p', prefix, '-e', join(prefix, 'error.log')], { stdio: 'ignore' });
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
  const pid = child!.pid ?? 0;
  const stop = async () => {
    killPid(pid, 'SIGTERM');
    const gone = await Promise.race([
      exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 3000)),
    ]);
    if (!gone) {
      killPid(pid, 'SIGKILL');
      await exited;
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  if (!pid || !(await waitForPort('127.0.0.1', port, 5000))) {
    await stop();
    throw new Error(`nginx did not start on 127.0.0.1:${port}`);
  }
  return { url: `http://127.0.0.1:${port}`, pid, stop };
}
