// Preparing a release, the one home of "what would be applied": chart context → merged values →
// render → ownership labels and namespace → version → lint findings, for one service in one
// environment. deploy (release/engine.ts), diff (release/inspect.ts), plan (promotion/plan-read.ts),
// lint and render call this, so that what they show is what deploy applies.
//
// It lives in policy/ because lint is its last step and policy/lint.ts calls it too (policy/ may not
// import release/; see .dependency-cruiser.cjs). Reads the values files (cached per platform), writes
// nothing, talks to no cluster.
import type { LoadedPlatform } from '../config/load.ts';
import type { ValueOverrides } from '../config/values.ts';
import { renderService } from '../render/index.ts';
import { type ChartInput, chartInput, selectServices } from '../render/platform.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { type Ownership, withOwnership } from '../shared/ownership.ts';
import { type LintReport, lintRenderedServices } from './lint.ts';

export interface PrepareOptions {
  service: string;
  environment: string;
  overrides?: ValueOverrides | undefined;
  /** false: skip the policy checks (diff, plan, or a caller that checks several services together). */
  lint?: boolean;
}

/** The image a release runs, and the chart version when one is pinned, as the release record keeps it. */
export interface ReleaseVersion {
  tag?: string;
  digest?: string;
  chart?: ReleaseChart;
}

/** A pinned chart version in a release record: its name, version and the pin's path when it has one. */
export interface ReleaseChart {
  name: string;
  version: string;
  path?: string;
}

export interface PreparedRelease extends ChartInput {
  service: string;
  environment: string;
  namespace: string;
  ownership: Ownership;
  /** As the chart renders them: what `slipway render` prints and the policy checks read. */
  objects: KubeObject[];
  /** The objects with ownership labels and the namespace: what a deploy applies and a diff compares. */
  manifests: KubeObject[];
  /** image.tag and image.digest of the merged values, each when set. */
  version: ReleaseVersion;
}

export interface LintedRelease extends PreparedRelease {
  /** The checks of this one service at the environment's policy level (waived findings included). */
  report: LintReport;
}

/** Renders one service in one environment as deploy applies it; with its lint report unless `lint: false`. */
export async function prepareRelease(
  p: LoadedPlatform,
  o: PrepareOptions & { lint: false },
): Promise<PreparedRelease>;
export async function prepareRelease(p: LoadedPlatform, o: PrepareOptions): Promise<LintedRelease>;
export async function prepareRelease(
  p: LoadedPlatform,
  o: PrepareOptions,
): Promise<PreparedRelease | LintedRelease> {
  const { service, environment } = o;
  const { values, context, chart } = await chartInput(p, service, environment, o.overrides);
  const objects = renderService(context);
  const ownership: Ownership = { platform: p.platform.name, environment, service };
  const prepared: PreparedRelease = {
    service,
    environment,
    namespace: context.namespace,
    ownership,
    values,
    context,
    objects,
    manifests: withOwnership(objects, ownership, context.namespace),
    version: {
      ...versionOf(context.values),
      ...(chart
        ? {
            chart: {
              name: chart.name,
              version: chart.version,
              ...(chart.pin.path !== undefined ? { path: chart.pin.path } : {}),
            },
          }
        : {}),
    },
  };
  if (o.lint === false) return prepared;
  const report = await lintRenderedServices(p, environment, [{ service, objects, values }], o.overrides);
  return { ...prepared, report };
}

/**
 * Every selected service of `env` (all when none are named, in platform order) prepared without lint:
 * for callers that check them together (`slipway lint`, `slipway render`), since some checks look
 * across services. Unknown names fail with a suggestion.
 */
export async function prepareServices(
  p: LoadedPlatform,
  env: string,
  o: { services?: readonly string[] | undefined; overrides?: ValueOverrides | undefined } = {},
): Promise<PreparedRelease[]> {
  const out: PreparedRelease[] = [];
  for (const service of selectServices(p, env, o.services))
    out.push(await prepareRelease(p, { service, environment: env, overrides: o.overrides, lint: false }));
  return out;
}

function versionOf(values: Record<string, unknown>): ReleaseVersion {
  const image = (values.image ?? {}) as { tag?: unknown; digest?: unknown };
  return {
    ...(image.tag ? { tag: String(image.tag) } : {}),
    ...(image.digest ? { digest: String(image.digest) } : {}),
  };
}
