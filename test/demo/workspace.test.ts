// The demo's workspace and load counters without a cluster: the copies load as platforms with the
// demo timing, the examples stay untouched, and the load summary counts by status and version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPlatform } from '../../src/config/load.ts';
import { summarize } from '../../src/demo/load.ts';
import { DEMO_SERVICE, prepareWorkspace, REPO_ROOT } from '../../src/demo/workspace.ts';

test('the workspace copies are adapted for demo timing only; the examples are untouched', async () => {
  const example = readFileSync(join(REPO_ROOT, 'examples', 'appointments', 'slipway.yaml'), 'utf8');
  const ws = prepareWorkspace();
  try {
    const a = await loadPlatform(ws.appointments);
    const canary = a.platform.strategies?.['canary-10'];
    assert.equal(canary?.type, 'canary');
    assert.deepEqual(canary?.type === 'canary' ? canary.steps : [], [
      { setWeight: 10 },
      { pause: { duration: '6s' } },
    ]);
    const metric = a.platform.analysis?.['success-rate']?.metrics[0];
    assert.equal(metric?.interval, '1s');
    assert.deepEqual(
      a.platform.localImages?.map((m) => m.command[1]),
      [DEMO_SERVICE, DEMO_SERVICE],
    );
    const b = await loadPlatform(ws.budget);
    const bg = b.platform.strategies?.['blue-green'];
    assert.equal(bg?.type === 'blueGreen' ? bg.scaleDownDelay : undefined, '30s');
    assert.equal(ws.notes.length, 6);
    assert.equal(readFileSync(join(REPO_ROOT, 'examples', 'appointments', 'slipway.yaml'), 'utf8'), example);
  } finally {
    ws.remove();
  }
});

test('load summary: by status and version, failures by version, time ranges', () => {
  const s = summarize(
    [
      { at: 1, status: 200, version: 'v1' },
      { at: 2, status: 500, version: 'v2' },
      { at: 3, status: 200, version: 'v2' },
      { at: 4, status: 0, version: '?' },
      { at: 9, status: 200, version: 'v1' },
    ],
    0,
    5,
  );
  assert.deepEqual(s, {
    total: 4,
    ok: 2,
    failed: 2,
    byStatus: { '200': 2, '500': 1, error: 1 },
    byVersion: { v1: 1, v2: 1 },
    failedByVersion: { v2: 1, '?': 1 },
  });
});
