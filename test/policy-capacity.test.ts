// Capacity: quantities, Argo Rollouts' canary rounding, each strategy's peak, and document 004's two
// tables for examples/budget production reproduced exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPlatform } from '../src/config/load.ts';
import { strategyFor } from '../src/config/model.ts';
import type { Strategy } from '../src/config/schema.ts';
import { canaryPeak, canaryReplicaSplit, computeCapacity } from '../src/policy/capacity.ts';
import { cpuMillis, formatMemory, memoryBytes, parseQuantity } from '../src/policy/quantity.ts';
import { renderService } from '../src/render/index.ts';
import { renderPlatform } from '../src/render/platform.ts';
import { context } from '../src/render/test-fixtures.ts';

const examples = new URL('../examples/', import.meta.url).pathname;

describe('quantities', () => {
  it('parse CPU and memory in every suffix', () => {
    assert.equal(cpuMillis('250m'), 250);
    assert.equal(cpuMillis('0.5'), 500);
    assert.equal(cpuMillis(2), 2000);
    assert.equal(cpuMillis('1.0005'), 1001); // rounded up to 1m, as Kubernetes does
    assert.equal(memoryBytes('256Mi'), 256 * 2 ** 20);
    assert.equal(memoryBytes('1Gi'), 2 ** 30);
    assert.equal(memoryBytes('500M'), 500e6);
    assert.equal(memoryBytes('128974848'), 128974848);
    assert.equal(memoryBytes('129e6'), 129e6);
    assert.equal(memoryBytes('1k'), 1000);
    assert.equal(parseQuantity('1Ki'), 1024);
    assert.throws(() => parseQuantity('12 apples'), /not a Kubernetes quantity/);
  });
  it('format memory in the largest even unit', () => {
    assert.equal(formatMemory(2304 * 2 ** 20), '2304Mi');
    assert.equal(formatMemory(2 ** 40), '1Ti');
    assert.equal(formatMemory(1500), '1500');
    assert.equal(formatMemory(3 * 2 ** 10), '3Ki');
  });
});

describe('canary replica math (Argo Rollouts, REFERENCE.md)', () => {
  it('matches the reference examples', () => {
    assert.deepEqual(canaryReplicaSplit(10, 41, 3), { canary: 4, stable: 6 });
    assert.deepEqual(canaryReplicaSplit(3, 50, 1), { canary: 2, stable: 2 });
    assert.deepEqual(canaryReplicaSplit(1, 5, 0), { canary: 0, stable: 1 });
    assert.deepEqual(canaryReplicaSplit(10, 10, 0), { canary: 1, stable: 9 });
    assert.deepEqual(canaryReplicaSplit(2, 1, 0), { canary: 1, stable: 1 }); // neither side 0 for 1–99
    assert.deepEqual(canaryReplicaSplit(4, 100, 1), { canary: 4, stable: 0 });
  });
  it('takes the largest step; traffic router and setCanaryScale keep N stable pods', () => {
    const s = (
      extra: Partial<Extract<Strategy, { type: 'canary' }>>,
    ): Extract<Strategy, { type: 'canary' }> => ({
      type: 'canary',
      steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }],
      ...extra,
    });
    assert.deepEqual(canaryPeak(s({}), 10, 1), { stable: 5, canary: 5 });
    assert.deepEqual(canaryPeak(s({}), 3, 1), { stable: 2, canary: 2 });
    assert.deepEqual(canaryPeak(s({ trafficRouting: { istio: {} } }), 10, 1), { stable: 10, canary: 5 });
    assert.deepEqual(
      canaryPeak({ type: 'canary', steps: [{ setCanaryScale: { replicas: 1 } }, { setWeight: 10 }] }, 9, 1),
      { stable: 9, canary: 1 },
    );
    assert.deepEqual(canaryPeak({ type: 'canary', steps: [{ setCanaryScale: { weight: 25 } }] }, 10, 1), {
      stable: 10,
      canary: 3,
    });
  });
});

