// Optional Ingress to the primary Service (values ingress.enabled). Also the NGINX canary Ingress the
// release engine applies during a canary with trafficRouting.nginx (nothing extra is rendered at rest).
import type { KubeObject } from '../shared/kube-types.ts';
import { type ChartContext, meta, reader, resourceName } from './context.ts';

type Json = Record<string, unknown>;

function ingressObject(
  ctx: ChartContext,
  name: string,
  backend: string,
  extra: Record<string, string>,
): KubeObject {
  const ing = reader(ctx).sub('ingress');
  const hosts = ing.list('hosts').map(String);
  const path = {
    path: ing.str('path', '/'),
    pathType: ing.str('pathType', 'Prefix'),
    backend: { service: { name: backend, port: { name: 'http' } } },
  };
  const rules: Json[] =
    hosts.length > 0
      ? hosts.map((host) => ({ host, http: { paths: [path] } }))
      : [{ http: { paths: [path] } }];
  const spec: Json = {};
  const className = ing.str('className');
  if (className) spec.ingressClassName = className;
  spec.rules = rules;
  if (ing.bool('tls', false) && hosts.length > 0) spec.tls = [{ hosts, secretName: `${ctx.service}-tls` }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(ctx, name, { annotations: { ...ing.strMap('annotations'), ...extra } }),
    spec,
  };
}

export function renderIngress(ctx: ChartContext): KubeObject[] {
  if (!reader(ctx).sub('ingress').bool('enabled', false)) return [];
  return [ingressObject(ctx, resourceName(ctx), resourceName(ctx), {})];
}

/**
 * The NGINX canary Ingress `<service>-canary` sending `weight` % (and, with a header, every request
 * carrying it) to the canary track's Service `<service>-canary-only`. Used by the release engine;
 * needs ingress.enabled for hosts.
 */
export function renderNginxCanaryIngress(
  ctx: ChartContext,
  weight: number,
  header?: { name: string; value?: string },
): KubeObject {
  const a: Record<string, string> = {
    'nginx.ingress.kubernetes.io/canary': 'true',
    'nginx.ingress.kubernetes.io/canary-weight': String(weight),
  };
  if (header) {
    a['nginx.ingress.kubernetes.io/canary-by-header'] = header.name;
    if (header.value !== undefined) a['nginx.ingress.kubernetes.io/canary-by-header-value'] = header.value;
  }
  return ingressObject(ctx, resourceName(ctx, 'canary'), resourceName(ctx, 'canary-only'), a);
}
