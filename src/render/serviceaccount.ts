// The service's own ServiceAccount (never `default`), with the AWS IRSA role annotation when given.
import type { KubeObject } from '../shared/kube-types.ts';
import { type ChartContext, meta, reader, serviceAccountName } from './context.ts';

export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

export function renderServiceAccount(ctx: ChartContext): KubeObject[] {
  const sa = reader(ctx).sub('serviceAccount');
  if (!sa.bool('create', true)) return [];
  const annotations = sa.strMap('annotations');
  const arn = sa.str('irsaRoleArn');
  if (arn) annotations[IRSA_ANNOTATION] = arn;
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(ctx, serviceAccountName(ctx), { annotations }),
      automountServiceAccountToken: sa.bool('automountToken', false),
    },
  ];
}
