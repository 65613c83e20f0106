// Moving traffic during a canary: the routing objects for a weight and header route (Istio
// VirtualService, Gateway API HTTPRoute, NGINX canary Ingress; nothing without a router, where the
// replica ratio is the split), and the at-rest state every abort returns to — stable 100 %.
import type { KubeClient } from '../../kube/client.ts';
import {
  type ChartContext,
  renderHttpRoute,
  renderNginxCanaryIngress,
  renderVirtualService,
  resourceName,
} from '../../render/index.ts';
import type { KubeObject } from '../../shared/kube-types.ts';
import { type HeaderRoute, nginxHeader, type Router } from './canary-plan.ts';

export interface TrafficState {
  weight: number;
  headerRoute?: HeaderRoute | undefined;
}

/** The routing objects carrying `state` (none without a router, or for NGINX at weight 0 without a header). */
export function routeObjects(chart: ChartContext, router: Router, state: TrafficState): KubeObject[] {
  const route = {
    canaryWeight: state.weight,
    ...(state.headerRoute ? { headerRoute: state.headerRoute } : {}),
  };
  switch (router) {
    case 'istio':
      return [renderVirtualService(chart, route)];
    case 'gatewayAPI':
      return [renderHttpRoute(chart, route)];
    case 'nginx':
      if (state.weight === 0 && !state.headerRoute) return [];
      return [renderNginxCanaryIngress(chart, state.weight, nginxHeader(state.headerRoute))];
    case 'none':
      return [];
  }
}

export function describeTraffic(router: Router, state: TrafficState): string {
  const header = state.headerRoute?.match.length
    ? `, ${state.headerRoute.match.map((m) => `${m.headerName}: ${Object.values(m.headerValue)[0]}`).join(', ')} → canary`
    : '';
  return router === 'none'
    ? `replica ratio ~${state.weight} %`
    : `${router}: stable ${100 - state.weight} % / canary ${state.weight} %${header}`;
}

/** Applies the routing for `state`; at weight 0 without a header the NGINX canary Ingress is deleted. */
export async function setTraffic(
  client: KubeClient,
  chart: ChartContext,
  router: Router,
  state: TrafficState,
): Promise<string> {
  for (const obj of routeObjects(chart, router, state)) await client.apply(obj, { force: true });
  if (router === 'nginx' && state.weight === 0 && !state.headerRoute) {
    await client.delete('networking.k8s.io/v1', 'Ingress', resourceName(chart, 'canary'), chart.namespace);
  }
  return describeTraffic(router, state);
}

/** Stable serving 100 %: weight 0 and no header route. Idempotent; the first action of every abort. */
export async function routeAllToStable(
  client: KubeClient,
  chart: ChartContext,
  router: Router,
): Promise<void> {
  await setTraffic(client, chart, router, { weight: 0 });
}
