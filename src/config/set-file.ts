// `--set-file key=path` reads a file into a value, so it is the one flag that makes slipway read
// whatever path a command line names. It reads regular files only (never /dev/zero, a FIFO or a
// directory: fstat is checked on the open descriptor before a byte is read), never more than the
// limit, and only UTF-8 text: a binary file would otherwise turn silently into U+FFFD characters.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { SlipwayError, usageError } from '../shared/errors.ts';

/** Default limit of one --set-file file: 1 MiB, as Kubernetes caps a ConfigMap or Secret. */
export const DEFAULT_SET_FILE_MAX_BYTES = 1024 * 1024;
/** Environment variable that changes the limit: bytes, or a number with Ki or Mi (`4Mi`). */
export const SET_FILE_MAX_ENV = 'SLIPWAY_SET_FILE_MAX_BYTES';

const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 * 1024 };

/** The limit from `env` (SLIPWAY_SET_FILE_MAX_BYTES), else 1 MiB; a malformed setting is a usage error. */
export function setFileLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SET_FILE_MAX_ENV]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_SET_FILE_MAX_BYTES;
  const m = /^(\d+)(Ki|Mi)?$/.exec(raw);
  const bytes = m ? Number(m[1]) * UNITS[m[2] ?? '']! : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw usageError(`${SET_FILE_MAX_ENV} must be a positive number of bytes, not "${raw}"`, {
      hint: `Write bytes, or a number with Ki or Mi, e.g. ${SET_FILE_MAX_ENV}=4Mi.`,
    });
  }
  return bytes;
}

/** Reads one --set-file file as UTF-8 text, within `limit` bytes; every refusal exits 2 naming the path. */
export function readSetFile(path: string, limit = setFileLimit()): string {
  const full = resolve(path);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat could refuse it.
    fd = openSync(full, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw refused(path, why, 'Check the path; it is relative to the current directory.', e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw refused(path, `it is ${kind(st)}, not a regular file`, 'Pass the path of a regular file.');
    }
    if (st.size > limit) throw tooLarge(path, st.size, limit);
    // Read at most limit + 1 bytes: a file that grew after fstat is still caught, and never read whole.
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) break;
    }
    if (n > limit) throw tooLarge(path, n, limit);
    return decodeText(path, buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

function decodeText(path: string, bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  const binaryHint =
    'Pass text; to carry binary data, encode it first (e.g. base64) and decode it in the chart.';
  if (nul >= 0) throw refused(path, `it holds binary data (a NUL byte at offset ${nul})`, binaryHint);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refused(path, 'it is not valid UTF-8 text', binaryHint);
  }
}

function tooLarge(path: string, size: number, limit: number): SlipwayError {
  return refused(
    path,
    `it is larger than the limit of ${formatBytes(limit)} (${size > limit ? formatBytes(size) : 'grew while read'})`,
    `Pass a smaller file, or raise the limit with ${SET_FILE_MAX_ENV} (e.g. ${SET_FILE_MAX_ENV}=4Mi).`,
  );
}

function refused(path: string, why: string, hint: string, cause?: unknown): SlipwayError {
  return new SlipwayError(
    'values',
    `invalid --set-file value: cannot read file ${JSON.stringify(path)}: ${why}`,
    {
      hint,
      data: { flag: '--set-file', path },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
