// How a release shows in the terminal: plain step lines (colours and an in-place rollout status on a
// TTY), a listr2 live view on an interactive terminal, or one JSON object per line; and the outcome.
import type { ReleaseRecord } from '../release/history.ts';
import type { ObjectProgress, ReleaseEvents } from '../release/types.ts';
import { color, terminalSafe, trusted, unguardedStream } from './output.ts';

const ms = (a: string, b: string | undefined) =>
  b ? `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)} s` : '';

/** Plain lines (a TTY gets colours and in-place rollout status), or one JSON object per line. */
export function consoleEvents(format: 'text' | 'json'): ReleaseEvents {
  const out = (s: string) => process.stderr.write(s);
  if (format === 'json') {
    const line = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
    return {
      step: (s) => line({ event: 'step', ...s }),
      progress: (p) => line({ event: 'progress', objects: p }),
      log: (l) => line({ event: 'log', line: l }),
    };
  }
  const tty = process.stderr.isTTY === true;
  let live = false;
  const clearLive = () => {
    if (live) out(trusted('\r\x1b[2K'));
    live = false;
  };
  return {
    step(s) {
      clearLive();
      if (!s.endedAt) {
        out(`${color.cyan('→')} ${s.name}\n`);
        return;
      }
      const mark =
        s.outcome === 'ok' ? color.green('✔') : s.outcome === 'failed' ? color.red('✖') : color.dim('-');
      out(
        `${mark} ${s.name}${s.detail ? `: ${s.detail.split('\n')[0]}` : ''} ${color.dim(ms(s.startedAt, s.endedAt))}\n`,
      );
    },
    progress(p: ObjectProgress[]) {
      const text = p
        .map((o) => {
          const pods = o.pods
            .filter((x) => x.isNew && (!x.ready || x.restarts > 0))
            .map(
              (x) =>
                `${x.name} ${x.phase}${x.reason ? ` ${x.reason}` : ''}${x.restarts ? ` restarts ${x.restarts}` : ''}`,
            );
          return `${o.kind}/${o.name} ${o.updated}/${o.desired} updated, ${o.ready} ready, ${o.available} available${pods.length ? ` [${pods.join(', ')}]` : ''}`;
        })
        .join('; ');
      if (tty) {
        clearLive();
        out(`  ${color.dim(text.slice(0, (process.stderr.columns ?? 120) - 3))}`);
        live = true;
      } else out(`  ${text}\n`);
    },
    log(l) {
      clearLive();
      out(`  ${color.dim(l)}\n`);
    },
  };
}

/**
 * On a TTY (text output): a listr2 live view of `run` — one task whose output lists the steps done and
 * the rollout status in place. Elsewhere `run` just gets the plain-line events.
 */
export async function withLiveView<T>(
  title: string,
  format: 'text' | 'json',
  run: (events: ReleaseEvents) => Promise<T>,
  o: { detachable?: boolean } = {},
): Promise<T> {
  if (format !== 'text' || process.stderr.isTTY !== true || process.env.CI)
    return await run(consoleEvents(format));
  const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
  // listr2 moves the cursor itself, so it writes past the terminal guard; every text handed to it
  // (task.title, task.output) goes through terminalSafe() instead.
  const processOutput = new ProcessOutput(unguardedStream(process.stdout), unguardedStream(process.stderr));
  let result: T | undefined;
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx, task) => {
          // Each assignment to task.output adds a line to the task's output bar (the last 20 show).
          const events: ReleaseEvents = {
            step(s) {
              if (!s.endedAt) {
                task.title = terminalSafe(`${title}: ${s.name}`);
                return;
              }
              const mark = s.outcome === 'ok' ? color.green('✔') : color.red('✖');
              task.output = terminalSafe(
                `${mark} ${s.name}${s.detail ? `: ${s.detail.split('\n')[0]}` : ''} ${color.dim(ms(s.startedAt, s.endedAt))}`,
              );
            },
            progress(p) {
              for (const o of p)
                task.output = terminalSafe(
                  color.dim(
                    `  ${o.kind}/${o.name} ${o.updated}/${o.desired} updated, ${o.ready} ready, ${o.available} available`,
                  ),
                );
            },
            log(line) {
              task.output = terminalSafe(color.dim(`  ${line}`));
            },
          };
          result = await run(events);
          task.title = terminalSafe(title);
        },
        rendererOptions: { outputBar: 20, persistentOutput: true },
      },
    ],
    {
      renderer: 'default',
      rendererOptions: { logger: new ListrLogger({ processOutput }) },
      exitOnError: true,
      // Following a server's run, Ctrl-C detaches (remote/follow.ts); listr2 would exit 127 instead.
      ...(o.detachable ? { registerSignalListeners: false } : {}),
    },
  );
  await list.run();
  return result as T;
}

export function printOutcome(r: ReleaseRecord, format: 'text' | 'json', what = 'release'): void {
  if (format === 'json') {
    const { manifests: _m, values: _v, ...rest } = r;
    process.stdout.write(`${JSON.stringify({ event: 'result', ...rest })}\n`);
  } else if (r.status === 'deployed') {
    process.stdout.write(
      `${color.green(`${r.service} revision ${r.revision} deployed`)} to ${r.environment} (${r.version.tag ?? r.version.digest ?? '?'})\n`,
    );
  } else if (r.revision === 0) {
    process.stdout.write(`dry run: ${r.steps.at(-1)?.detail ?? ''}; nothing was applied\n`);
  } else {
    process.stdout.write(
      `${color.red(`${what} of ${r.service} revision ${r.revision} ${r.status}`)}: ${r.failure?.reason ?? ''}\n`,
    );
    if (r.failure?.detail) process.stdout.write(`${r.failure.detail}\n`);
  }
  if (r.revision !== 0 && r.status !== 'deployed') process.exitCode = 1;
}
