// Measurement, metric and run semantics, exactly as REFERENCE.md states them (Argo Rollouts' rules).
// Pure: no clock, no I/O. The runner (run.ts) feeds measurements in and asks for the phase.
import type { Metric } from '../config/schema.ts';
import { type EvalEnv, type Expr, evaluateCondition, parseExpression } from './expr.ts';

export const PHASE_ORDER = ['Successful', 'Running', 'Inconclusive', 'Error', 'Failed'] as const;
/** A metric's or a run's phase, ordered from best to worst. */
export type AnalysisPhase = (typeof PHASE_ORDER)[number];
/** The phase of one measurement. */
export type MeasurementPhase = Exclude<AnalysisPhase, 'Running'>;

/** What a provider measured: `undefined` means no data. `vars` are extra names for conditions. */
export interface MeasuredValue {
  value: number | number[] | undefined;
  vars?: Record<string, number | undefined>;
  /** Said next to the verdict in the measurement's message (e.g. the tail of a Job's logs). */
  note?: string;
}

/** The conditions a metric is judged by, parsed once. */
export interface CompiledConditions {
  success?: Expr;
  failure?: Expr;
  successSource?: string;
  failureSource?: string;
}

export function compileConditions(
  metric: Pick<Metric, 'name' | 'successCondition' | 'failureCondition'>,
  where = `metric ${metric.name}`,
): CompiledConditions {
  const out: CompiledConditions = {};
  if (metric.successCondition !== undefined) {
    out.success = parseExpression(metric.successCondition, { what: `${where}: successCondition` });
    out.successSource = metric.successCondition;
  }
  if (metric.failureCondition !== undefined) {
    out.failure = parseExpression(metric.failureCondition, { what: `${where}: failureCondition` });
    out.failureSource = metric.failureCondition;
  }
  return out;
}

export interface Assessment {
  phase: MeasurementPhase;
  message: string;
}

const isNoData = (v: MeasuredValue['value']) => v === undefined || (Array.isArray(v) && v.length === 0);

/**
 * One measurement: no data → per `noData`; neither condition → Successful; only successCondition →
 * Failed when false; only failureCondition → Successful when false (Failed when true); both → Failed
 * when the failure condition holds, Successful when only the success condition holds, Inconclusive when
 * neither does; any evaluation error → Error.
 */
export function assessMeasurement(
  conditions: CompiledConditions,
  noData: Metric['noData'],
  measured: MeasuredValue,
  args: Readonly<Record<string, string>>,
): Assessment {
  if (isNoData(measured.value)) {
    const phase = noData === 'pass' ? 'Successful' : noData === 'inconclusive' ? 'Inconclusive' : 'Failed';
    return { phase, message: `no data (noData: ${noData})` };
  }
  const env: EvalEnv = { result: measured.value, args, ...(measured.vars ? { vars: measured.vars } : {}) };
  const { success, failure } = conditions;
  try {
    const failed = failure ? evaluateCondition(failure, env) : undefined;
    const succeeded = success ? evaluateCondition(success, env) : undefined;
    if (failed === true)
      return { phase: 'Failed', message: `failureCondition \`${conditions.failureSource}\` is true` };
    if (succeeded === false) {
      return failure
        ? { phase: 'Inconclusive', message: 'neither successCondition nor failureCondition is true' }
        : { phase: 'Failed', message: `successCondition \`${conditions.successSource}\` is false` };
    }
    const why = success
      ? `successCondition \`${conditions.successSource}\` is true`
      : failure
        ? `failureCondition \`${conditions.failureSource}\` is false`
        : 'no conditions';
    return { phase: 'Successful', message: why };
  } catch (e) {
    return { phase: 'Error', message: e instanceof Error ? e.message : String(e) };
  }
}

/** Counts of one metric's measurements so far. */
export interface MetricTally {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveErrors: number;
}

export const emptyTally = (): MetricTally => ({
  count: 0,
  successful: 0,
  failed: 0,
  inconclusive: 0,
  error: 0,
  consecutiveErrors: 0,
});

/**
 * Adds one measurement. As Argo Rollouts does (analysis/analysis.go), an Error is not counted towards
 * `count`: a measurement that could not be taken is retried, never mistaken for a verdict. Any other
 * phase resets the streak of consecutive errors.
 */
