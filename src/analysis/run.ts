// The analysis runner: every metric of every template on its own interval (after its initialDelay),
// each measurement judged by evaluate.ts, the run ended as soon as its phase is decided. Failed or
// Error stops every other metric at once, so a failing canary is reported within one interval of the
// failing measurement. Without `count` a metric runs until the signal stops it (background analysis).
// Errors are retried, not counted (evaluate.ts): a metric whose provider cannot be reached ends in Error
// after consecutiveErrorLimit + 1 measurements, and Error fails the release as Failed does.
// Clock and sleep are injectable so that tests run on virtual time.
import { setTimeout as delay } from 'node:timers/promises';
import type { AnalysisTemplate, Metric } from '../config/schema.ts';
import { parseDuration } from '../shared/duration.ts';
import { SlipwayError } from '../shared/errors.ts';
import {
  type AnalysisPhase,
  addMeasurement,
  assessMeasurement,
  type CompiledConditions,
  compileConditions,
  emptyTally,
  isDecisive,
  type MeasuredValue,
  type MeasurementPhase,
  type MetricTally,
  metricPhase,
  stoppedPhase,
  worstPhase,
} from './evaluate.ts';
import { type MetricProvider, type Providers, providerKind } from './providers/types.ts';

export interface ResolvedTemplate {
  name: string;
  template: AnalysisTemplate;
}

export interface MeasurementRecord {
  template: string;
  metric: string;
  /** undefined: no data. */
  value: number | number[] | undefined;
  phase: MeasurementPhase;
  /** Epoch ms when the measurement was started. */
  at: number;
  message: string;
}

export interface MetricResult {
  template: string;
  metric: string;
  phase: AnalysisPhase;
  message: string;
  tally: MetricTally;
}

export interface AnalysisResult {
  phase: AnalysisPhase;
  /** One line for people: which metric decided the run and why. */
  message: string;
  metrics: MetricResult[];
  measurements: MeasurementRecord[];
  startedAt: number;
  finishedAt: number;
  /** True when the signal stopped the run before every metric had finished. */
  stopped: boolean;
}

export interface RunOptions {
  /**
   * Stops the run; a metric still running is then Successful if it had a successful or failed
   * measurement, else Error (only errors) or Inconclusive (see stoppedPhase in evaluate.ts).
   */
  signal?: AbortSignal;
  now?: () => number;
  /** Waits `ms`, resolving early (never rejecting) when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  onMeasurement?: (m: MeasurementRecord) => void;
  /** A measurement that takes longer is an Error; default: the metric's interval, at least 10 s. */
  measurementTimeoutMs?: number;
}

const realSleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).then(
    () => undefined,
    () => undefined,
  );

interface MetricState {
  template: string;
  metric: Metric;
  conditions: CompiledConditions;
  provider: MetricProvider;
  intervalMs: number;
  initialDelayMs: number;
  tally: MetricTally;
  phase: AnalysisPhase;
  message: string;
  last?: MeasurementRecord;
}

export const formatValue = (v: MeasurementRecord['value']) =>
  v === undefined
    ? 'no data'
    : Array.isArray(v)
      ? `[${v.map((x) => Math.round(x * 1e4) / 1e4).join(', ')}]`
      : `${Math.round(v * 1e4) / 1e4}`;

/** Checks everything that can be checked before measuring: args, providers (their own check) and conditions. */
function prepare(
  templates: readonly ResolvedTemplate[],
  args: Readonly<Record<string, string>>,
  providers: Providers,
): MetricState[] {
  const problems: Array<{ message: string; details?: readonly string[]; hint?: string | undefined }> = [];
  const states: MetricState[] = [];
  for (const { name, template } of templates) {
    const missing = (template.args ?? []).filter((a) => !Object.hasOwn(args, a));
    if (missing.length > 0)
      problems.push({ message: `template ${name} needs the argument(s) ${missing.join(', ')}` });
    for (const metric of template.metrics) {
      const kind = providerKind(metric);
      const provider = providers[kind];
      if (!provider) {
        problems.push({
          message: `template ${name}, metric ${metric.name}: no ${kind} provider is available here`,
        });
        continue;
      }
      let conditions: CompiledConditions = {};
      // A Job without conditions passes when it succeeded (its value is 1), as Argo's job provider does.
      const judged =
        kind === 'job' && metric.successCondition === undefined && metric.failureCondition === undefined
          ? { ...metric, successCondition: 'result == 1' }
          : metric;
      try {
        provider.check?.(metric, args);
        conditions = compileConditions(judged, `template ${name}, metric ${metric.name}`);
      } catch (e) {
        // The parse error's details are the condition and a caret under the column.
        if (e instanceof SlipwayError)
          problems.push({ message: e.message, details: e.details, hint: e.hint });
        else problems.push({ message: String(e) });
      }
      states.push({
        template: name,
        metric,
        conditions,
        provider,
        intervalMs: parseDuration(metric.interval),
        initialDelayMs: metric.initialDelay ? parseDuration(metric.initialDelay) : 0,
        tally: emptyTally(),
        phase: 'Running',
        message: 'not measured yet',
      });
    }
  }
  const [first, ...rest] = problems;
  if (first) {
    throw new SlipwayError('config', `analysis cannot start: ${first.message}`, {
      details: [...(first.details ?? []), ...rest.flatMap((p) => [p.message, ...(p.details ?? [])])],
      hint:
        first.hint ?? 'Pass every argument the templates declare and provide every provider the metrics use.',
    });
  }
  return states;
}

