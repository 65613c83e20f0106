// Printing helpers shared by every command: one place decides how errors, JSON and tables look.
import Table from 'cli-table3';
import pc from 'picocolors';
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
    const title = err.type === 'crash' ? pc.red('internal error') : pc.red('error');
    process.stderr.write(`${title}: ${err.explain()}\n`);
  }
  if (options.debug) {
    const cause = err.type === 'crash' ? (err.cause ?? err) : err;
    if (cause instanceof Error && cause.stack) process.stderr.write(`${pc.dim(cause.stack)}\n`);
  }
  return err.exitCode;
}

export const color = pc;

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
