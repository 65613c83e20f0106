// `npm run bench`: runs every bench/*.bench.ts in its own process (so peak memory is per benchmark),
// prints each one's figures and ratios, and writes them all to bench/out/results.json.
// `npm run bench -- render` runs only the benchmarks whose file name contains "render".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const results: Record<string, unknown> = {};
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n== ${file}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('BENCH '))
      results[file] = { ...(results[file] as object), ...JSON.parse(line.slice(6)) };
    else if (line.trim()) process.stdout.write(`${line}\n`);
  }
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!! ${file} exited with ${r.status}\n`);
  }
}
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nresults written to bench/out/results.json\n`);
process.exitCode = failed > 0 ? 1 : 0;
