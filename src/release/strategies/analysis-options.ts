// Which analysis options a strategy step uses: the request's (`analysis` in deploy, rollback and
// resume requests, carried in the strategy context) over the executor's own, over process-wide
// defaults that the deprecated registerCanary/registerBlueGreen still set for callers not yet
// passing them in the request (the demo, a benchmark).
import type { StrategyContext } from '../types.ts';
import type { AnalysisOptions } from './canary-runtime.ts';

let processDefaults: AnalysisOptions = {};

/** @deprecated pass `analysis` in the deploy/rollback/resume request instead. */
export function setDefaultAnalysisOptions(o: AnalysisOptions): void {
  processDefaults = { ...o };
}

export function analysisOptionsFor(
  ctx: Pick<StrategyContext, 'analysis'>,
  own: AnalysisOptions,
): AnalysisOptions {
  return { ...processDefaults, ...own, ...(ctx.analysis ?? {}) };
}
