// Process helpers for the benchmarks that measure servers from another process: run a node child
// (a bench/support-*.ts client) and read its `RESULT {json}` line, run a command with a time limit,
// find a free loopback port, wait for a port to accept connections. Every child is killed by its
// pid when its time runs out, and waited for.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Runs a command asynchronously (the calling process keeps serving) with a hard time limit. */
export function runCommand(
  cmd: string,
  args: string[],
  o: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv; stderrToParent?: boolean },
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        cwd: o.cwd ?? REPO_ROOT,
        env: o.env ?? process.env,
        stdio: ['ignore', 'pipe', o.stderrToParent ? 'inherit' : 'pipe'],
      });
    } catch (e) {
      resolve({ code: null, stdout: '', stderr: String(e), ms: 0, timedOut: false });
      return;
    }
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killPid(child.pid);
    }, o.timeoutMs);
    child.on('error', (e) => {
      stderr += String(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started, timedOut });
    });
  });
}

export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs `node --import tsx <script> <json config>` and returns the JSON of its `RESULT ` line. */
export async function runNodeClient<T>(script: string, config: unknown, timeoutMs: number): Promise<T> {
  const r = await runCommand(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'bench', script), JSON.stringify(config)],
    { timeoutMs, stderrToParent: true },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line)
    throw new Error(
      `${script} ${r.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${r.code}`} without a result`,
    );
  return JSON.parse(line.slice(7)) as T;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export function sortedCopy(xs: readonly number[]): number[] {
  return Array.from(Float64Array.from(xs).sort());
}

/**
 * The local cluster in a process of its own (as `slipway cluster up` runs it), so a benchmark's
 * server does not share its event loop with the API server it drives, as on a real cluster.
 */
export async function startClusterProcess(
  dir: string,
): Promise<{ kubeconfigPath: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CLUSTER_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CLUSTER_PROF}`]
        : []),
      '--import',
      'tsx',
      join(REPO_ROOT, 'src', 'localcluster', 'cluster-main.ts'),
      JSON.stringify({ dir }),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    killPid(child.pid, 'SIGTERM');
    const t = setTimeout(() => killPid(child.pid), 10_000);
    await exited;
    clearTimeout(t);
  };
  let out = '';
  const kubeconfigPath = await new Promise<string | undefined>((resolve) => {
    const t = setTimeout(() => resolve(undefined), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /kubeconfig (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => resolve(undefined));
  });
  if (!kubeconfigPath) {
    await stop();
    throw new Error(`the local cluster process did not start:\n${out.slice(-2000)}`);
  }
  child.stdout!.resume();
  return { kubeconfigPath, stop };
}
