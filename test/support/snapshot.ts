// Snapshot assertions for rendered text: compares with test/__snapshots__/<name>.snap.yaml, writes the
// file when it is missing or when UPDATE_SNAPSHOTS=1, and otherwise fails with a unified diff.
import { AssertionError } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTwoFilesPatch } from 'diff';

export const SNAPSHOT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '__snapshots__');

/** The file a snapshot name maps to; a name with a `/` or an absolute one is kept as a path. */
export function snapshotPath(name: string, dir = SNAPSHOT_DIR): string {
  const file = name.endsWith('.snap.yaml') ? name : `${name}.snap.yaml`;
  return isAbsolute(file) ? file : join(dir, file);
}

/**
 * Asserts that `actual` equals the stored snapshot. `options.dir` keeps snapshots next to the caller
 * (e.g. `join(import.meta.dirname, '__snapshots__')`).
 */
export function matchSnapshot(name: string, actual: string, options: { dir?: string } = {}): void {
  const path = snapshotPath(name, options.dir);
  const update = process.env.UPDATE_SNAPSHOTS === '1' || process.env.UPDATE_SNAPSHOTS === 'true';
  if (update || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  const expected = readFileSync(path, 'utf8');
  if (expected === actual) return;
  const patch = createTwoFilesPatch(`${name} (snapshot)`, `${name} (actual)`, expected, actual, '', '', {
    context: 3,
  });
  throw new AssertionError({
    message: `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 rewrites it)\n${patch}`,
    actual,
    expected,
    operator: 'matchSnapshot',
  });
}
