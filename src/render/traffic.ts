// Objects that progressive strategies need next to the workload. At rest a canary service has its
// `<service>-canary` Service over both tracks ("routes to both stable and canary", document 004),
// `<service>-canary-only` over the canary track (the canary backend of the HTTPRoute and the NGINX
// canary Ingress) and, with a traffic router, the routing objects at stable 100 / canary 0;
// a blue-green service has `<service>-preview`, `<service>-blue` and `<service>-green` (the primary
// Service, selecting the active colour, comes from service.ts). The weighted builders are exported for
// the release engine, which re-renders them at each step. Every name, and every host or backend that
// refers to one, comes from resourceName (the environment's namePrefix / nameSuffix); an explicit
// istio.host is used as written.
import type { CanaryStrategy } from '../config/schema.ts';
import { type KubeObject, LABELS } from '../shared/kube-types.ts';
import { type ChartContext, type Color, meta, reader, resourceName, restTrack } from './context.ts';
import { serviceObject } from './service.ts';

type Json = Record<string, unknown>;

/** One header match of a `setHeaderRoute` step. */
export interface HeaderMatch {
  headerName: string;
  headerValue: { exact: string } | { prefix: string } | { regex: string };
}

export interface RouteState {
  /** Percentage of traffic to the canary (0–100). */
  canaryWeight: number;
  /** Requests matching these headers go to the canary whatever the weight (setHeaderRoute). */
  headerRoute?: { name?: string; match: HeaderMatch[] };
}

type Routing = NonNullable<CanaryStrategy['trafficRouting']>;

function routing(ctx: ChartContext): Routing | undefined {
  return ctx.strategy.type === 'canary' ? ctx.strategy.trafficRouting : undefined;
}

function httpPort(ctx: ChartContext): number {
  return reader(ctx).sub('service').num('port', 80);
}

/** The host Istio routes: strategy istio.host as written, else the primary Service's name. */
function istioHost(ctx: ChartContext): string {
  const r = routing(ctx);
  return (r && 'istio' in r ? r.istio.host : undefined) ?? resourceName(ctx);
}

/** Istio VirtualService splitting `<service>` between the stable and canary subsets. */
export function renderVirtualService(ctx: ChartContext, state: RouteState): KubeObject {
  const host = istioHost(ctx);
  const http: Json[] = [];
  if (state.headerRoute && state.headerRoute.match.length > 0) {
    const headers: Json = {};
    for (const m of state.headerRoute.match) headers[m.headerName] = { ...m.headerValue };
    http.push({
      name: state.headerRoute.name ?? 'canary-header',
      match: [{ headers }],
      route: [{ destination: { host, subset: 'canary' } }],
    });
  }
  http.push({
    name: 'primary',
    route: [
      { destination: { host, subset: 'stable' }, weight: 100 - state.canaryWeight },
      { destination: { host, subset: 'canary' }, weight: state.canaryWeight },
    ],
  });
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'VirtualService',
    metadata: meta(ctx, resourceName(ctx)),
    spec: { hosts: [host], http },
  };
}

export function renderDestinationRule(ctx: ChartContext): KubeObject {
  const host = istioHost(ctx);
  return {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: meta(ctx, resourceName(ctx)),
    spec: {
      host,
      subsets: [
        { name: 'stable', labels: { [LABELS.track]: 'stable' } },
        { name: 'canary', labels: { [LABELS.track]: 'canary' } },
      ],
    },
  };
}

function headerMatchToGateway(m: HeaderMatch): Json {
  const hv = m.headerValue;
  if ('exact' in hv) return { name: m.headerName, type: 'Exact', value: hv.exact };
  const regex = 'regex' in hv ? hv.regex : `^${hv.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*`;
  return { name: m.headerName, type: 'RegularExpression', value: regex };
}

/** Gateway API HTTPRoute splitting between the `<service>` (stable) and `<service>-canary-only` Services. */
export function renderHttpRoute(ctx: ChartContext, state: RouteState): KubeObject {
  const r = routing(ctx);
  const parent = r && 'gatewayAPI' in r ? r.gatewayAPI.parentRef : 'gateway';
  const slash = parent.indexOf('/');
  const parentRef =
    slash > 0 ? { namespace: parent.slice(0, slash), name: parent.slice(slash + 1) } : { name: parent };
  const port = httpPort(ctx);
  const stable = resourceName(ctx);
  const canary = resourceName(ctx, 'canary-only');
  const rules: Json[] = [];
  if (state.headerRoute && state.headerRoute.match.length > 0) {
    rules.push({
      matches: [{ headers: state.headerRoute.match.map(headerMatchToGateway) }],
      backendRefs: [{ name: canary, port }],
    });
  }
  rules.push({
    backendRefs: [
      { name: stable, port, weight: 100 - state.canaryWeight },
      { name: canary, port, weight: state.canaryWeight },
    ],
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta(ctx, resourceName(ctx)),
    spec: { parentRefs: [parentRef], rules },
  };
}

/** The blue-green helper Services: preview (the colour under test; the active one at rest), -blue, -green. */
export function blueGreenServices(ctx: ChartContext, preview: Color = restTrack(ctx) as Color): KubeObject[] {
  return [
    serviceObject(ctx, resourceName(ctx, 'blue'), { track: 'blue' }),
    serviceObject(ctx, resourceName(ctx, 'green'), { track: 'green' }),
    serviceObject(ctx, resourceName(ctx, 'preview'), { track: preview }),
  ];
}

/** Everything the strategy adds at rest (nothing for rolling). */
export function renderTraffic(ctx: ChartContext): KubeObject[] {
  const s = ctx.strategy;
  if (s.type === 'blueGreen') return blueGreenServices(ctx);
  if (s.type !== 'canary') return [];
  const out: KubeObject[] = [
    serviceObject(ctx, resourceName(ctx, 'canary')),
    serviceObject(ctx, resourceName(ctx, 'canary-only'), { track: 'canary' }),
  ];
  const r = s.trafficRouting;
  if (r && 'istio' in r) out.push(renderVirtualService(ctx, { canaryWeight: 0 }), renderDestinationRule(ctx));
  else if (r && 'gatewayAPI' in r) out.push(renderHttpRoute(ctx, { canaryWeight: 0 }));
  return out;
}
