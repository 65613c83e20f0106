import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { metricSchema } from '../config/schema.ts';
import { isSlipwayError } from '../shared/errors.ts';
import type { MeasuredValue } from './evaluate.ts';
import type { MetricProvider } from './providers/types.ts';
import { type MeasurementRecord, type ResolvedTemplate, type RunOptions, runAnalysis } from './run.ts';

/** Virtual time: sleep() registers a timer, drive() advances to the next one once everything else settled. */
class FakeClock {
  t = 0;
  private timers: Array<{ at: number; resolve: () => void }> = [];
  now = () => this.t;
  sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = { at: this.t + ms, resolve };
      this.timers.push(timer);
      signal.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });
  async drive<T>(p: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (done) return p;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) throw new Error(`stuck at t=${this.t}: no timers and the run has not finished`);
      if (next.at > limitMs) throw new Error(`still running at t=${this.t}`);
      this.t = next.at;
      next.resolve();
    }
  }
}

/** A provider that plays a script per metric name: a value, 'nodata', or an Error to throw. */
function scripted(scripts: Record<string, Array<number | number[] | 'nodata' | Error>>): MetricProvider & {
  calls: Record<string, number>;
} {
  const calls: Record<string, number> = {};
  return {
    calls,
    async measure(metric): Promise<MeasuredValue> {
      const i = calls[metric.name] ?? 0;
      calls[metric.name] = i + 1;
      const script = scripts[metric.name] ?? [];
      const step = script[Math.min(i, script.length - 1)];
      if (step instanceof Error) throw step;
      return { value: step === 'nodata' ? undefined : step };
    },
  };
}

const metric = (o: Record<string, unknown>) =>
  metricSchema.parse({ provider: { builtin: { metric: 'success-rate' } }, interval: '1s', ...o });
const tpl = (...metrics: Array<Record<string, unknown>>): ResolvedTemplate[] => [
  { name: 't', template: { metrics: metrics.map(metric) } },
];

async function run(
  templates: ResolvedTemplate[],
  provider: MetricProvider,
  extra: Partial<RunOptions> = {},
  args: Record<string, string> = {},
) {
  const clock = new FakeClock();
  const seen: MeasurementRecord[] = [];
  const result = await clock.drive(
    runAnalysis(
      templates,
      args,
      { builtin: provider },
      {
        now: clock.now,
        sleep: clock.sleep,
        onMeasurement: (m) => seen.push(m),
        ...extra,
      },
    ),
  );
  assert.deepEqual(seen, result.measurements, 'onMeasurement sees every recorded measurement');
  return { result, clock };
}

