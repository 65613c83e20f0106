import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AnalysisPhase,
  addMeasurement,
  assessMeasurement,
  compileConditions,
  emptyTally,
  type MeasurementPhase,
  type MetricLimits,
  metricPhase,
  stoppedPhase,
  worstPhase,
} from './evaluate.ts';

const assess = (
  successCondition: string | undefined,
  failureCondition: string | undefined,
  value: number | number[] | undefined,
  noData: 'fail' | 'pass' | 'inconclusive' = 'fail',
) =>
  assessMeasurement(
    compileConditions({
      name: 'm',
      ...(successCondition ? { successCondition } : {}),
      ...(failureCondition ? { failureCondition } : {}),
    }),
    noData,
    { value },
    {},
  ).phase;

describe('one measurement (REFERENCE.md)', () => {
  const cases: Array<
    [string, string | undefined, string | undefined, number | number[] | undefined, MeasurementPhase]
  > = [
    ['no conditions → Successful', undefined, undefined, 0.1, 'Successful'],
    ['only success, true → Successful', 'result >= 0.99', undefined, 0.995, 'Successful'],
    ['only success, false → Failed', 'result >= 0.99', undefined, 0.9, 'Failed'],
    ['only failure, false → Successful', undefined, 'result < 0.9', 0.95, 'Successful'],
    ['only failure, true → Failed', undefined, 'result < 0.9', 0.5, 'Failed'],
    ['both, success true → Successful', 'result >= 0.99', 'result < 0.9', 0.995, 'Successful'],
    ['both, failure true → Failed', 'result >= 0.99', 'result < 0.9', 0.5, 'Failed'],
    ['both, neither true → Inconclusive', 'result >= 0.99', 'result < 0.9', 0.95, 'Inconclusive'],
    ['both true → Failed (failure wins)', 'result > 0', 'result > 0', 1, 'Failed'],
    ['evaluation error (NaN) → Error', 'result >= 0.99', undefined, Number.NaN, 'Error'],
    ['evaluation error in failure → Error', 'result >= 0.99', 'nope > 1', 1, 'Error'],
    ['error with no conditions is impossible → Successful', undefined, undefined, Number.NaN, 'Successful'],
    [
      'NaN guarded by default() → evaluated',
      'default(result, 1) >= 0.99',
      undefined,
      Number.NaN,
      'Successful',
    ],
    ['list indexed', 'result[0] >= 0.99', undefined, [0.999, 0.1], 'Successful'],
  ];
  for (const [name, s, f, v, want] of cases) test(name, () => assert.equal(assess(s, f, v), want));

  test('no data follows noData', () => {
    assert.equal(assess('result >= 0.99', undefined, undefined, 'fail'), 'Failed');
    assert.equal(assess('result >= 0.99', undefined, undefined, 'pass'), 'Successful');
    assert.equal(assess('result >= 0.99', undefined, undefined, 'inconclusive'), 'Inconclusive');
    assert.equal(assess('result >= 0.99', undefined, [], 'inconclusive'), 'Inconclusive');
    assert.equal(assess(undefined, undefined, undefined, 'fail'), 'Failed');
  });

  test('messages say why', () => {
    const c = compileConditions({ name: 'm', successCondition: 'result >= 0.99' });
    assert.equal(
      assessMeasurement(c, 'fail', { value: 0.5 }, {}).message,
      'successCondition `result >= 0.99` is false',
    );
    assert.match(assessMeasurement(c, 'fail', { value: Number.NaN }, {}).message, /NaN/);
    assert.equal(
      assessMeasurement(c, 'inconclusive', { value: undefined }, {}).message,
      'no data (noData: inconclusive)',
    );
  });

  test('a bad condition is a config error naming the metric', () => {
    assert.throws(
      () => compileConditions({ name: 'success-rate', successCondition: 'result >' }),
      /metric success-rate: successCondition `result >`: expected a value but found the end at column 9/,
    );
  });
});

const limits = (o: Partial<MetricLimits> = {}): MetricLimits => ({
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  ...o,
});

function phaseAfter(l: MetricLimits, seq: string): AnalysisPhase {
  // S = Successful, F = Failed, I = Inconclusive, E = Error; stops at the first decided phase like the runner.
  const names: Record<string, MeasurementPhase> = {
    S: 'Successful',
    F: 'Failed',
    I: 'Inconclusive',
    E: 'Error',
  };
  let t = emptyTally();
  let phase: AnalysisPhase = 'Running';
  for (const c of seq) {
    t = addMeasurement(t, names[c]!);
    phase = metricPhase(l, t).phase;
    if (phase !== 'Running') return phase;
  }
  return phase;
}

