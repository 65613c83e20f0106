import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { liveHealth, waitForHealth } from '../../src/kube/rollout.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import { deployment, startTestCluster, type TestCluster } from './support.ts';

const ready = (replicas: number) => ({
  status: {
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  },
});

describe('rollout tracking against the local API server', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster('shop');
  });
  after(async () => {
    await c?.close();
  });

  test('waits until the Deployment reports its replicas available', async () => {
    await c.client.apply(deployment('web', 'shop', {}, 2));
    const seen: string[] = [];
    const waiting = waitForHealth(
      c.client,
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      {
        timeoutMs: 5000,
        onChange: (h) => seen.push(h.status),
      },
    );
    await new Promise((r) => setTimeout(r, 100));
    // what the Deployment controller would write
    await c.client.patch('apps/v1', 'Deployment', 'web', ready(2), { subresource: 'status' });
    const result = await waiting;
    assert.equal(result.health.status, 'Healthy');
    assert.deepEqual(seen, ['Progressing', 'Healthy']);
  });

  test('fails on Degraded with the reason, and times out naming the last state', async () => {
    await c.client.apply(deployment('stuck', 'shop', {}, 2));
    await assert.rejects(
      waitForHealth(
        c.client,
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'stuck' },
        { timeoutMs: 300 },
      ),
      (e: unknown) =>
        e instanceof SlipwayError &&
        e.type === 'timeout' &&
        /Deployment\/shop\/stuck.*Progressing/.test(e.message),
    );
    await c.client.patch(
      'apps/v1',
      'Deployment',
      'stuck',
      {
        status: {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 1,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      },
      { subresource: 'status' },
    );
    await assert.rejects(
      waitForHealth(
        c.client,
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'stuck' },
        { timeoutMs: 3000 },
      ),
      (e: unknown) => e instanceof SlipwayError && e.type === 'failed' && /progress deadline/.test(e.message),
    );
  });

  test('liveHealth reports Missing for absent objects', async () => {
    const out = await liveHealth(c.client, [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'absent' },
    ]);
    assert.deepEqual(
      out.map((o) => o.health.status),
      ['Healthy', 'Missing'],
    );
  });
});