/**
 * Runs the templates' metrics until the run's phase is decided (or the signal stops it) and returns
 * every measurement. Throws only for problems found before the first measurement (config errors).
 */
export async function runAnalysis(
  templates: readonly ResolvedTemplate[],
  args: Readonly<Record<string, string>>,
  providers: Providers,
  options: RunOptions = {},
): Promise<AnalysisResult> {
  const states = prepare(templates, args, providers);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const startedAt = now();
  const measurements: MeasurementRecord[] = [];
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort();
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const runMetric = async (s: MetricState): Promise<void> => {
    if (s.initialDelayMs > 0) await sleep(s.initialDelayMs, stop.signal);
    while (!stop.signal.aborted) {
      const at = now();
      const timeoutMs = options.measurementTimeoutMs ?? Math.max(10_000, s.intervalMs);
      let measured: MeasuredValue | undefined;
      let failure: string | undefined;
      try {
        measured = await s.provider.measure(
          s.metric,
          args,
          AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
        );
      } catch (e) {
        if (stop.signal.aborted) return;
        failure = e instanceof Error ? e.message : String(e);
      }
      const assessed =
        measured === undefined
          ? { phase: 'Error' as const, message: failure ?? 'the provider returned nothing' }
          : assessMeasurement(s.conditions, s.metric.noData, measured, args);
      const record: MeasurementRecord = {
        template: s.template,
        metric: s.metric.name,
        value: measured?.value,
        phase: assessed.phase,
        at,
        message: measured?.note ? `${assessed.message}; ${measured.note}` : assessed.message,
      };
      measurements.push(record);
      s.last = record;
      s.tally = addMeasurement(s.tally, assessed.phase);
      const decided = metricPhase(s.metric, s.tally);
      s.phase = decided.phase;
      s.message = decided.message;
      options.onMeasurement?.(record);
      if (s.phase !== 'Running') {
        if (isDecisive(s.phase)) stop.abort();
        return;
      }
      await sleep(s.intervalMs, stop.signal);
    }
  };

  try {
    // A throw here is a bug (e.g. in onMeasurement): stop every other metric before reporting it,
    // so that no loop keeps measuring in the background.
    const settled = await Promise.allSettled(
      states.map((s) =>
        runMetric(s).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
    const crashed = settled.find((r) => r.status === 'rejected');
    if (crashed) throw crashed.reason;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  const decisive = states.some((s) => isDecisive(s.phase));
  const stopped = !decisive && states.some((s) => s.phase === 'Running');
  for (const s of states) {
    if (s.phase !== 'Running') continue;
    if (decisive) s.message = `stopped: another metric decided the run (${s.message})`;
    else ({ phase: s.phase, message: s.message } = stoppedPhase(s.tally));
  }
  const phase = worstPhase(states.map((s) => s.phase));
  return {
    phase,
    message: summarize(phase, states),
    metrics: states.map((s) => ({
      template: s.template,
      metric: s.metric.name,
      phase: s.phase,
      message: s.message,
      tally: s.tally,
    })),
    measurements,
    startedAt,
    finishedAt: now(),
    stopped,
  };
}

function summarize(phase: AnalysisPhase, states: readonly MetricState[]): string {
  const worst = states.filter((s) => s.phase === phase);
  if (phase === 'Successful') return `all ${states.length} metric(s) successful`;
  return worst
    .map((s) => {
      const last = s.last ? ` (last: ${formatValue(s.last.value)}: ${s.last.message})` : '';
      return `${s.metric.name} ${phase.toLowerCase()}: ${s.message}${last}`;
    })
    .join('; ');
}
