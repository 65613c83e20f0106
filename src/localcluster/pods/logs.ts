// Container logs: each container instance's stdout and stderr go to one file under
// `<dir>/logs/`, bounded by rotating into a single `.old` file, so `kubectl logs` and
// `kubectl logs --previous` read real output without the disk filling up.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_MAX_LOG_BYTES = 2 * 1024 * 1024;

export function logFile(dir: string, ns: string, pod: string, container: string, instance: number): string {
  return join(dir, `${ns}_${pod}_${container}_${instance}.log`);
}

/** Appends to one instance's log with a size cap. Timestamps each line (for --timestamps). */
export class LogSink {
  private fd: number;
  private size = 0;
  private partial = '';

  constructor(
    private readonly path: string,
    private readonly maxBytes = DEFAULT_MAX_LOG_BYTES,
  ) {
    mkdirSync(join(path, '..'), { recursive: true });
    this.fd = openSync(path, 'a');
    try {
      this.size = statSync(path).size;
    } catch {}
  }

  write(chunk: Buffer | string): void {
    if (this.fd < 0) return;
    const text = this.partial + chunk.toString();
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > 16_384) {
      lines.push(this.partial);
      this.partial = '';
    }
    if (lines.length === 0) return;
    const ts = new Date().toISOString();
    const out = lines.map((l) => `${ts} ${l}\n`).join('');
    if (this.size + out.length > this.maxBytes) this.rotate();
    this.size += writeSync(this.fd, out);
  }

  close(): void {
    if (this.fd < 0) return;
    if (this.partial) this.write('\n');
    closeSync(this.fd);
    this.fd = -1;
  }

  private rotate(): void {
    closeSync(this.fd);
    renameSync(this.path, `${this.path}.old`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}

export interface ReadLogOptions {
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

/** Reads an instance's log (rotated part first) with kubectl's filters; undefined when absent. */
export function readLog(path: string, o: ReadLogOptions = {}): string | undefined {
  if (!existsSync(path)) return undefined;
  let text = '';
  if (existsSync(`${path}.old`)) text += readFileSync(`${path}.old`, 'utf8');
  text += readFileSync(path, 'utf8');
  let lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (o.sinceSeconds !== undefined) {
    const from = Date.now() - o.sinceSeconds * 1000;
    lines = lines.filter((l) => Date.parse(l.slice(0, l.indexOf(' '))) >= from);
  }
  if (o.tailLines !== undefined && o.tailLines >= 0)
    lines = lines.slice(Math.max(0, lines.length - o.tailLines));
  if (!o.timestamps) lines = lines.map((l) => l.slice(l.indexOf(' ') + 1));
  let out = lines.length ? `${lines.join('\n')}\n` : '';
  if (o.limitBytes !== undefined && out.length > o.limitBytes) out = out.slice(0, o.limitBytes);
  return out;
}

export function removeLogs(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.old`, { force: true });
}
