// What the canary and blue-green executors share at run time: the release gate (how `slipway promote`
// and `slipway abort` reach a running release), analysis runs through the analysis engine, background
// analysis that outlives a step, and the one wait loop every pause, analysis and promotion goes
// through — each with a deadline and abort as its end action. Every wait also watches the
// environment's freeze marker: while a freeze is declared it holds (only an abort ends it), and the
// time held moves its pause and its deadline (freeze-hold.ts).
//
// The gate is a small ConfigMap `<service>-release-gate` (no managed-by label, so pruning never
// touches it) naming the revision and the action. It is not an annotation on the release Secret
// because the engine rewrites that Secret with optimistic concurrency: a foreign write there would fail
// the running release with a conflict.
import { dirname } from 'node:path';
import { createProviders, type Providers, providersConfigFor } from '../../analysis/providers/index.ts';
import { type AnalysisResult, type MeasurementRecord, runAnalysis } from '../../analysis/run.ts';
import { resolveTemplates } from '../../analysis/templates.ts';
import type { AnalysisTemplate } from '../../config/schema.ts';
import type { KubeClient } from '../../kube/client.ts';
import { isConnectionRefused } from '../../kube/errors.ts';
import { readClusterRecord } from '../../localcluster/cluster.ts';
import type { ChartContext } from '../../render/index.ts';
import { LABELS } from '../../shared/kube-types.ts';
import { ReleaseFailure } from '../failure.ts';
import { type FreezeMarker, heldMessage, readFreezeMarker } from '../freeze-marker.ts';
import { releaseAffixes, releaseName } from '../names.ts';
import type { StrategyContext } from '../types.ts';
import { addHeld, HoldClock, heldFor } from './freeze-hold.ts';

export const GATE_ACTIONS = { promote: 'promote', promoteFull: 'promote-full', abort: 'abort' } as const;
export type GateAction = (typeof GATE_ACTIONS)[keyof typeof GATE_ACTIONS];

export interface Gate {
  revision: number;
  action: GateAction;
  user: string;
  at: string;
}

export const gateName = (service: string) => `${service}-release-gate`;

export async function writeGate(
  client: KubeClient,
  namespace: string,
  service: string,
  gate: Gate,
): Promise<void> {
  await client.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: gateName(service),
        namespace,
        labels: { [LABELS.service]: service, 'slipway.dev/gate': 'true' },
      },
      data: { revision: String(gate.revision), action: gate.action, user: gate.user, at: gate.at },
    },
    { force: true },
  );
}

/** The gate for this revision, if one is set (a gate for another revision is stale and ignored). */
export async function readGate(
  client: KubeClient,
  namespace: string,
  service: string,
  revision: number,
): Promise<Gate | undefined> {
  const cm = await client.get('v1', 'ConfigMap', gateName(service), namespace);
  const d = (cm?.data ?? {}) as Record<string, string>;
  if (!cm || Number(d.revision) !== revision) return undefined;
  return { revision, action: d.action as GateAction, user: d.user ?? '?', at: d.at ?? '' };
}

export async function clearGate(client: KubeClient, namespace: string, service: string): Promise<void> {
  await client.delete('v1', 'ConfigMap', gateName(service), namespace).catch(() => false);
}

/** The chart context the release was rendered with (values and strategy are in the record and context). */
export function chartOf(
  ctx: Pick<StrategyContext, 'release' | 'namespace' | 'strategy' | 'service' | 'platform'>,
): ChartContext {
  return {
    platform: ctx.release.platform,
    service: ctx.service,
    environment: ctx.release.environment,
    namespace: ctx.namespace,
    values: ctx.release.values,
    strategy: ctx.strategy,
    names: releaseAffixes(ctx),
  };
}

// ---------- analysis ----------

