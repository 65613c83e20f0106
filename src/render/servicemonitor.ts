// Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1) for the primary Service only, so the
// -blue/-green/-preview/-canary helper Services do not get the same pods scraped twice.
import type { KubeObject } from '../shared/kube-types.ts';
import {
  type ChartContext,
  meta,
  PRIMARY_SERVICE_LABEL,
  reader,
  resourceName,
  selectorLabels,
} from './context.ts';

export function renderServiceMonitor(ctx: ChartContext): KubeObject[] {
  const v = reader(ctx);
  const sm = v.sub('serviceMonitor');
  const metrics = v.sub('metrics');
  if (!sm.bool('enabled', false) || !metrics.bool('enabled', false)) return [];
  return [
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: meta(ctx, resourceName(ctx), { labels: sm.strMap('labels') }),
      spec: {
        selector: { matchLabels: { ...selectorLabels(ctx), [PRIMARY_SERVICE_LABEL]: 'true' } },
        endpoints: [
          {
            port: metrics.str('port', 'http'),
            path: metrics.str('path', '/metrics'),
            interval: sm.str('interval', '30s'),
          },
        ],
      },
    },
  ];
}
