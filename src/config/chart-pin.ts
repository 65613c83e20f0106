// The pin of a chart version in a desired state (`chart:` of an environment or of one service): a
// SemVer 2 version, as Helm requires of Chart.yaml, and optionally where the source is. Kept apart
// from chart-source.ts so that the schema of the desired state needs no file reading.
import { z } from 'zod';

// semver.org's regular expression for SemVer 2.0.0.
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const chartPinSchema = z
  .strictObject({
    version: z
      .string()
      .regex(SEMVER, 'must be a SemVer 2 version such as 1.2.3')
      .describe("The chart's version (its Chart.yaml version)"),
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The chart directory or .tgz in the platform repository; default: found by version under charts/',
      ),
  })
  .describe("The version of the shared chart to render with; default: slipway's own chart");

export type ChartPin = z.infer<typeof chartPinSchema>;
/** The label Helm charts put on their objects: <name>-<version>, `+` as `_`, at most 63 characters. */
export function chartLabelValue(chart: { name: string; version: string }): string {
  return `${chart.name}-${chart.version}`
    .replace(/\+/g, '_')
    .slice(0, 63)
    .replace(/[-_.]+$/, '');
}