export interface AnalysisOptions {
  /** The platform's own templates (slipway.yaml `analysis:`); the built-in ones are always known. */
  templates?: Record<string, AnalysisTemplate>;
  providers?: Providers;
  /** The local cluster's metrics server; default: found next to the client's kubeconfig. */
  metricsUrl?: string;
  /** Called for every measurement (tests and benchmarks watch the run). */
  onMeasurement?: (m: MeasurementRecord) => void;
}

/** The local cluster's metrics URL: SLIPWAY_METRICS_URL, else cluster.json next to the kubeconfig. */
export function metricsUrlFor(client: KubeClient): string | undefined {
  if (process.env.SLIPWAY_METRICS_URL) return process.env.SLIPWAY_METRICS_URL;
  const kubeconfig = client.target.kubeconfigPath;
  return kubeconfig ? readClusterRecord(dirname(kubeconfig))?.metricsUrl : undefined;
}

function platformTemplates(ctx: StrategyContext, o: AnalysisOptions): Record<string, AnalysisTemplate> {
  // The engine passes the loaded platform; its templates win over the ones given at registration.
  return { ...(o.templates ?? {}), ...(ctx.platform?.platform.analysis ?? {}) };
}

/** Runs the named templates until decided (or `signal` stops them). Config problems are failures. */
export async function analyse(
  ctx: StrategyContext,
  o: AnalysisOptions,
  names: readonly string[],
  args: Record<string, string>,
  signal: AbortSignal,
): Promise<AnalysisResult> {
  const metricsUrl = o.metricsUrl ?? metricsUrlFor(ctx.client);
  // The workloads and Service by their names in the cluster (namePrefix / nameSuffix included): the
  // canary track against the stable one unless the caller says otherwise (blue-green: the colours).
  const all = {
    service: ctx.service,
    serviceName: releaseName(ctx),
    canary: releaseName(ctx, 'canary'),
    stable: releaseName(ctx),
    namespace: ctx.namespace,
    ...(metricsUrl ? { metricsUrl } : {}),
    ...args,
  };
  try {
    const templates = resolveTemplates({ analysis: platformTemplates(ctx, o) }, names);
    // The environment's analysisProviders (e.g. its Prometheus address) reach the providers here.
    const config = ctx.platform ? providersConfigFor(ctx.platform.platform, ctx.release.environment) : {};
    return await runAnalysis(templates, all, o.providers ?? createProviders({ config }), {
      signal,
      onMeasurement: (m) => {
        ctx.events.log(`analysis ${m.template}/${m.metric}: ${m.phase} ${m.message}`);
        ctx.events.measurement?.(m);
        o.onMeasurement?.(m);
      },
    });
  } catch (e) {
    if (e instanceof ReleaseFailure) throw e;
    throw new ReleaseFailure(`analysis ${names.join(', ')} cannot run: ${(e as Error).message}`);
  }
}

/** Failed or Error ends the release; Inconclusive waits for a person (promote or abort). */
export function verdict(r: AnalysisResult): 'pass' | 'fail' | 'inconclusive' {
  if (r.phase === 'Failed' || r.phase === 'Error') return 'fail';
  if (r.phase === 'Inconclusive') return 'inconclusive';
  return 'pass';
}

// ---------- background analysis ----------

interface Background {
  stop: AbortController;
  result?: AnalysisResult;
  done: Promise<void>;
}

const backgrounds = new Map<string, Background>();
const bgKey = (ctx: StrategyContext) => `${ctx.namespace}/${ctx.service}/${ctx.release.revision}`;

export function startBackground(ctx: StrategyContext, o: AnalysisOptions, names: readonly string[]): void {
  const key = bgKey(ctx);
  if (backgrounds.has(key)) return;
  const stop = new AbortController();
  const b: Background = { stop, done: Promise.resolve() };
  b.done = analyse(ctx, o, names, {}, stop.signal).then(
    (r) => {
      b.result = r;
    },
    (e) => {
      b.result = {
        phase: 'Error',
        message: (e as Error).message,
        metrics: [],
        measurements: [],
        startedAt: Date.now(),
        finishedAt: Date.now(),
        stopped: false,
      };
    },
  );
  backgrounds.set(key, b);
}

