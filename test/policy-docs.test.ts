// docs/policy.md is generated from the catalogue; this keeps it in sync (regenerate with
// `node --import tsx src/policy/docs.ts`, or UPDATE_SNAPSHOTS=1 when running this test).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import { CHECKS } from '../src/policy/catalogue.ts';
import { renderPolicyDoc } from '../src/policy/docs.ts';

const file = new URL('../docs/policy.md', import.meta.url);

it('docs/policy.md matches the check catalogue', () => {
  const fresh = renderPolicyDoc();
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(file, fresh);
  assert.equal(
    readFileSync(file, 'utf8'),
    fresh,
    'docs/policy.md is stale: run node --import tsx src/policy/docs.ts',
  );
  for (const c of CHECKS) assert.ok(fresh.includes(`### ${c.id} ${c.name}`), c.id);
});
