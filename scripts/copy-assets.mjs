#!/usr/bin/env node
// tsc compiles only TypeScript: data files that modules read next to themselves (the local cluster's
// bundled CRDs) are copied into dist/ here, so the built CLI finds them where the source one does.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ASSET = /\.(ya?ml|json)$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== '__fixtures__' && name !== '__snapshots__') walk(full);
    } else if (ASSET.test(name)) {
      const target = join('dist', relative('src', full));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(full, target);
    }
  }
}
if (existsSync('src')) walk('src');