describe('runAnalysis on virtual time', () => {
  test('all measurements pass → Successful after count', async () => {
    const { result } = await run(
      tpl({ name: 'sr', count: 3, successCondition: 'result >= 0.99' }),
      scripted({ sr: [1, 0.995, 0.999] }),
    );
    assert.equal(result.phase, 'Successful');
    assert.deepEqual(
      result.measurements.map((m) => [m.at, m.value, m.phase]),
      [
        [0, 1, 'Successful'],
        [1000, 0.995, 'Successful'],
        [2000, 0.999, 'Successful'],
      ],
    );
    assert.equal(result.finishedAt, 2000);
    assert.equal(result.stopped, false);
  });

  test('fails at the measurement that exceeds failureLimit, and stops there', async () => {
    const p = scripted({ sr: [1, 0.5, 1, 0.5, 1] });
    const { result } = await run(
      tpl({ name: 'sr', count: 10, failureLimit: 1, successCondition: 'result >= 0.99' }),
      p,
    );
    assert.equal(result.phase, 'Failed');
    assert.equal(result.measurements.length, 4);
    assert.equal(result.finishedAt, 3000);
    assert.equal(p.calls.sr, 4);
    assert.match(
      result.message,
      /^sr failed: 2 failed measurement\(s\), more than failureLimit 1 \(last: 0.5: successCondition `result >= 0.99` is false\)$/,
    );
  });

  test('a failing metric stops the others at once (early stop within one interval)', async () => {
    const p = scripted({ slow: [1], bad: [1, 1, 0] });
    const { result } = await run(
      tpl(
        { name: 'slow', interval: '10s', count: 5, successCondition: 'result == 1' },
        { name: 'bad', interval: '1s', count: 100, successCondition: 'result == 1' },
      ),
      p,
    );
    assert.equal(result.phase, 'Failed');
    assert.equal(result.finishedAt, 2000, 'decided at the failing measurement, not after the slow metric');
    assert.equal(p.calls.slow, 1);
    assert.deepEqual(
      result.metrics.map((m) => [m.metric, m.phase]),
      [
        ['slow', 'Running'],
        ['bad', 'Failed'],
      ],
    );
  });

  test('inconclusive: the metric stops, the others finish, the run is Inconclusive (the release pauses)', async () => {
    const p = scripted({ sr: [0.95], other: [1] });
    const { result } = await run(
      tpl(
        { name: 'sr', count: 5, successCondition: 'result >= 0.99', failureCondition: 'result < 0.9' },
        { name: 'other', count: 3 },
      ),
      p,
    );
    assert.equal(result.phase, 'Inconclusive');
    assert.equal(p.calls.sr, 1);
    assert.equal(p.calls.other, 3);
    assert.match(
      result.message,
      /sr inconclusive: 1 inconclusive measurement\(s\), more than inconclusiveLimit 0/,
    );
  });

  test('consecutive errors beyond consecutiveErrorLimit → Error with the provider message', async () => {
    const p = scripted({ sr: [new Error('prometheus: bad_data: parse error at char 5')] });
    const { result } = await run(tpl({ name: 'sr', count: 20, successCondition: 'result >= 0.99' }), p);
    assert.equal(result.phase, 'Error');
    assert.equal(p.calls.sr, 5, 'default consecutiveErrorLimit 4: the fifth error decides');
    assert.equal(result.measurements[0]!.message, 'prometheus: bad_data: parse error at char 5');
    assert.equal(result.measurements[0]!.value, undefined);
  });

  test('a success between errors resets the streak', async () => {
    const e = new Error('timeout');
    const p = scripted({ sr: [e, e, 1, e, e, 1] });
    const { result } = await run(
      tpl({ name: 'sr', count: 6, consecutiveErrorLimit: 2, successCondition: 'result >= 0.99' }),
      p,
    );
    assert.equal(result.phase, 'Successful');
    assert.equal(result.metrics[0]!.tally.error, 4);
  });

  test('errors are not counted: 4 errors with count 4 are not Successful, the run measures on', async () => {
    const e = new Error('prometheus: cannot reach http://127.0.0.1:9/api/v1/query: connect ECONNREFUSED');
    const p = scripted({ sr: [e, e, e, e, 1] });
    const { result } = await run(tpl({ name: 'sr', count: 4, successCondition: 'result >= 0.99' }), p);
    assert.equal(result.phase, 'Successful');
    assert.equal(p.calls.sr, 8, '4 errors + 4 counted measurements');
    assert.equal(result.finishedAt, 7000);
    assert.deepEqual(result.metrics[0]!.tally, {
      count: 4,
      successful: 4,
      failed: 0,
      inconclusive: 0,
      error: 4,
      consecutiveErrors: 0,
    });
  });

  test('an unreachable provider: Error after consecutiveErrorLimit + 1, naming the address, other metrics stopped', async () => {
    const e = new Error('prometheus: cannot reach http://127.0.0.1:9/api/v1/query: connect ECONNREFUSED');
    const p = scripted({ sr: [e], other: [1] });
    const { result } = await run(
      tpl(
        { name: 'sr', count: 4, successCondition: 'result >= 0.99' },
        { name: 'other', interval: '10s', count: 5 },
      ),
      p,
    );
    assert.equal(result.phase, 'Error');
    assert.equal(result.finishedAt, 4000, 'decided at the fifth error, like a failure');
    assert.equal(p.calls.other, 1);
    assert.match(
      result.message,
      /^sr error: 5 consecutive errors, more than consecutiveErrorLimit 4 \(last: no data: prometheus: cannot reach http:\/\/127\.0\.0\.1:9\/api\/v1\/query/,
    );
  });

  test('count reached with only inconclusive measurements → Inconclusive, never Successful', async () => {
    const { result } = await run(
      tpl({
        name: 'sr',
        count: 3,
        inconclusiveLimit: 10,
        noData: 'inconclusive',
        successCondition: 'result >= 0.99',
      }),
      scripted({ sr: ['nodata'] }),
    );
    assert.equal(result.phase, 'Inconclusive');
    assert.equal(result.measurements.length, 3);
    assert.match(result.message, /3 measurement\(s\) done, all inconclusive: nothing was verified/);
  });

  test('stopped with only errors → Error; with nothing measured → Inconclusive; never Successful', async () => {
    const stop = new AbortController();
    let n = 0;
    const erroring: MetricProvider = {
      measure: async () => {
        // the fourth measurement is cut short by the stop, so it is not recorded
        if (++n === 4) stop.abort();
        throw new Error('prometheus: cannot reach http://127.0.0.1:9/api/v1/query');
      },
    };
    const errored = await run(tpl({ name: 'sr' }), erroring, { signal: stop.signal });
    assert.equal(errored.result.phase, 'Error');
    assert.equal(errored.result.stopped, true);
    assert.equal(errored.result.measurements.length, 3);
    assert.match(
      errored.result.message,
      /stopped after 3 error\(s\) and no successful or failed measurement/,
    );

    const nothing = await run(tpl({ name: 'sr', initialDelay: '1m' }), scripted({ sr: [1] }), {
      signal: AbortSignal.abort(),
    });
    assert.equal(nothing.result.phase, 'Inconclusive');
    assert.match(nothing.result.message, /stopped before the first measurement/);
  });

  test('an evaluation error (NaN) is an Error measurement', async () => {
    const { result } = await run(
      tpl({ name: 'sr', count: 3, consecutiveErrorLimit: 0, successCondition: 'result >= 0.99' }),
      scripted({ sr: [Number.NaN] }),
    );
    assert.equal(result.phase, 'Error');
    assert.match(result.measurements[0]!.message, /result is NaN/);
  });

  test('noData policies', async () => {
    for (const [noData, phase] of [
      ['fail', 'Failed'],
      ['pass', 'Successful'],
      ['inconclusive', 'Inconclusive'],
    ] as const) {
      const { result } = await run(
        tpl({ name: 'sr', count: 2, noData, successCondition: 'result >= 0.99' }),
        scripted({ sr: ['nodata'] }),
      );
      assert.equal(result.phase, phase, noData);
      assert.equal(result.measurements[0]!.message, `no data (noData: ${noData})`);
    }
  });

  test('initialDelay delays the first measurement', async () => {
    const { result } = await run(tpl({ name: 'sr', count: 2, initialDelay: '5s' }), scripted({ sr: [1] }));
    assert.deepEqual(
      result.measurements.map((m) => m.at),
      [5000, 6000],
    );
  });

  test('without count a metric runs until the signal stops it (background analysis)', async () => {
    const stop = new AbortController();
    const p: MetricProvider = {
      measure: async (_m, _a) => {
        if (++n === 7) stop.abort();
        return { value: 1 };
      },
    };
    let n = 0;
    const { result } = await run(tpl({ name: 'sr', successCondition: 'result >= 0.99' }), p, {
      signal: stop.signal,
    });
    assert.equal(result.phase, 'Successful');
    assert.equal(result.stopped, true);
    assert.equal(result.measurements.length, 7);
    assert.match(result.metrics[0]!.message, /stopped before a decision/);
  });

  test('a measurement interrupted by the stop signal is not recorded', async () => {
    const stop = new AbortController();
    const p: MetricProvider = {
      measure: (_m, _a, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')));
          stop.abort();
        }),
    };
    const { result } = await run(tpl({ name: 'sr', count: 3 }), p, { signal: stop.signal });
    assert.equal(result.measurements.length, 0);
    assert.equal(result.stopped, true);
  });

  test('an already aborted signal measures nothing', async () => {
    const { result } = await run(tpl({ name: 'sr', count: 3 }), scripted({ sr: [1] }), {
      signal: AbortSignal.abort(),
    });
    assert.equal(result.measurements.length, 0);
  });

  test('args reach conditions and providers; missing args, providers and bad conditions fail before measuring', async () => {
    const templates: ResolvedTemplate[] = [
      {
        name: 'needs-args',
        template: {
          args: ['service', 'threshold'],
          metrics: [metric({ name: 'sr', count: 1, successCondition: 'result >= args.threshold' })],
        },
      },
    ];
    const ok = await run(templates, scripted({ sr: [0.995] }), {}, { service: 'booking', threshold: '0.99' });
    assert.equal(ok.result.phase, 'Successful');

    await assert.rejects(
      runAnalysis(templates, { service: 'booking' }, { builtin: scripted({}) }),
      (e: unknown) => {
        return (
          isSlipwayError(e) &&
          e.type === 'config' &&
          /template needs-args needs the argument\(s\) threshold/.test(e.message)
        );
      },
    );
    await assert.rejects(
      runAnalysis(tpl({ name: 'sr', count: 1 }), {}, {}),
      /metric sr: no builtin provider is available here/,
    );
    await assert.rejects(
      runAnalysis(
        tpl({ name: 'sr', count: 1, successCondition: 'result >>' }),
        {},
        { builtin: scripted({}) },
      ),
      /template t, metric sr: successCondition `result >>`/,
    );
  });
});

describe('runAnalysis when a callback throws', () => {
  test('every metric stops and the error is reported', async () => {
    const p = scripted({ a: [1], b: [1] });
    const clock = new FakeClock();
    await assert.rejects(
      clock.drive(
        runAnalysis(
          tpl({ name: 'a' }, { name: 'b', interval: '10s' }),
          {},
          { builtin: p },
          {
            now: clock.now,
            sleep: clock.sleep,
            onMeasurement: (m) => {
              if (m.metric === 'a' && m.at === 3000) throw new Error('listener bug');
            },
          },
        ),
      ),
      /listener bug/,
    );
    assert.deepEqual(p.calls, { a: 4, b: 1 });
  });
});

describe('runAnalysis on the real clock', () => {
  test('100 ms intervals', async () => {
    const started = Date.now();
    const result = await runAnalysis(
      [{ name: 't', template: { metrics: [metric({ name: 'sr', interval: '100ms', count: 3 })] } }],
      {},
      { builtin: scripted({ sr: [1] }) },
    );
    const took = Date.now() - started;
    assert.equal(result.phase, 'Successful');
    assert.ok(took >= 190 && took < 1000, `took ${took} ms`);
  });
});
