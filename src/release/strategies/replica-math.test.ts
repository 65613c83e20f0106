import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { basicCanarySplit, resolveMaxSurge, routedCanarySplit } from './replica-math.ts';

describe('basic canary split (Argo Rollouts, no router)', () => {
  // [N, weight, maxSurge, canary, stable]
  const table: Array<[number, number, number, number, number]> = [
    [10, 41, 3, 4, 6], // REFERENCE.md
    [3, 50, 1, 2, 2], // REFERENCE.md: N+1 with surge gives the exact half
    [1, 5, 0, 0, 1], // REFERENCE.md: N = 1 without surge may keep the canary at 0
    [1, 5, 1, 1, 1], // with surge neither side is 0
    [1, 50, 0, 1, 0], // ties round up
    [1, 100, 0, 1, 0],
    [10, 0, 1, 0, 10],
    [10, 100, 1, 10, 0],
    [10, 10, 1, 1, 9],
    [10, 5, 0, 1, 9], // 0.5 would round to 0: not allowed for 1–99
    [10, 95, 0, 9, 1],
    [4, 25, 1, 1, 3],
    [3, 50, 0, 2, 1], // tie over N rounds up
    [3, 33, 1, 1, 2],
    [5, 20, 0, 1, 4],
    [5, 90, 1, 5, 1], // 6 total: 83 % beats 80 %
    [2, 1, 0, 1, 1],
    [2, 99, 0, 1, 1],
    [0, 50, 1, 0, 0],
    [20, 10, 1, 2, 18],
    [9, 10, 1, 1, 9], // 10 total gives exactly 10 %
  ];
  for (const [n, w, s, canary, stable] of table) {
    test(`N=${n} w=${w} surge=${s} → ${canary}/${stable}`, () => {
      assert.deepEqual(basicCanarySplit(n, w, s), { canary, stable });
    });
  }

  test('for every N 1–30, weight 1–99 and surge 0–2: both sides non-zero unless N=1 and surge 0, total N or N+1, closest', () => {
    for (let n = 1; n <= 30; n++)
      for (let w = 1; w <= 99; w++)
        for (const s of [0, 1, 2]) {
          const r = basicCanarySplit(n, w, s);
          const total = r.canary + r.stable;
          const where = `N=${n} w=${w} s=${s}: ${JSON.stringify(r)}`;
          assert.ok(total === n || (s > 0 && total === n + 1), where);
          if (!(n === 1 && s === 0)) assert.ok(r.canary > 0 && r.stable > 0, where);
          // no other non-zero option within N..N+1 is strictly closer
          const actual = Math.abs((r.canary * 100) / total - w);
          for (const t of s > 0 ? [n, n + 1] : [n])
            for (let c = 1; c < t; c++)
              assert.ok(Math.abs((c * 100) / t - w) >= actual - 1e-9, `${where} but ${c}/${t} is closer`);
        }
  });
});

describe('routed canary split', () => {
  const table: Array<[string, number, number, Parameters<typeof routedCanarySplit>[2], number]> = [
    ['ceil of the weight', 10, 5, undefined, 1],
    ['ceil of the weight (41 %)', 10, 41, undefined, 5],
    ['weight 0', 10, 0, undefined, 0],
    ['weight 100', 4, 100, undefined, 4],
    ['setCanaryScale replicas', 10, 5, { replicas: 3 }, 3],
    ['setCanaryScale weight', 10, 5, { weight: 25 }, 3],
    ['matchTrafficWeight', 3, 50, { matchTrafficWeight: true }, 2],
  ];
  for (const [name, n, w, scale, canary] of table) {
    test(`${name}: N=${n} w=${w} → canary ${canary}, stable stays ${n}`, () => {
      assert.deepEqual(routedCanarySplit(n, w, scale), { canary, stable: n });
    });
  }
});

test('maxSurge: default 1, numbers as they are, percentages round up', () => {
  assert.equal(resolveMaxSurge(undefined, 10), 1);
  assert.equal(resolveMaxSurge(3, 10), 3);
  assert.equal(resolveMaxSurge('25%', 10), 3);
  assert.equal(resolveMaxSurge('0%', 10), 0);
  assert.equal(resolveMaxSurge('1%', 3), 1);
});
