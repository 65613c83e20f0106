// Printing helpers shared by every command: one place decides how errors, JSON and tables look, and
// the one place that keeps user text from driving the terminal: guardTerminalOutput() (called once by
// main) escapes every control character written to stdout and stderr (escapeControl), so a name from
// SLIPWAY_USER, a flag value or a YAML key echoed in an error can never move the cursor or set the
// title. slipway's own colours and line clearing pass because they are written as trusted tokens
// (trusted() below), unforgeable since they carry a random per-process nonce.
import { randomBytes } from 'node:crypto';
import Table from 'cli-table3';
import pc from 'picocolors';
import { escapeControl } from '../shared/control-chars.ts';
import { toSlipwayError, usageError } from '../shared/errors.ts';

export type OutputFormat = 'text' | 'json';

export function parseOutputFormat(value: string, allowed: readonly string[] = ['text', 'json']): string {
  if (!allowed.includes(value)) {
    throw usageError(`--output must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a user-facing error: explain() text (no stack unless --debug) and returns its exit code. */
export function reportError(e: unknown, options: { debug: boolean; json: boolean }): number {
  const err = toSlipwayError(e);
  if (options.json) {
    process.stderr.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
  } else {
    const title = err.type === 'crash' ? color.red('internal error') : color.red('error');
    process.stderr.write(`${title}: ${escapeControl(err.explain())}\n`);
  }
  if (options.debug) {
    const cause = err.type === 'crash' ? (err.cause ?? err) : err;
    if (cause instanceof Error && cause.stack) process.stderr.write(`${color.dim(cause.stack)}\n`);
  }
  return err.exitCode;
}

// ---------- control characters ----------

const NONCE = `\ufdd0${randomBytes(8).toString('hex')}`;
const TRUSTED = new RegExp(`${NONCE}([\\ue000-\\ue09f])`, 'g');
let guarded = false;

/** Control characters that slipway itself writes (colours, clearing a line), marked to pass the guard. */
export function trusted(s: string): string {
  if (!guarded) return s;
  return s.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => NONCE + String.fromCharCode(0xe000 + c.charCodeAt(0)),
  );
}

/** Hiding and showing the cursor (cli-cursor, under listr2's live view): harmless, so passed as is. */
const CURSOR_VISIBILITY = /\x1b(?=\[\?25[hl])/g;

/** Text as the guard writes it: control characters escaped, trusted ones restored. */
export function terminalSafe(s: string): string {
  return escapeControl(s.replace(CURSOR_VISIBILITY, `${NONCE}\ue01b`)).replace(TRUSTED, (_, c: string) =>
    String.fromCharCode(c.charCodeAt(0) - 0xe000),
  );
}

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
const raw = new Map<NodeJS.WriteStream, { raw: Write; guard: Write }>();

/** Escapes control characters in everything written to stdout and stderr from now on (idempotent). */
export function guardTerminalOutput(): void {
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    if (raw.get(stream)?.guard === (stream.write as unknown)) continue;
    const write = stream.write.bind(stream) as Write;
    const guard: Write = (chunk, ...rest) =>
      write(
        typeof chunk === 'string' || chunk instanceof Uint8Array ? terminalSafe(text(chunk)) : chunk,
        ...rest,
      );
    raw.set(stream, { raw: write, guard });
    stream.write = guard as typeof stream.write;
  }
}

function text(chunk: string | Uint8Array): string {
  return typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
}

/**
 * A stream that writes past the guard, for a renderer that moves the cursor itself (listr2's live
 * view): what it is handed must go through terminalSafe() first. Replacing its `write` (as listr2
 * does to buffer other output) leaves the real stream and its guard alone.
 */
export function unguardedStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  const write = raw.get(stream)?.raw ?? stream.write.bind(stream);
  // Own properties copied too (columns, isTTY): listr2 hands Object.assign({}, stream) to log-update.
  return Object.assign(Object.create(stream) as NodeJS.WriteStream, stream, { write });
}

/** picocolors, with its escape codes marked trusted; the coloured text itself is escaped first. */
export const color: typeof pc = Object.fromEntries(
  Object.entries(pc).map(([k, f]) => [
    k,
    typeof f === 'function' ? (input: unknown) => trusted(f(escapeControl(String(input)))) : f,
  ]),
) as typeof pc;

/** A table in kubectl's style: a header row and columns separated by two spaces, no borders. */
export function plainTable(head: string[]): Table.Table {
  const none = { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '' };
  const sides = { 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '' };
  return new Table({
    head,
    style: { head: [], border: [] },
    chars: { ...none, ...sides, right: '', 'right-mid': '', middle: '  ' },
  });
}
