// Renders a loaded platform's services for one environment: values from config/values.ts, strategy and
// namespace from config/model.ts, objects from the chart. Reads the values files (through
// computeValues) but writes nothing.
import type { LoadedPlatform } from '../config/load.ts';
import { getService, namespaceFor, serviceNames, strategyFor } from '../config/model.ts';
import { computeValues, type ValueOverrides } from '../config/values.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import type { ChartContext } from './context.ts';
import { renderService } from './index.ts';

export interface RenderedService {
  service: string;
  objects: KubeObject[];
}

/**
 * The chart context of one service in one environment (values merged, strategy, namespace). The
 * service's `image:` in slipway.yaml is the repository unless a values layer set image.repository.
 */
export async function chartContextFor(
  p: LoadedPlatform,
  service: string,
  env: string,
  overrides?: ValueOverrides,
): Promise<ChartContext> {
  const config = getService(p, service);
  const merged = await computeValues(p, service, env, overrides);
  let values = merged.values;
  const image = (values.image ?? {}) as Record<string, unknown>;
  if (config.image && !image.repository)
    values = { ...values, image: { ...image, repository: config.image } };
  return {
    platform: p.platform.name,
    service,
    environment: env,
    namespace: namespaceFor(p, env),
    values,
    strategy: strategyFor(p, service),
  };
}

/** Every service (or the named ones, in platform order) of `env`, rendered at rest. */
export async function renderPlatform(
  p: LoadedPlatform,
  env: string,
  o: { services?: string[]; overrides?: ValueOverrides } = {},
): Promise<RenderedService[]> {
  namespaceFor(p, env); // an unknown environment fails here, with a suggestion
  const all = serviceNames(p);
  let names = all;
  if (o.services && o.services.length > 0) {
    for (const s of o.services) getService(p, s); // unknown names fail with a suggestion
    const wanted = new Set(o.services);
    names = all.filter((s) => wanted.has(s));
  }
  const out: RenderedService[] = [];
  for (const service of names) {
    const ctx = await chartContextFor(p, service, env, o.overrides);
    out.push({ service, objects: renderService(ctx) });
  }
  return out;
}
