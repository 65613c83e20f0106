// NetworkPolicy admitting traffic to the service's pods only from the listed pods and namespaces (or,
// with neither listed, from the whole namespace) and only on its container ports.
import type { KubeObject } from '../shared/kube-types.ts';
import { type ChartContext, meta, reader, resourceName, selectorLabels, ValuesReader } from './context.ts';
import { containerPorts } from './deployment.ts';

function selectors(v: ValuesReader, key: string): Array<Record<string, string>> {
  return v.list(key).map((item, i) => new ValuesReader({ m: item }, `${v.prefix}.${key}[${i}]`).strMap('m'));
}

export function renderNetworkPolicy(ctx: ChartContext): KubeObject[] {
  const v = reader(ctx);
  const np = v.sub('networkPolicy');
  if (!np.bool('enabled', false)) return [];
  const pods = selectors(np, 'allowFrom');
  const namespaces = selectors(np, 'allowNamespaces');
  const from: Array<Record<string, unknown>> = [];
  if (pods.length === 0) from.push({ podSelector: {} });
  for (const matchLabels of pods) from.push({ podSelector: { matchLabels } });
  for (const matchLabels of namespaces) from.push({ namespaceSelector: { matchLabels } });
  const rule: Record<string, unknown> = { from };
  const ports = containerPorts(v).map((p) => ({ protocol: 'TCP', port: p.containerPort }));
  if (ports.length > 0) rule.ports = ports;
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(ctx, resourceName(ctx)),
      spec: { podSelector: { matchLabels: selectorLabels(ctx) }, policyTypes: ['Ingress'], ingress: [rule] },
    },
  ];
}
