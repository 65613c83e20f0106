#!/usr/bin/env node
// Finds *.test.ts files (unit tests next to the code, integration tests under test/) and runs them with
// node's own test runner through tsx. Node 20's --test takes no globs, so the list is built here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const searchRoots = roots.length > 0 ? roots : ['src', 'test', 'demo-service', 'examples'];

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) collect(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = [];
for (const r of searchRoots) {
  if (r.endsWith('.ts')) files.push(r);
  else collect(r, files);
}
files.sort();
if (files.length === 0) {
  console.error('no test files found under', searchRoots.join(', '));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...passthrough, ...files],
  { stdio: 'inherit', env: { ...process.env, SLIPWAY_TEST: '1' } },
);
process.exit(result.status ?? 1);
