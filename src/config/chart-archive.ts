// Reading a packaged chart (`helm package` writes <name>-<version>.tgz: a gzip-compressed tar whose
// one top directory is the chart's name). Only what a chart archive holds is understood: regular
// files and directories, with PAX or GNU long names; links and devices are refused. Pure: bytes in,
// files out, with limits so that a hostile archive cannot exhaust memory.
import { gunzipSync } from 'node:zlib';
import { SlipwayError } from '../shared/errors.ts';

/** An archive larger than this once decompressed is refused (slipway's own chart is ~20 KB). */
export const MAX_ARCHIVE_BYTES = 8 * 1024 * 1024;
const MAX_ENTRIES = 1000;
const BLOCK = 512;

export interface ArchiveFile {
  /** Path inside the archive, `/`-separated, without a leading `./`. */
  path: string;
  data: Buffer;
}

function archiveError(shown: string, why: string): SlipwayError {
  return new SlipwayError('config', `${shown} is not a chart archive: ${why}`, {
    location: { file: shown },
    hint: 'Package the chart with `helm package <dir>` (or tar czf) and commit the .tgz it writes.',
  });
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

function octal(block: Buffer, start: number, length: number): number {
  const s = text(block, start, length).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** PAX extended header records: `<len> <key>=<value>\n`. */
function paxPath(data: Buffer): string | undefined {
  let at = 0;
  let path: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(at, space).toString('utf8'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += len;
  }
  return path;
}

/** The regular files of a .tgz, in archive order. */
export function readTgz(bytes: Buffer, shown: string): ArchiveFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch (e) {
    const why =
      (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
        ? `it holds more than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB`
        : 'it is not gzip-compressed';
    throw archiveError(shown, why);
  }
  const files: ArchiveFile[] = [];
  let at = 0;
  let longName: string | undefined;
  let entries = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    if (++entries > MAX_ENTRIES) throw archiveError(shown, `it has more than ${MAX_ENTRIES} entries`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isSafeInteger(size) || size < 0 || at + BLOCK + size > tar.length)
      throw archiveError(shown, 'an entry is cut short');
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    // POSIX ustar ("ustar\0") has a name prefix at 345; the old GNU format ("ustar  ") keeps times there.
    const posix = header.subarray(257, 263).toString('latin1') === 'ustar\0';
    const prefix = posix ? text(header, 345, 155) : '';
    let path = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (type === 'x') {
      longName = paxPath(data);
      continue;
    }
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'g' || type === '5') continue; // global header, directory
    if (type !== '0' && type !== '\0' && type !== '7')
      throw archiveError(shown, `${path} is not a regular file (links and devices are refused)`);
    path = path.replace(/^\.\//, '');
    if (path.startsWith('/') || path.split('/').includes('..'))
      throw archiveError(shown, `${path} points outside the archive`);
    files.push({ path, data: Buffer.from(data) });
  }
  return files;
}
