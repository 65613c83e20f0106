// A Job as a check: the release engine supplies `runJob`, which creates the Job in the target
// cluster, waits for it and returns whether it succeeded. Succeeded → 1, failed → 0; without
// conditions the runner judges it with `result == 1`. {{args.x}} is filled in in command and args.
import { SlipwayError } from '../../shared/errors.ts';
import type { MeasuredValue } from '../evaluate.ts';
import { type MetricProvider, renderArgs } from './types.ts';

export interface AnalysisJobSpec {
  /** The metric's name; the engine derives the Job's name from it. */
  metric: string;
  image: string;
  command?: string[];
  args?: string[];
}

export type RunJob = (
  spec: AnalysisJobSpec,
  signal: AbortSignal,
) => Promise<{ succeeded: boolean; logs?: string }>;

const tail = (logs: string, lines = 5) => logs.trimEnd().split('\n').slice(-lines).join(' | ');

export function jobProvider(runJob: RunJob): MetricProvider {
  return {
    async measure(metric, args, signal): Promise<MeasuredValue> {
      if (!('job' in metric.provider)) throw new SlipwayError('crash', 'not a job metric');
      const j = metric.provider.job;
      const where = `metric ${metric.name}`;
      const spec: AnalysisJobSpec = {
        metric: metric.name,
        image: renderArgs(j.image, args, `${where}: image`),
        ...(j.command ? { command: j.command.map((c) => renderArgs(c, args, `${where}: command`)) } : {}),
        ...(j.args ? { args: j.args.map((c) => renderArgs(c, args, `${where}: args`)) } : {}),
      };
      const outcome = await runJob(spec, signal);
      const note = outcome.succeeded
        ? 'job succeeded'
        : `job failed${outcome.logs ? `: ${tail(outcome.logs)}` : ''}`;
      return { value: outcome.succeeded ? 1 : 0, note };
    },
  };
}