export function addMeasurement(t: MetricTally, phase: MeasurementPhase): MetricTally {
  const n = { ...t };
  if (phase === 'Error') {
    n.error++;
    n.consecutiveErrors++;
    return n;
  }
  n.count++;
  n.consecutiveErrors = 0;
  if (phase === 'Successful') n.successful++;
  else if (phase === 'Failed') n.failed++;
  else n.inconclusive++;
  return n;
}

export type MetricLimits = Pick<Metric, 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit'> & {
  count?: number | undefined;
};

/**
 * A metric's phase, in Argo Rollouts' order (analysis/analysis.go, assessMetricFailureInconclusiveOrError
 * then assessMetricStatus): Error when consecutive errors > consecutiveErrorLimit, else Inconclusive when
 * inconclusive > inconclusiveLimit, else Failed when failures > failureLimit; then, once `count`
 * measurements (errors not included) are taken, Successful — but only if at least one measurement was
 * Successful or Failed: a count made only of inconclusive results proves nothing, so it is Inconclusive
 * (slipway is stricter than Argo here, which would call it Successful). Running otherwise (always
 * Running without a count). One measurement moves one counter, so at most one limit is crossed at a time;
 * the order only matters for tallies built by hand.
 */
export function metricPhase(limits: MetricLimits, t: MetricTally): { phase: AnalysisPhase; message: string } {
  if (t.consecutiveErrors > limits.consecutiveErrorLimit) {
    return {
      phase: 'Error',
      message: `${t.consecutiveErrors} consecutive errors, more than consecutiveErrorLimit ${limits.consecutiveErrorLimit}`,
    };
  }
  if (t.inconclusive > limits.inconclusiveLimit) {
    return {
      phase: 'Inconclusive',
      message: `${t.inconclusive} inconclusive measurement(s), more than inconclusiveLimit ${limits.inconclusiveLimit}`,
    };
  }
  if (t.failed > limits.failureLimit) {
    return {
      phase: 'Failed',
      message: `${t.failed} failed measurement(s), more than failureLimit ${limits.failureLimit}`,
    };
  }
  if (limits.count !== undefined && t.count >= limits.count) {
    if (t.successful + t.failed === 0) {
      return {
        phase: 'Inconclusive',
        message: `${t.count} measurement(s) done, all inconclusive: nothing was verified`,
      };
    }
    return { phase: 'Successful', message: `${t.count} measurement(s) done: ${t.successful} successful` };
  }
  return { phase: 'Running', message: `${t.count} measurement(s) so far${errorsSoFar(t)}` };
}

const errorsSoFar = (t: MetricTally) => (t.error > 0 ? `, ${t.error} error(s) not counted` : '');

/**
 * The phase of a metric still Running when the run is stopped from outside (e.g. the end of a
 * background analysis). Argo Rollouts calls every such metric Successful; slipway does only when at
 * least one measurement was Successful or Failed (within its limit): a metric that only ever errored is
 * Error and one that only had inconclusive results (or none at all) is Inconclusive, so that no data is
 * never taken for a pass.
 */
export function stoppedPhase(t: MetricTally): { phase: AnalysisPhase; message: string } {
  if (t.successful + t.failed > 0) {
    return {
      phase: 'Successful',
      message: `stopped before a decision, nothing failed (${t.count} measurement(s): ${t.successful} successful${errorsSoFar(t)})`,
    };
  }
  if (t.inconclusive > 0) {
    return {
      phase: 'Inconclusive',
      message: `stopped with ${t.inconclusive} inconclusive measurement(s) and none successful or failed${errorsSoFar(t)}`,
    };
  }
  if (t.error > 0) {
    return {
      phase: 'Error',
      message: `stopped after ${t.error} error(s) and no successful or failed measurement`,
    };
  }
  return { phase: 'Inconclusive', message: 'stopped before the first measurement: nothing was verified' };
}

/** The run takes its worst metric: Successful < Running < Inconclusive < Error < Failed. */
export function worstPhase(phases: Iterable<AnalysisPhase>): AnalysisPhase {
  let worst = 0;
  for (const p of phases) worst = Math.max(worst, PHASE_ORDER.indexOf(p));
  return PHASE_ORDER[worst]!;
}

/** Failed and Error end a run at once (the release aborts); Inconclusive pauses it. */
export const isDecisive = (p: AnalysisPhase) => p === 'Failed' || p === 'Error';
export const isFinished = (p: AnalysisPhase) => p !== 'Running';