describe('computeCapacity', () => {
  it('rolling: N + maxSurge (percentages rounded up); no CPU limit means unbounded', () => {
    const objs = renderService(
      context({ replicaCount: 4, autoscaling: { enabled: false }, rollingUpdate: { maxSurge: '30%' } }),
    );
    const r = computeCapacity({
      environment: 'e',
      services: [{ service: 'booking', strategy: { type: 'rolling' }, objects: objs }],
    });
    const s = r.services[0]!;
    assert.equal(s.steady.pods, 4);
    assert.equal(s.release.pods, 6); // 30 % of 4 = 1.2 → 2
    assert.equal(s.hpaMax.pods, 4);
    assert.equal(s.steady.requests.cpu, 400);
    assert.equal(s.steady.limits.cpu, null);
    assert.equal(s.steady.limits.memory, 4 * 512 * 2 ** 20);
  });

  it('reproduces document 004: blue-green 12 pods 2100m 2304Mi (examples/budget production)', async () => {
    const p = await loadPlatform(`${examples}budget`);
    const rendered = await renderPlatform(p, 'production');
    const r = computeCapacity({
      environment: 'production',
      services: rendered.map((x) => ({ ...x, strategy: strategyFor(p, x.service) })),
    });
    const t = r.totals.release;
    assert.deepEqual([t.pods, t.requests.cpu, formatMemory(t.requests.memory)], [12, 2100, '2304Mi']);
    assert.deepEqual([t.limits.cpu, formatMemory(t.limits.memory!)], [4200, '4608Mi']);
    assert.deepEqual(
      [r.totals.steady.pods, r.totals.steady.requests.cpu, formatMemory(r.totals.steady.requests.memory)],
      [6, 1050, '1152Mi'],
    );
    assert.deepEqual(
      r.services.map((s) => [s.service, s.release.detail, s.release.requests.cpu]),
      [
        ['backend', '3 blue + 3 green', 1500],
        ['frontend', '3 blue + 3 green', 600],
      ],
    );
  });

  it('reproduces document 004: canary 20 pods 3500m 3840Mi (examples/budget/canary production)', async () => {
    const p = await loadPlatform(`${examples}budget/canary`);
    const rendered = await renderPlatform(p, 'production');
    const r = computeCapacity({
      environment: 'production',
      services: rendered.map((x) => ({ ...x, strategy: strategyFor(p, x.service) })),
    });
    const t = r.totals.release;
    assert.deepEqual([t.pods, t.requests.cpu, formatMemory(t.requests.memory)], [20, 3500, '3840Mi']);
    assert.deepEqual([t.limits.cpu, formatMemory(t.limits.memory!)], [7000, '7680Mi']);
    assert.deepEqual(
      r.services.map((s) => s.release.detail),
      ['9 stable + 1 canary', '9 stable + 1 canary'],
    );
    assert.deepEqual(
      [r.totals.steady.pods, r.totals.steady.requests.cpu, formatMemory(r.totals.steady.requests.memory)],
      [18, 3150, '3456Mi'],
    );
  });
});

describe('capacity output', () => {
  it('JSON carries Kubernetes quantities and raw numbers; text has the three tables and totals', async () => {
    const { capacityJson, formatCapacityText } = await import('../src/cli/commands/capacity.ts');
    const p = await loadPlatform(`${examples}budget`);
    const rendered = await renderPlatform(p, 'production');
    const r = computeCapacity({
      environment: 'production',
      services: rendered.map((x) => ({ ...x, strategy: strategyFor(p, x.service) })),
    });
    const json = capacityJson(r) as {
      totals: { release: { pods: number; requests: { cpu: string; memory: string; cpuMillis: number } } };
    };
    assert.deepEqual(json.totals.release.pods, 12);
    assert.deepEqual(json.totals.release.requests, {
      cpu: '2100m',
      memory: '2304Mi',
      cpuMillis: 2100,
      memoryBytes: 2304 * 2 ** 20,
    });
    const text = formatCapacityText(r);
    assert.match(text, /total: 12 pods, 2100m \(2\.1 cores\) CPU and 2304Mi \(2\.25Gi\) memory requested/);
    assert.match(text, /3 blue \+ 3 green/);
  });
});
