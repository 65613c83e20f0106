import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnalysisTemplate } from '../../config/schema.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import type { StrategyContext } from '../types.ts';
import {
  backgroundInconclusive,
  gateName,
  startBackground,
  stopBackground,
  waitGated,
} from './canary-runtime.ts';

// A background analysis that ends Inconclusive (no data) must hold the canary: a timed pause does not
// end on time, only a person's promote (or the deadline, which fails the release) ends it.
const template: AnalysisTemplate = {
  metrics: [
    {
      name: 'rate',
      provider: { web: { url: 'http://127.0.0.1:9/none' } },
      interval: '20ms',
      count: 1,
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
      noData: 'inconclusive',
    },
  ],
};

function fakeContext(revision: number, gate: () => KubeObject | undefined): StrategyContext {
  const client = {
    get: async (_v: string, kind: string, name: string) =>
      kind === 'ConfigMap' && name === gateName('web') ? gate() : undefined,
    delete: async () => true,
    target: { namespace: 'ns' },
  } as unknown as KubeClient;
  const logs: string[] = [];
  return {
    client,
    namespace: 'ns',
    service: 'web',
    release: { revision } as StrategyContext['release'],
    events: { step() {}, progress() {}, log: (l: string) => logs.push(l) },
  } as unknown as StrategyContext;
}

const noData = { web: { measure: async () => ({ value: undefined }) } };

async function inconclusiveBackground(ctx: StrategyContext): Promise<void> {
  startBackground(ctx, { templates: { t: template }, providers: noData }, ['t']);
  for (let i = 0; i < 100 && !backgroundInconclusive(ctx); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(backgroundInconclusive(ctx), 'the background analysis ended inconclusive');
}

describe('canary runtime: inconclusive background analysis', () => {
  test('a timed pause does not end on time; the deadline fails the release', async () => {
    const ctx = fakeContext(7, () => undefined);
    await inconclusiveBackground(ctx);
    const started = Date.now();
    await assert.rejects(
      waitGated(ctx, { ms: 50, deadline: Date.now() + 600, what: 'pause 50ms' }),
      /timed out during pause 50ms/,
    );
    assert.ok(Date.now() - started >= 550, 'held past the pause until the deadline');
    await stopBackground(ctx);
  });

  test("a person's promote releases the hold, once", async () => {
    let gate: KubeObject | undefined;
    const ctx = fakeContext(8, () => gate);
    await inconclusiveBackground(ctx);
    setTimeout(() => {
      gate = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: gateName('web') },
        data: { revision: '8', action: 'promote', user: 'alice', at: '' },
      };
    }, 150);
    const r = await waitGated(ctx, { ms: 10, deadline: Date.now() + 5000, what: 'pause' });
    assert.deepEqual(r, { by: 'promote', user: 'alice' });
    assert.equal(backgroundInconclusive(ctx), undefined, 'approved: no longer holding');
    await stopBackground(ctx);
  });
});
