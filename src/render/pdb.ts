// PodDisruptionBudget over all of the service's pods (every track): minAvailable or maxUnavailable.
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { type ChartContext, meta, reader, resourceName, selectorLabels } from './context.ts';

export function renderPdb(ctx: ChartContext): KubeObject[] {
  const p = reader(ctx).sub('pdb');
  if (!p.bool('enabled', false)) return [];
  const minAvailable = p.intOrPercent('minAvailable');
  const maxUnavailable = p.intOrPercent('maxUnavailable');
  if ((minAvailable === undefined) === (maxUnavailable === undefined)) {
    throw new SlipwayError('values', 'pdb needs exactly one of minAvailable and maxUnavailable', {
      data: { path: 'pdb' },
      hint: 'To use maxUnavailable, also set pdb.minAvailable: null.',
    });
  }
  const spec: Record<string, unknown> =
    minAvailable !== undefined ? { minAvailable } : { maxUnavailable: maxUnavailable! };
  spec.selector = { matchLabels: selectorLabels(ctx) };
  return [
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(ctx, resourceName(ctx)), spec },
  ];
}
