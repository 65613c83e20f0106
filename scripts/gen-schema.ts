// Writes the JSON Schemas editors use for completion and validation of slipway's YAML files, from the
// zod schemas in src/config/schema.ts. Run `node --import tsx scripts/gen-schema.ts` after changing
// the schema; src/config/load-json-schema.test.ts fails while the committed files are stale.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateJsonSchemas } from '../src/config/load-json-schema.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'schema');
await mkdir(outDir, { recursive: true });
for (const [file, content] of generateJsonSchemas()) {
  await writeFile(join(outDir, file), content);
  process.stdout.write(`wrote schema/${file}\n`);
}
