// Hooks and Job smoke tests as batch/v1 Jobs: `hooks.backup` then `hooks.preDeploy` before any pod
// changes, `hooks.postDeploy` after the rollout, and `smokeTests[].job` against the Service under
// test. One Job per hook and revision, named after both, so that running a step again (a resumed
// release) waits for the Job already there instead of starting a second migration. A failed or timed
// out Job fails the step with the tail of its pod's log in the reason.
import type { ServiceConfig } from '../config/schema.ts';
import { parseDuration } from '../shared/duration.ts';
import type { KubeObject } from '../shared/kube-types.ts';
import { ReleaseFailure } from './failure.ts';
import { workloadsOf } from './plan.ts';
import { diagnosePod, podLog } from './track.ts';
import type { StrategyContext } from './types.ts';

export type Hook = NonNullable<NonNullable<ServiceConfig['hooks']>['backup']>;
type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {});
const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;
const POLL_MS = 250;
/** Log lines of a failed Job's pod quoted in the failure reason (the record's detail has more). */
const REASON_LOG_LINES = 3;

/** The hooks that run before any pod changes, in order: the backup first, then preDeploy. */
export function preDeployHooks(config: ServiceConfig): Hook[] {
  const hooks = config.hooks;
  return [...(hooks?.backup ? [hooks.backup] : []), ...(hooks?.preDeploy ?? [])];
}

export function postDeployHooks(config: ServiceConfig): Hook[] {
  return [...(config.hooks?.postDeploy ?? [])];
}

/** A DNS-1123 label (also a valid label value) of at most `max` characters. */
const dnsLabel = (text: string, max = 63): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '') || 'x';

/** A Job name of at most 63 characters that always keeps `suffix` (the revision) whole. */
export function jobName(prefix: string, suffix: string): string {
  return `${dnsLabel(prefix, 63 - suffix.length - 1)}-${suffix}`;
}

/**
 * The Job of one hook: the service's pod security settings and image (unless the hook names its
 * own), the hook's command and env. Its pods carry no label of the service's selector, so no Service
 * ever routes to them. Pure.
 */
export function hookJob(
  ctx: Pick<StrategyContext, 'manifests' | 'namespace' | 'release'>,
  hook: Hook,
  o: { name?: string; env?: Record<string, string>; kind?: string } = {},
): KubeObject {
  const dep = workloadsOf(ctx.manifests)[0];
  const podSpec = rec(rec(rec(dep?.spec).template).spec);
  const container = rec((podSpec.containers as unknown[] | undefined)?.[0]);
  const r = ctx.release;
  const name = o.name ?? jobName(`${r.service}-${hook.name}`, `r${r.revision}`);
  const kind = o.kind ?? 'hook';
  const labels = { ...(dep?.metadata.labels ?? {}), [`slipway.dev/${kind}`]: dnsLabel(hook.name) };
  const env = {
    SLIPWAY_SERVICE: r.service,
    SLIPWAY_ENVIRONMENT: r.environment,
    SLIPWAY_REVISION: String(r.revision),
    ...(r.version.tag ? { SLIPWAY_VERSION: r.version.tag } : {}),
    ...(o.env ?? {}),
    ...(hook.env ?? {}),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ctx.namespace, labels },
    spec: {
      backoffLimit: hook.backoffLimit ?? 0,
      template: {
        metadata: {
          labels: { [`slipway.dev/${kind}`]: dnsLabel(hook.name), 'slipway.dev/service': r.service },
        },
        spec: {
          restartPolicy: 'Never',
          ...(podSpec.securityContext ? { securityContext: podSpec.securityContext } : {}),
          containers: [
            {
              name: dnsLabel(hook.name),
              image: hook.image ?? container.image,
              ...(hook.command ? { command: hook.command } : {}),
              ...(hook.args ? { args: hook.args } : {}),
              env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
              ...(container.securityContext ? { securityContext: container.securityContext } : {}),
            },
          ],
        },
      },
    },
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/**
 * Creates the Job unless it exists (a re-run waits for the one already started) and waits until it
 * succeeds; throws a ReleaseFailure naming `what` with the pod log's tail when it fails or times out.
 */
export async function runJob(
  ctx: Pick<StrategyContext, 'client' | 'namespace' | 'deadline' | 'events' | 'signal'>,
  job: KubeObject,
  o: { what: string; timeoutMs: number },
): Promise<void> {
  const name = job.metadata.name ?? '';
  const existing = await ctx.client.get('batch/v1', 'Job', name, ctx.namespace);
  if (!existing) await ctx.client.create(job);
  ctx.events.log(`${o.what}: Job ${name} ${existing ? 'already started; waiting for it' : 'started'}`);
  const deadline = Math.min(ctx.deadline, Date.now() + o.timeoutMs);
  for (;;) {
    const live = await ctx.client.get('batch/v1', 'Job', name, ctx.namespace);
    if (!live) throw new ReleaseFailure(`${o.what}: Job ${name} was deleted while it ran`);
    const status = rec(live.status);
    if (typeof status.succeeded === 'number' && status.succeeded > 0) break;
    const conds = (Array.isArray(status.conditions) ? status.conditions : []) as Rec[];
    const failed = conds.some((c) => c.type === 'Failed' && c.status === 'True');
    if (failed || Date.now() > deadline) {
      throw await jobFailure(ctx, name, `${o.what} ${failed ? 'failed' : 'timed out'} (Job ${name})`);
    }
    if (ctx.signal?.aborted)
      throw new ReleaseFailure(`${o.what}: the release lost its lock while Job ${name} ran`);
    await sleep(POLL_MS, ctx.signal);
  }
  ctx.events.log(`${o.what}: Job ${name} succeeded`);
}

async function jobFailure(
  ctx: Pick<StrategyContext, 'client' | 'namespace'>,
  job: string,
  reason: string,
): Promise<ReleaseFailure> {
  const pods = await ctx.client
    .list('v1', 'Pod', { namespace: ctx.namespace, labelSelector: `job-name=${job}` })
    .catch(() => []);
  const pod = pods.at(-1)?.metadata.name;
  if (!pod) return new ReleaseFailure(`${reason}: no pod of the Job ran`);
  const tail = (await podLog(ctx.client, pod, ctx.namespace, REASON_LOG_LINES))
    ?.split('\n')
    .map((l) => l.trim().slice(0, 300))
    .filter(Boolean);
  return new ReleaseFailure(
    tail?.length ? `${reason}; its log ends: ${tail.join(' | ')}` : `${reason}; its pod ${pod} wrote no log`,
    await diagnosePod(ctx.client, pod, ctx.namespace),
  );
}

/** Runs one hook of the service as a Job and waits for it. */
export async function runHook(
  ctx: StrategyContext,
  phase: 'pre-deploy' | 'post-deploy',
  hookName: string,
): Promise<string> {
  const all = phase === 'pre-deploy' ? preDeployHooks(ctx.serviceConfig) : postDeployHooks(ctx.serviceConfig);
  const hook = all.find((h) => h.name === hookName);
  if (!hook) throw new ReleaseFailure(`the service has no ${phase} hook "${hookName}"`);
  const job = hookJob(ctx, hook);
  await runJob(ctx, job, {
    what: `${phase} hook ${hook.name}`,
    timeoutMs: hook.timeout ? parseDuration(hook.timeout) : DEFAULT_HOOK_TIMEOUT_MS,
  });
  return `Job ${job.metadata.name} succeeded`;
}

export { DEFAULT_HOOK_TIMEOUT_MS };
