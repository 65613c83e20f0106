// The primary Service `<service>` and the port list every Service of the service shares. Which pods the
// primary Service selects depends on the strategy: all tracks for rolling, canary by replica ratio and
// Istio (whose subsets split by track), the stable track when Gateway API or NGINX split between two
// Services, the active colour for blue-green. Only the primary Service takes values service.type (a
// LoadBalancer, say): the helper Services of the strategies are ClusterIP, as document 004 has them.
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import {
  type ChartContext,
  meta,
  PRIMARY_SERVICE_LABEL,
  reader,
  resourceName,
  restTrack,
  selectorLabels,
  type Track,
} from './context.ts';
import { containerPorts } from './deployment.ts';

type Json = Record<string, unknown>;

/** Service ports: `http` on service.port, service.extraPorts by container port name, the metrics port. */
export function servicePorts(ctx: ChartContext): Json[] {
  const v = reader(ctx);
  const svc = v.sub('service');
  const named = new Map(containerPorts(v).map((p) => [p.name, p.containerPort]));
  const out: Json[] = [];
  if (named.has('http')) out.push({ name: 'http', port: svc.num('port', 80), targetPort: 'http' });
  const extra = svc.map('extraPorts');
  for (const name of Object.keys(extra).sort()) {
    const port = svc.sub('extraPorts').optNum(name);
    if (port === undefined || name === 'http') continue;
    if (!named.has(name)) {
      throw new SlipwayError('values', `service.extraPorts.${name} names no container port`, {
        data: { path: `service.extraPorts.${name}` },
        hint: `Add ports.${name}: <number>, or remove service.extraPorts.${name}.`,
      });
    }
    out.push({ name, port, targetPort: name });
  }
  const metricsPort = v.sub('metrics').str('port', 'http');
  if (
    v.sub('serviceMonitor').bool('enabled', false) &&
    v.sub('metrics').bool('enabled', false) &&
    !out.some((p) => p.name === metricsPort) &&
    named.has(metricsPort)
  ) {
    out.push({ name: metricsPort, port: named.get(metricsPort), targetPort: metricsPort });
  }
  return out;
}

/** A Service named `name` over this service's pods, optionally restricted to one track. Only the primary takes service.type. */
export function serviceObject(
  ctx: ChartContext,
  name: string,
  o: { track?: Track | undefined; primary?: boolean } = {},
): KubeObject {
  const svc = reader(ctx).sub('service');
  const annotations = svc.strMap('annotations');
  const metadata = meta(ctx, name, {
    ...(o.primary ? { labels: { [PRIMARY_SERVICE_LABEL]: 'true' } } : {}),
    annotations,
  });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: o.primary ? svc.str('type', 'ClusterIP') : 'ClusterIP',
      selector: selectorLabels(ctx, o.track),
      ports: servicePorts(ctx),
    },
  };
}

/** Which track the primary Service selects at rest (undefined: every track). */
export function primaryTrack(ctx: ChartContext): Track | undefined {
  const s = ctx.strategy;
  if (s.type === 'blueGreen') return restTrack(ctx);
  if (s.type === 'canary' && s.trafficRouting && !('istio' in s.trafficRouting)) return 'stable';
  return undefined;
}

export function renderServices(ctx: ChartContext): KubeObject[] {
  return [serviceObject(ctx, resourceName(ctx), { track: primaryTrack(ctx), primary: true })];
}
