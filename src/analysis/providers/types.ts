// The interface every metric provider implements, and the `{{args.x}}` templating they share.
import type { Metric } from '../../config/schema.ts';
import { closest, SlipwayError } from '../../shared/errors.ts';
import type { MeasuredValue } from '../evaluate.ts';

export const PROVIDER_KINDS = ['builtin', 'prometheus', 'web', 'job'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/**
 * Takes one measurement. `value: undefined` (or an empty list) means no data, which the metric's
 * `noData` policy judges; a thrown error is a measurement Error carrying the error's message.
 */
export interface MetricProvider {
  /**
   * Optional: throws a config error for what can be known wrong before the first measurement (e.g. no
   * Prometheus address, a token variable that is not set), so that the run is refused at once instead
   * of ending in Error after consecutiveErrorLimit + 1 intervals.
   */
  check?(metric: Metric, args: Readonly<Record<string, string>>): void;
  measure(
    metric: Metric,
    args: Readonly<Record<string, string>>,
    signal: AbortSignal,
  ): Promise<MeasuredValue>;
}

export type Providers = Partial<Record<ProviderKind, MetricProvider>>;

export function providerKind(metric: Pick<Metric, 'provider'>): ProviderKind {
  const kind = PROVIDER_KINDS.find((k) => k in metric.provider);
  if (!kind)
    throw new SlipwayError('crash', `metric provider has no known kind: ${Object.keys(metric.provider)}`);
  return kind;
}

/** Replaces `{{args.name}}` (spaces allowed inside the braces); an unknown name is an error. */
export function renderArgs(text: string, args: Readonly<Record<string, string>>, what: string): string {
  return text.replace(/\{\{\s*args\.([A-Za-z0-9_-]+)\s*\}\}/g, (_, key: string) => {
    if (Object.hasOwn(args, key)) return args[key]!;
    const near = closest(key, Object.keys(args));
    throw new SlipwayError('config', `${what} uses {{args.${key}}} but no argument ${key} was given`, {
      hint: near
        ? `Did you mean {{args.${near}}}?`
        : `Declare it in the template's args and pass it from the strategy (known: ${Object.keys(args).join(', ') || 'none'}).`,
    });
  });
}

/** Turns a failed fetch into a measurement error that says which address could not be reached. */
export function fetchError(what: string, url: string, e: unknown): SlipwayError {
  if (e instanceof SlipwayError) return e;
  const cause = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
  return new SlipwayError('unreachable', `${what}: cannot reach ${url}: ${cause}`, { cause: e });
}
