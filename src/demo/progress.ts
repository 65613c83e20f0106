// Live progress of releases running side by side: one line per service. On a TTY the lines are
// redrawn in place; elsewhere each finished step is printed once as a plain line.
import pc from 'picocolors';
import type { ObjectProgress, ReleaseEvents } from '../release/index.ts';

export interface Board {
  events(key: string): ReleaseEvents;
  done(key: string, text: string, ok: boolean): void;
  close(): void;
}

export function progressBoard(out: (s: string) => void, tty: boolean, keys: readonly string[]): Board {
  const lines = new Map<string, string>(keys.map((k) => [k, pc.dim('waiting')]));
  const width = Math.max(...keys.map((k) => k.length));
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    let s = drawn ? `\x1b[${drawn}A` : '';
    const columns = process.stderr.columns ?? 0;
    const cols = (columns > 40 ? columns : 120) - 2;
    for (const [k, v] of lines) s += `\x1b[2K  ${k.padEnd(width)}  ${v}`.slice(0, cols + 12) + '\n';
    drawn = lines.size;
    out(s);
  };
  const schedule = () => {
    if (tty && !timer) timer = setTimeout(draw, 100);
  };
  if (tty) draw();
  const set = (k: string, v: string) => {
    lines.set(k, v);
    schedule();
  };
  return {
    events(key) {
      return {
        step(s) {
          if (!s.endedAt) set(key, `${pc.cyan('→')} ${s.name}`);
          else if (!tty && s.outcome !== 'ok')
            out(`  ${key.padEnd(width)}  ${pc.red('✖')} ${s.name}: ${s.detail ?? ''}\n`);
          else if (!tty) out(`  ${key.padEnd(width)}  ${pc.green('✔')} ${s.name}\n`);
        },
        progress(p: ObjectProgress[]) {
          set(key, `${pc.cyan('→')} ${p.map((o) => `${o.name} ${o.ready}/${o.desired} ready`).join(', ')}`);
        },
        log() {},
      };
    },
    done(key, text, ok) {
      const v = `${ok ? pc.green('✔') : pc.red('✖')} ${text}`;
      if (tty) set(key, v);
      else out(`  ${key.padEnd(width)}  ${v}\n`);
    },
    close() {
      if (timer) clearTimeout(timer);
      if (tty) draw();
    },
  };
}