describe('a metric (REFERENCE.md)', () => {
  const cases: Array<[string, MetricLimits, string, AnalysisPhase]> = [
    ['default failureLimit 0: one failure fails', limits({ count: 5 }), 'SF', 'Failed'],
    ['3 failures with failureLimit 3 still runs', limits({ failureLimit: 3 }), 'FFF', 'Running'],
    ['4 failures with failureLimit 3 fail', limits({ failureLimit: 3 }), 'FFFF', 'Failed'],
    ['failures are cumulative (a pass does not reset)', limits({ failureLimit: 1 }), 'FSSSF', 'Failed'],
    ['default inconclusiveLimit 0: one inconclusive', limits({ count: 5 }), 'SI', 'Inconclusive'],
    ['inconclusive within the limit', limits({ count: 3, inconclusiveLimit: 1 }), 'SIS', 'Successful'],
    ['inconclusive above the limit', limits({ inconclusiveLimit: 1 }), 'ISI', 'Inconclusive'],
    ['default consecutiveErrorLimit 4: 4 errors still run', limits(), 'EEEE', 'Running'],
    ['5 consecutive errors → Error', limits(), 'EEEEE', 'Error'],
    ['a success resets consecutive errors', limits({ count: 10 }), 'EEEESEEEE', 'Running'],
    ['consecutiveErrorLimit 0: one error → Error', limits({ consecutiveErrorLimit: 0 }), 'SE', 'Error'],
    ['count reached → Successful', limits({ count: 3 }), 'SSS', 'Successful'],
    // Argo Rollouts: "The Error state is not included in the count so that the metric can be retried."
    ['errors do not count towards count', limits({ count: 3 }), 'SEE', 'Running'],
    ['errors retried until count is reached', limits({ count: 3 }), 'SEESES', 'Successful'],
    ['4 errors with count 4 are not Successful', limits({ count: 4 }), 'EEEE', 'Running'],
    ['… and the fifth consecutive error is Error', limits({ count: 4 }), 'EEEEE', 'Error'],
    [
      'only inconclusive within the limit at count → Inconclusive',
      limits({ count: 2, inconclusiveLimit: 5 }),
      'II',
      'Inconclusive',
    ],
    [
      'inconclusive and errors at count → Inconclusive',
      limits({ count: 2, inconclusiveLimit: 5 }),
      'IEEIE',
      'Inconclusive',
    ],
    [
      'failures within the limit count as a verdict',
      limits({ count: 2, failureLimit: 2 }),
      'FF',
      'Successful',
    ],
    [
      'one success among inconclusive ones is enough',
      limits({ count: 3, inconclusiveLimit: 2 }),
      'ISI',
      'Successful',
    ],
    [
      'consecutiveErrorLimit 2 with count 1: the third error decides',
      limits({ count: 1, consecutiveErrorLimit: 2 }),
      'EEE',
      'Error',
    ],
    ['count not reached → Running', limits({ count: 3 }), 'SS', 'Running'],
    ['no count → runs until stopped', limits(), 'SSSSSSSSSS', 'Running'],
    [
      'count reached with failures within the limit',
      limits({ count: 3, failureLimit: 1 }),
      'SFS',
      'Successful',
    ],
    ['the failing measurement that is also the last one fails', limits({ count: 2 }), 'SF', 'Failed'],
  ];
  for (const [name, l, seq, want] of cases)
    test(`${name} (${seq})`, () => assert.equal(phaseAfter(l, seq), want));

  test('the tally counts every phase; errors are not counted towards count', () => {
    let t = emptyTally();
    for (const p of ['Successful', 'Error', 'Failed', 'Inconclusive', 'Error', 'Error'] as const)
      t = addMeasurement(t, p);
    assert.deepEqual(t, {
      count: 3,
      successful: 1,
      failed: 1,
      inconclusive: 1,
      error: 3,
      consecutiveErrors: 2,
    });
  });

  test('a metric stopped before a decision: Successful only with a successful or failed measurement', () => {
    const tally = (seq: string) => {
      const names: Record<string, MeasurementPhase> = {
        S: 'Successful',
        F: 'Failed',
        I: 'Inconclusive',
        E: 'Error',
      };
      let t = emptyTally();
      for (const c of seq) t = addMeasurement(t, names[c]!);
      return t;
    };
    const cases: Array<[string, AnalysisPhase]> = [
      ['SE', 'Successful'],
      ['F', 'Successful'],
      ['EEE', 'Error'],
      ['IE', 'Inconclusive'],
      ['', 'Inconclusive'],
    ];
    for (const [seq, want] of cases) assert.equal(stoppedPhase(tally(seq)).phase, want, seq || 'nothing');
    assert.equal(
      stoppedPhase(tally('EE')).message,
      'stopped after 2 error(s) and no successful or failed measurement',
    );
  });

  test('messages', () => {
    const t = addMeasurement(addMeasurement(emptyTally(), 'Failed'), 'Failed');
    assert.equal(
      metricPhase(limits({ failureLimit: 1 }), t).message,
      '2 failed measurement(s), more than failureLimit 1',
    );
  });
});

describe('a run takes the worst metric', () => {
  const cases: Array<[AnalysisPhase[], AnalysisPhase]> = [
    [[], 'Successful'],
    [['Successful', 'Successful'], 'Successful'],
    [['Successful', 'Running'], 'Running'],
    [['Running', 'Inconclusive'], 'Inconclusive'],
    [['Inconclusive', 'Error', 'Running'], 'Error'],
    [['Error', 'Failed', 'Successful'], 'Failed'],
    [['Failed', 'Inconclusive'], 'Failed'],
  ];
  for (const [phases, want] of cases)
    test(`${phases.join(', ') || 'none'} → ${want}`, () => assert.equal(worstPhase(phases), want));
});
