import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { generateJsonSchemas, SCHEMA_FILES } from './load-json-schema.ts';
import { scaffoldPlatform } from './scaffold.ts';
import { parseYaml } from './yaml-source.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function validator(file: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(join(root, 'schema', file), 'utf8')));
}

/** Every example platform's slipway.yaml and environments/*.yaml, plus the init scaffold. */
function examples(): { file: string; text: string; kind: 'platform' | 'desired' }[] {
  const out: { file: string; text: string; kind: 'platform' | 'desired' }[] = [];
  for (const [path, text] of scaffoldPlatform({ name: 'shop', schemaBase: '../schema/' })) {
    if (path === 'slipway.yaml') out.push({ file: `scaffold/${path}`, text, kind: 'platform' });
    if (path.startsWith('environments/')) out.push({ file: `scaffold/${path}`, text, kind: 'desired' });
  }
  const examplesDir = join(root, 'examples');
  if (!existsSync(examplesDir)) return out;
  for (const ex of readdirSync(examplesDir)) {
    const platformFile = join(examplesDir, ex, 'slipway.yaml');
    if (!existsSync(platformFile)) continue;
    out.push({ file: platformFile, text: readFileSync(platformFile, 'utf8'), kind: 'platform' });
    const envDir = join(examplesDir, ex, 'environments');
    if (!existsSync(envDir)) continue;
    for (const f of readdirSync(envDir).filter((n) => n.endsWith('.yaml'))) {
      out.push({ file: join(envDir, f), text: readFileSync(join(envDir, f), 'utf8'), kind: 'desired' });
    }
  }
  return out;
}

describe('JSON Schema files', () => {
  it('are up to date (run: node --import tsx scripts/gen-schema.ts)', () => {
    for (const [file, content] of generateJsonSchemas()) {
      const committed = readFileSync(join(root, 'schema', file), 'utf8');
      assert.equal(
        committed,
        content,
        `schema/${file} is stale: run node --import tsx scripts/gen-schema.ts`,
      );
    }
  });

  it('accept the scaffold and every example platform', () => {
    const platform = validator(SCHEMA_FILES.platform);
    const desired = validator(SCHEMA_FILES.desiredState);
    for (const ex of examples()) {
      const validate = ex.kind === 'platform' ? platform : desired;
      const ok = validate(parseYaml(ex.file, ex.text).value);
      assert.ok(ok, `${ex.file}: ${JSON.stringify(validate.errors, null, 2)}`);
    }
  });

  it('reject unknown keys and wrong types', () => {
    const platform = validator(SCHEMA_FILES.platform);
    const base = {
      apiVersion: 'slipway.dev/v1',
      kind: 'Platform',
      name: 'shop',
      services: { web: {} },
      environments: [{ name: 'dev' }],
    };
    assert.ok(platform(base), JSON.stringify(platform.errors));
    assert.ok(!platform({ ...base, replicsa: 1 }));
    assert.ok(!platform({ ...base, environments: [{ name: 'dev', historyLimit: '3' }] }));
    assert.ok(!platform({ ...base, strategies: { c: { type: 'canry' } } }));
  });
});
