// Pre-deploy hooks (`hooks.backup`, then `hooks.preDeploy` in order) as batch/v1 Jobs, run before
// any pod changes: a failed backup or migration stops the release with the Job's pod log.
import type { KubeObject } from '../shared/kube-types.ts';
import { ReleaseFailure } from './failure.ts';
import { parseDuration } from '../shared/duration.ts';
import { workloadsOf } from './plan.ts';
import { diagnosePod } from './track.ts';
import type { StrategyContext } from './types.ts';

type Hook = NonNullable<NonNullable<StrategyContext['serviceConfig']['hooks']>['backup']>;
type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {});
const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;

/** The Job of one hook: the service's pod template settings, the hook's image, command and env. Pure. */
export function hookJob(
  ctx: Pick<StrategyContext, 'manifests' | 'namespace' | 'release'>,
  hook: Hook,
): KubeObject {
  const dep = workloadsOf(ctx.manifests)[0];
  const podSpec = rec(rec(rec(dep?.spec).template).spec);
  const container = rec((podSpec.containers as unknown[] | undefined)?.[0]);
  const r = ctx.release;
  const name = `${r.service}-${hook.name}-r${r.revision}`.slice(0, 63).replace(/-+$/, '');
  const labels = { ...(dep?.metadata.labels ?? {}), 'slipway.dev/hook': hook.name };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ctx.namespace, labels },
    spec: {
      backoffLimit: hook.backoffLimit ?? 0,
      template: {
        metadata: { labels: { 'slipway.dev/hook': hook.name, 'slipway.dev/service': r.service } },
        spec: {
          restartPolicy: 'Never',
          ...(podSpec.securityContext ? { securityContext: podSpec.securityContext } : {}),
          containers: [
            {
              name: hook.name,
              image: hook.image ?? container.image,
              ...(hook.command ? { command: hook.command } : {}),
              ...(hook.args ? { args: hook.args } : {}),
              env: Object.entries(hook.env ?? {}).map(([n, value]) => ({ name: n, value })),
              ...(container.securityContext ? { securityContext: container.securityContext } : {}),
            },
          ],
        },
      },
    },
  };
}

export async function runHooks(ctx: StrategyContext): Promise<string> {
  const hooks = ctx.serviceConfig.hooks;
  const all = [...(hooks?.backup ? [hooks.backup] : []), ...(hooks?.preDeploy ?? [])];
  const done: string[] = [];
  for (const hook of all) {
    const job = hookJob(ctx, hook);
    const name = job.metadata.name ?? '';
    const existing = await ctx.client.get('batch/v1', 'Job', name, ctx.namespace);
    if (!existing) await ctx.client.create(job);
    ctx.events.log(`hook ${hook.name}: Job ${name} started`);
    const deadline = Math.min(
      ctx.deadline,
      Date.now() + (hook.timeout ? parseDuration(hook.timeout) : DEFAULT_HOOK_TIMEOUT_MS),
    );
    for (;;) {
      const live = await ctx.client.get('batch/v1', 'Job', name, ctx.namespace);
      const status = rec(live?.status);
      const conds = (Array.isArray(status.conditions) ? status.conditions : []) as Rec[];
      if (typeof status.succeeded === 'number' && status.succeeded > 0) break;
      const failed = conds.some((c) => c.type === 'Failed' && c.status === 'True');
      if (failed || Date.now() > deadline) {
        const pods = await ctx.client.list('v1', 'Pod', {
          namespace: ctx.namespace,
          labelSelector: `job-name=${name}`,
        });
        const pod = pods.at(-1)?.metadata.name;
        throw new ReleaseFailure(
          `hook ${hook.name} ${failed ? 'failed' : 'timed out'} (Job ${name})`,
          pod ? await diagnosePod(ctx.client, pod, ctx.namespace) : undefined,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    ctx.events.log(`hook ${hook.name}: Job ${name} succeeded`);
    done.push(hook.name);
  }
  return `${done.join(', ')} succeeded`;
}
