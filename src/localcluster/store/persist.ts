// Snapshot persistence: the whole store as one JSON file, written atomically (temp file + rename).
// The caller debounces (see MemoryStore.onChange).
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createMemoryStore, type MemoryStore, type StoreSnapshot } from './memory-store.ts';

export async function saveSnapshot(store: MemoryStore, file: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify(store.snapshot()));
  await rename(tmp, file);
}

/** Loads a snapshot; watches from resourceVersions before the snapshot get 410 Expired. */
export function loadSnapshot(file: string): MemoryStore {
  const data = JSON.parse(readFileSync(file, 'utf8')) as StoreSnapshot;
  if (!data || !Array.isArray(data.objects) || typeof data.resourceVersion !== 'number') {
    throw new Error(`${file} is not a local cluster snapshot`);
  }
  return createMemoryStore(data);
}