/**
 * Background analysis that ended Inconclusive (e.g. no canary traffic to judge) holds the canary
 * until a person promotes or aborts it: it must never let a canary advance on no verdict.
 */
export function backgroundInconclusive(ctx: StrategyContext): AnalysisResult | undefined {
  const r = backgrounds.get(bgKey(ctx))?.result;
  return r && verdict(r) === 'inconclusive' && !heldApproved.has(bgKey(ctx)) ? r : undefined;
}

/** Releases whose inconclusive background analysis a person has promoted past. */
const heldApproved = new Set<string>();
const heldAnnounced = new Set<string>();

/** The background analysis' failure, if it failed. */
export function backgroundFailure(ctx: StrategyContext): string | undefined {
  const r = backgrounds.get(bgKey(ctx))?.result;
  return r && verdict(r) === 'fail' ? `background analysis failed: ${r.message}` : undefined;
}

export async function stopBackground(ctx: StrategyContext): Promise<AnalysisResult | undefined> {
  const b = backgrounds.get(bgKey(ctx));
  if (!b) return undefined;
  b.stop.abort();
  await b.done;
  backgrounds.delete(bgKey(ctx));
  return b.result;
}

// ---------- waiting ----------

export const TICK_MS = 100;
/** How long refused connections may last before a wait gives up on the cluster (an API restart is shorter). */
const REFUSED_GRACE_MS = 2_000;

export interface WaitOptions {
  /** Done after this long (a timed pause); omitted: only a gate or `until` ends the wait. */
  ms?: number;
  /** Absolute deadline; reaching it fails the release (abort is the end action). */
  deadline: number;
  what: string;
  /** A promote gate ends the wait (indefinite pause, inconclusive analysis, blue-green awaitPromote). */
  promotable?: boolean;
  /** Polled each tick; resolves the wait when it answers true. */
  until?: () => boolean;
}

/**
 * Waits with a deadline, watching the gate (abort always ends the release; promote ends a promotable
 * wait), the lock (lost → abort) and background analysis. Answers how it ended.
 */
