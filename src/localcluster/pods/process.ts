// Child processes for mapped containers: each one leads its own process group (spawned detached) so
// that termination reaches everything it started; SIGTERM, then SIGKILL after the grace period.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ImageMapping {
  /** Image pattern; `*` matches any run of characters (`ghcr.io/org/*`). */
  image: string;
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
  /**
   * The command is the image's ENTRYPOINT: the container's `args` follow it ($(VAR) expanded), as
   * Kubernetes passes args to an image. Otherwise the container's command and args are ignored.
   */
  passArgs?: boolean;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * slipway's own image runs this installation's CLI (the sources through tsx, or the build), with the
 * container's args: `slipway serve …` in a pod is this checkout's `slipway serve …`.
 */
export function selfImageMappings(): ImageMapping[] {
  const main = fileURLToPath(new URL(`../../cli/main.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));
  const command = FROM_SOURCE ? ['node', '--import', import.meta.resolve('tsx'), main] : ['node', main];
  return ['slipway/slipway', 'slipway/slipway:*', 'slipway/slipway@*'].map((image) => ({
    image,
    command,
    passArgs: true,
  }));
}

export function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`);
}

export function findMapping(mappings: ImageMapping[], image: string): ImageMapping | undefined {
  return mappings.find((m) => globToRegExp(m.image).test(image));
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// The bundled stand-ins, named like the package's bins so that a platform names no path of this
// machine: when the bin is not on PATH (a source checkout, npx), run the file of this package.
const BUNDLED: Record<string, URL> = {
  'slipway-demo-service': new URL('../../../demo-service/server.mjs', import.meta.url),
  'slipway-demo-job': new URL('../../../demo-service/job.mjs', import.meta.url),
};

/** `node` is this Node; a bundled bin not on PATH is its script run by this Node. */
export function resolveCommand(command: string[], path = process.env.PATH ?? ''): string[] {
  const [cmd, ...args] = command;
  if (cmd === 'node') return [process.execPath, ...args];
  const bundled = cmd === undefined ? undefined : BUNDLED[cmd];
  if (!bundled || path.split(delimiter).some((d) => d && existsSync(join(d, cmd!)))) return command;
  return [process.execPath, fileURLToPath(bundled), ...args];
}

export function spawnGroup(command: string[], env: Record<string, string>, cwd: string): Spawned {
  const [cmd, ...args] = resolveCommand(command);
  const child = spawn(cmd!, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    let done = false;
    child.on('exit', (code, signal) => {
      if (!done) resolve({ code, signal });
      done = true;
    });
    child.on('error', () => {
      if (!done) resolve({ code: 128, signal: null });
      done = true;
    });
  });
  return { child, pid: child.pid ?? -1, exited };
}

export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function groupAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, SIGKILL after graceMs; resolves when the leader has exited. */
export async function terminateGroup(s: Spawned, graceMs: number): Promise<void> {
  signalGroup(s.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      signalGroup(s.pid, 'SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([s.exited, killed]);
  clearTimeout(timer);
  await s.exited;
  // Whatever the leader left behind in its group goes too.
  signalGroup(s.pid, 'SIGKILL');
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system, own and reaped children) a process has used, from /proc; Linux only. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime=14, stime=15, cutime=16, cstime=17 (1-based).
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
    return ticks / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
