// Renders a loaded platform's services for one environment: values from config/values.ts, strategy and
// namespace from config/model.ts, objects from the chart. Reads the values files (through
// computeValues) but writes nothing. chartInput is the first stage of preparing a release
// (policy/prepare.ts), and all that `slipway values` needs.
import { type ResolvedChart, resolveChart } from '../config/chart-source.ts';
import { flagMountFor } from '../config/flags.ts';
import type { LoadedPlatform } from '../config/load.ts';
import { chartSecretsFor } from '../config/load-secrets.ts';
import { getService, nameAffixesFor, namespaceFor, serviceNames, strategyFor } from '../config/model.ts';
import { computeValues, type MergedValues, type ValueOverrides } from '../config/values.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import type { ChartContext } from './context.ts';
import { renderService } from './index.ts';

export interface RenderedService {
  service: string;
  objects: KubeObject[];
}

/** What the chart is rendered from: the merged values with their sources, and the chart context. */
export interface ChartInput {
  /** The layers merged (what `slipway values` shows), each key with the file and line that set it. */
  values: MergedValues;
  /** The context the chart receives; its values add the service's `image:` from slipway.yaml. */
  context: ChartContext;
  /** The chart version the desired state pins; undefined: slipway's own chart, unpinned. */
  chart?: ResolvedChart | undefined;
}

/**
 * The merged values of one service in one environment and the chart context built from them (values,
 * strategy, namespace). The service's `image:` in slipway.yaml is the repository unless a values layer
 * set image.repository.
 */
export async function chartInput(
  p: LoadedPlatform,
  service: string,
  env: string,
  overrides?: ValueOverrides,
): Promise<ChartInput> {
  const config = getService(p, service);
  const merged = await computeValues(p, service, env, overrides);
  const chart = await resolveChart(p, env, service);
  const secrets = await chartSecretsFor(p, env, service);
  let values = merged.values;
  const image = (values.image ?? {}) as Record<string, unknown>;
  if (config.image && !image.repository)
    values = { ...values, image: { ...image, repository: config.image } };
  return {
    values: merged,
    context: {
      platform: p.platform.name,
      service,
      environment: env,
      namespace: namespaceFor(p, env),
      values,
      strategy: strategyFor(p, service),
      names: nameAffixesFor(p, env),
      ...(flagMountFor(p.platform, service) ? { flags: flagMountFor(p.platform, service) } : {}),
      ...(chart ? { chart: { name: chart.name, version: chart.version } } : {}),
      ...(secrets ? { secrets } : {}),
    },
    ...(chart ? { chart } : {}),
  };
}

/** The chart context of one service in one environment (see chartInput). */
export async function chartContextFor(
  p: LoadedPlatform,
  service: string,
  env: string,
  overrides?: ValueOverrides,
): Promise<ChartContext> {
  return (await chartInput(p, service, env, overrides)).context;
}

/**
 * The services of `env` to render: all, or the named ones, in platform order. An unknown
 * environment or service fails with a suggestion.
 */
export function selectServices(p: LoadedPlatform, env: string, services?: readonly string[]): string[] {
  namespaceFor(p, env); // an unknown environment fails here, with a suggestion
  const all = serviceNames(p);
  if (!services || services.length === 0) return all;
  for (const s of services) getService(p, s); // unknown names fail with a suggestion
  const wanted = new Set(services);
  return all.filter((s) => wanted.has(s));
}

/** Every service (or the named ones, in platform order) of `env`, rendered at rest. */
export async function renderPlatform(
  p: LoadedPlatform,
  env: string,
  o: { services?: string[]; overrides?: ValueOverrides } = {},
): Promise<RenderedService[]> {
  const out: RenderedService[] = [];
  for (const service of selectServices(p, env, o.services)) {
    const ctx = await chartContextFor(p, service, env, o.overrides);
    out.push({ service, objects: renderService(ctx) });
  }
  return out;
}