export async function waitGated(
  ctx: StrategyContext,
  o: WaitOptions,
): Promise<{ by: 'time' | 'promote' | 'promote-full' | 'until'; user?: string }> {
  const start = Date.now();
  let lastGateCheck = 0;
  // Since when the API has refused every gate read: a cluster that is gone ends the wait at once.
  let refusedSince: number | undefined;
  const hold = new HoldClock();
  let marker: FreezeMarker | undefined;
  for (;;) {
    if (ctx.signal?.aborted) {
      const why =
        ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'the release lock was lost';
      throw new ReleaseFailure(`aborted during ${o.what}: ${why}`);
    }
    const bg = backgroundFailure(ctx);
    if (bg) throw new ReleaseFailure(bg);
    const held = backgroundInconclusive(ctx);
    if (held && !heldAnnounced.has(bgKey(ctx))) {
      heldAnnounced.add(bgKey(ctx));
      ctx.events.log(
        `background analysis inconclusive (${held.message}): the canary holds until \`slipway promote\` or \`slipway abort\``,
      );
    }
    if (o.until?.() && !held && !hold.frozen) return { by: 'until' };
    if (Date.now() - lastGateCheck >= 2 * TICK_MS) {
      lastGateCheck = Date.now();
      const gate = await readGate(ctx.client, ctx.namespace, ctx.service, ctx.release.revision).then(
        (g) => {
          refusedSince = undefined;
          return g;
        },
        (e: unknown) => {
          if (!isConnectionRefused(e)) return undefined;
          refusedSince ??= Date.now();
          if (Date.now() - refusedSince < REFUSED_GRACE_MS) return undefined;
          const server = (e as { data?: { server?: unknown } }).data?.server ?? 'its address';
          throw new ReleaseFailure(
            `the cluster at ${String(server)} is unreachable (connection refused) during ${o.what}: the release cannot go on`,
          );
        },
      );
      if (gate?.action === GATE_ACTIONS.abort) {
        throw new ReleaseFailure(`aborted by ${gate.user} during ${o.what}`);
      }
      // A read that fails keeps what was known: a freeze is not lifted by a hiccup of the API.
      marker = await readFreezeMarker(ctx.client, ctx.namespace).catch(() => marker);
      const change = hold.observe(marker !== undefined, Date.now());
      if (change && 'started' in change && marker) ctx.events.log(`${heldMessage(marker)} during ${o.what}`);
      if (change && 'ended' in change) {
        addHeld(ctx, change.ended);
        ctx.events.log(`unfrozen after ${heldFor(change.ended)}: ${o.what} goes on`);
      }
      // While frozen only an abort ends the wait; a promote waits for the unfreeze.
      if (hold.frozen) {
        await new Promise((r) => setTimeout(r, TICK_MS));
        continue;
      }
      if (gate?.action === GATE_ACTIONS.promoteFull) {
        await clearGate(ctx.client, ctx.namespace, ctx.service);
        fullPromotions.add(bgKey(ctx));
        return { by: 'promote-full', user: gate.user };
      }
      if (gate && (o.promotable || held)) {
        await clearGate(ctx.client, ctx.namespace, ctx.service);
        if (held) heldApproved.add(bgKey(ctx));
        return { by: 'promote', user: gate.user };
      }
    }
    // Time held counts neither towards the pause nor against the deadline.
    const heldMs = hold.held(Date.now());
    if (o.ms !== undefined && Date.now() - start - heldMs >= o.ms && !held && !hold.frozen)
      return { by: 'time' };
    if (!hold.frozen && Date.now() >= o.deadline + heldMs) {
      throw new ReleaseFailure(`timed out during ${o.what}`, undefined, 'timeout');
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}

/**
 * Before a step that changes weight, replicas or the active colour: holds while the environment is
 * frozen (abort and a lost lock still end the release), then answers how long it held. The time held
 * is added to the release's total, so later deadlines move with it (freeze-hold.ts withHeldDeadline).
 */
export async function holdWhileFrozen(ctx: StrategyContext, what: string): Promise<number> {
  const read = () => readFreezeMarker(ctx.client, ctx.namespace);
  let marker = await read().catch(() => undefined);
  if (!marker) return 0;
  const start = Date.now();
  ctx.events.log(`${heldMessage(marker)} before ${what}`);
  let refusedSince: number | undefined;
  while (marker) {
    if (ctx.signal?.aborted)
      throw new ReleaseFailure(`aborted while held before ${what}: the release lock was lost`);
    const gate = await readGate(ctx.client, ctx.namespace, ctx.service, ctx.release.revision).catch(
      () => undefined,
    );
    if (gate?.action === GATE_ACTIONS.abort)
      throw new ReleaseFailure(`aborted by ${gate.user} while held before ${what}`);
    await new Promise((r) => setTimeout(r, 2 * TICK_MS));
    try {
      marker = await read();
      refusedSince = undefined;
    } catch (e) {
      // A freeze is not lifted by a hiccup of the API; a cluster that stays gone ends the release.
      if (!isConnectionRefused(e)) continue;
      refusedSince ??= Date.now();
      if (Date.now() - refusedSince >= REFUSED_GRACE_MS)
        throw new ReleaseFailure(
          `the cluster is unreachable while held before ${what}: the release cannot go on`,
        );
    }
  }
  const ms = Date.now() - start;
  addHeld(ctx, ms);
  ctx.events.log(`unfrozen after ${heldFor(ms)}: ${what} goes on`);
  return ms;
}

/** A full promotion asked for earlier in this release (`slipway promote --full`) skips every wait. */
const fullPromotions = new Set<string>();
export const markFullPromotion = (ctx: StrategyContext) => fullPromotions.add(bgKey(ctx));
export const isFullPromotion = (ctx: StrategyContext) => fullPromotions.has(bgKey(ctx));
