#!/usr/bin/env node
// The installed entry point runs the compiled CLI (dist/, built by `npm run build`, which `npm ci`
// runs). In a source checkout whose dist/ is missing or older than src/, it runs the TypeScript
// sources through tsx instead, so a stale build never answers for the code on disk.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const src = join(root, 'src');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.yaml'))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function useBuild() {
  if (process.env.SLIPWAY_FROM_SOURCE || !existsSync(built)) return false;
  if (!existsSync(src)) return true;
  return statSync(built).mtimeMs >= newestMtime(src);
}

if (useBuild()) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(src, 'cli', 'main.ts')).href);
}
