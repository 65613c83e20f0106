// Pod processes must not outlive the cluster, even when the cluster process is killed with SIGKILL
// and cannot stop them itself. Each pod leads its own process group (so a terminal's Ctrl-C or a
// group signal does not reach it), so the kernel does not end them with their parent. A watchdog
// does: a tiny Node process, in a process group of its own, that holds the read end of a pipe whose
// write end only the cluster process holds. When the cluster process dies, however it dies, the
// kernel closes that end; the watchdog reads EOF, terminates every process group listed in
// `pids.json` (SIGTERM, SIGKILL after a short grace) and exits. A clean stop kills the watchdog first.
// The watchdog's code is plain JavaScript run with `node -e`: no file to find in a build or checkout.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

// argv[1]: the pid file; argv[2]: grace in ms. Entries whose start time no longer matches the pid
// (a reused pid) are left alone, as killStaleProcesses does.
const WATCHDOG_JS = `
const fs = require('node:fs');
const [, pidFile, graceArg] = process.argv;
const grace = Number(graceArg) || 2000;
const start = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]; } catch { return undefined; } };
const signal = (pid, sig) => { try { process.kill(-pid, sig); return true; } catch {
  try { process.kill(pid, sig); return true; } catch { return false; } } };
let fired = false;
const fire = () => {
  if (fired) return; fired = true;
  let entries = [];
  try { entries = JSON.parse(fs.readFileSync(pidFile, 'utf8')); } catch {}
  const live = entries.filter((e) => e && e.pid > 0 && (e.start === undefined || start(e.pid) === e.start));
  for (const e of live) signal(e.pid, 'SIGTERM');
  setTimeout(() => { for (const e of live) signal(e.pid, 'SIGKILL'); process.exit(0); }, grace);
};
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.stdin.on('end', fire);
process.stdin.on('error', fire);
process.stdin.on('close', fire);
process.stdin.resume();
`;

export interface Watchdog {
  readonly pid: number | undefined;
  /** Ends the watchdog without touching any pod (the cluster stopped them itself). */
  stop(): void;
}

/** Starts the watchdog of a cluster whose pod runner keeps its live pids in `pidFile`. */
export function startWatchdog(
  pidFile: string,
  o: { graceMs?: number; log?: (l: string) => void } = {},
): Watchdog {
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, ['-e', WATCHDOG_JS, pidFile, String(o.graceMs ?? 2_000)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      // No loader, inspector or other flags of this process: the watchdog is plain JavaScript.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
  } catch (e) {
    o.log?.(`pod watchdog not started (pods would outlive a killed cluster): ${String(e)}`);
    return { pid: undefined, stop() {} };
  }
  child.on('error', (e) => o.log?.(`pod watchdog: ${e.message}`));
  child.stdin?.on('error', () => {});
  // Neither the process nor its pipe keeps this process alive.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  const c = child;
  return {
    pid: c.pid,
    stop() {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      c.stdin?.destroy();
    },
  };
}
