// The release engine: one state machine for deploy, rollback and resume. Every step is written to the
// release record (the history Secret) before it acts, so a release interrupted at any point is found
// by the next command (status pending, lock holder dead or expired) and completed or rolled back.
//
//   render → lint → lock → record pending → diff → strategy steps (rolling: apply → track → smoke
//   → prune) → deployed (previous superseded, history pruned) → unlock
//   on failure: apply the last good revision's manifests, track them, mark the release failed.
import os from 'node:os';
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment, getService, namespaceFor, strategyFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { assertNoLintErrors, lintRenderedServices } from '../policy/lint.ts';
import { renderService } from '../render/index.ts';
import { chartContextFor } from '../render/platform.ts';
import { SlipwayError } from '../shared/errors.ts';
import { diffManifests, summarizeChanges } from './diff.ts';
import { ReleaseFailure } from './failure.ts';
import {
  RELEASE_STATUS,
  type ReleaseHistory,
  type ReleaseRecord,
  type ReleaseStep,
  releaseHistory,
} from './history.ts';
import { acquireLock, forceUnlock, type Lock, readLock } from './lock.ts';
import { parseDuration } from '../shared/duration.ts';
import { DEFAULT_TIMEOUT_MS, parseHolder, withOwnership, workloadsOf } from './plan.ts';
import { STRATEGIES } from './registry.ts';
import { applyManifests, pruneManifests, ROLLING_STEPS, rollingStrategy } from './rolling.ts';
import { trackDeployments } from './track.ts';
import type {
  DeployRequest,
  ReleaseEvents,
  ResumeRequest,
  RollbackRequest,
  StrategyContext,
  StrategyExecutor,
} from './types.ts';

// Every strategy executor registers itself in STRATEGIES when its module loads: load them all here,
// so that any caller of the engine releases canary and blue-green services with their own strategy.
import './strategies/canary.ts';
import './strategies/blue-green.ts';

STRATEGIES.rolling ??= rollingStrategy;

export { STRATEGIES };

export interface ServiceTarget {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  namespace: string;
  history: ReleaseHistory;
}

export function serviceTarget(
  client: KubeClient,
  o: { platform: LoadedPlatform; service: string; environment: string },
): ServiceTarget {
  getService(o.platform, o.service);
  const env = getEnvironment(o.platform, o.environment);
  const namespace = namespaceFor(o.platform, o.environment);
  const history = releaseHistory(client, {
    platform: o.platform.platform.name,
    environment: o.environment,
    namespace,
    historyLimit: env.historyLimit,
  });
  return { ...o, namespace, history };
}

const now = () => new Date().toISOString();

function executorFor(t: ServiceTarget): StrategyExecutor {
  const strategy = strategyFor(t.platform, t.service);
  const ex = STRATEGIES[strategy.type];
  if (!ex) throw new Error(`no executor registered for the ${strategy.type} strategy`);
  return ex;
}

function timeoutFor(t: ServiceTarget, requested: number | undefined): number {
  if (requested !== undefined) return requested;
  const s = strategyFor(t.platform, t.service);
  return s.timeout ? parseDuration(s.timeout) : DEFAULT_TIMEOUT_MS;
}

/** Runs `fn` as a step: announced and written to the record before it acts, ended after. */
class Recorder {
  constructor(
    public record: ReleaseRecord,
    private readonly t: ServiceTarget,
    private readonly events: ReleaseEvents,
    private readonly persist = true,
  ) {}
  async save(): Promise<void> {
    if (this.persist) this.record = await this.t.history.update(this.record);
  }
  async step<T>(name: string, fn: () => Promise<{ detail?: string | undefined; value: T }>): Promise<T> {
    const step: ReleaseStep = { name, startedAt: now() };
    const index = this.record.steps.length;
    this.record = { ...this.record, steps: [...this.record.steps, step] };
    await this.save();
    this.events.step(step);
    try {
      const { detail, value } = await fn();
      this.end(index, step, 'ok', detail);
      await this.save();
      return value;
    } catch (e) {
      this.end(index, step, 'failed', e instanceof Error ? e.message : String(e));
      await this.save().catch(() => {});
      throw e;
    }
  }
  private end(index: number, step: ReleaseStep, outcome: 'ok' | 'failed', detail: string | undefined): void {
    const ended: ReleaseStep = { ...step, endedAt: now(), outcome, ...(detail ? { detail } : {}) };
    this.record = { ...this.record, steps: this.record.steps.map((s, i) => (i === index ? ended : s)) };
    this.events.step(ended);
  }
}

function holderFor(user: string): string {
  return `${user}@${os.hostname()}:${process.pid}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock holder can no longer finish its release: lease expired, or a dead process here. */
export function holderIsGone(info: { holder: string; expired: boolean }): boolean {
  if (info.expired) return true;
  const h = parseHolder(info.holder);
  return h !== undefined && h.host === os.hostname() && !processAlive(h.pid);
}

async function takeLock(client: KubeClient, t: ServiceTarget, user: string, reason: string): Promise<Lock> {
  const info = await readLock(client, t.service);
  if (info && holderIsGone(info) && info.holder !== holderFor(user)) await forceUnlock(client, t.service);
  return await acquireLock(client, {
    service: t.service,
    holder: holderFor(user),
    environment: t.environment,
    reason,
  });
}

/** Renders and lints one service; the manifests carry ownership labels. */
async function renderChecked(req: DeployRequest, t: ServiceTarget) {
  const ctx = await chartContextFor(req.platform, req.service, req.environment, req.overrides);
  const objects = renderService(ctx);
  const report = await lintRenderedServices(
    req.platform,
    req.environment,
    [{ service: req.service, objects }],
    req.overrides,
  );
  const manifests = withOwnership(
    objects,
    { platform: req.platform.platform.name, environment: req.environment, service: req.service },
    t.namespace,
  );
  const image = (ctx.values.image ?? {}) as { tag?: unknown; digest?: unknown };
  const version = {
    ...(image.tag ? { tag: String(image.tag) } : {}),
    ...(image.digest ? { digest: String(image.digest) } : {}),
  };
  return { manifests, values: ctx.values, version, report };
}

/**
 * Carries a pending release out with its strategy; on failure applies `previous` (atomic rollback).
 * Answers the final record (deployed or failed); never leaves it pending unless the process dies.
 */
async function carryOut(
  client: KubeClient,
  t: ServiceTarget,
  rec: Recorder,
  previous: ReleaseRecord | undefined,
  o: { timeoutMs: number; events: ReleaseEvents; signal?: AbortSignal },
): Promise<ReleaseRecord> {
  const executor = executorFor(t);
  const ctx: StrategyContext = {
    client,
    platform: t.platform,
    history: t.history,
    namespace: t.namespace,
    service: t.service,
    serviceConfig: getService(t.platform, t.service),
    strategy: strategyFor(t.platform, t.service),
    release: rec.record,
    previous,
    manifests: rec.record.manifests,
    deadline: Date.now() + o.timeoutMs,
    events: o.events,
    ...(o.signal ? { signal: o.signal } : {}),
  };
  let podsTouched = false;
  try {
    await rec.step('diff', async () => {
      const changes = await diffManifests(
        client,
        ctx.manifests,
        t.namespace,
        previous?.manifests ?? [],
        ownershipOf(t),
      );
      return { detail: summarizeChanges(changes), value: undefined };
    });
    for (const step of executor.plan(ctx)) {
      if (step.name === ROLLING_STEPS.apply) podsTouched = true;
      await rec.step(step.name, async () => ({
        detail: await executor.execute(step, { ...ctx, release: rec.record }),
        value: undefined,
      }));
    }
  } catch (e) {
    const failure =
      e instanceof ReleaseFailure
        ? { reason: e.reason, ...(e.detail ? { detail: e.detail } : {}) }
        : { reason: e instanceof Error ? e.message : String(e) };
    o.events.log(`release failed: ${failure.reason}`);
    if (failure.detail) o.events.log(failure.detail);
    if (podsTouched && previous) {
      try {
        await rec.step(`rollback to revision ${previous.revision}`, async () => {
          const back = { ...ctx, manifests: previous.manifests, previous: rec.record };
          await applyManifests(back);
          await trackDeployments(
            client,
            workloadsOf(previous.manifests).map((w) => w.metadata.name ?? ''),
            {
              namespace: t.namespace,
              deadline: Date.now() + o.timeoutMs,
              onProgress: (p) => o.events.progress(p),
            },
          );
          await pruneManifests(back);
          return {
            detail: `revision ${previous.revision} (${versionText(previous)}) is serving again`,
            value: undefined,
          };
        });
      } catch (rollbackError) {
        failure.reason += `; the rollback to revision ${previous.revision} failed too: ${(rollbackError as Error).message}`;
      }
    } else if (podsTouched) {
      failure.reason +=
        '; there is no earlier good revision to roll back to, so the new objects were left as they are';
    } else {
      failure.reason += '; nothing was changed in the cluster';
    }
    rec.record = { ...rec.record, status: RELEASE_STATUS.failed, endedAt: now(), failure };
    await rec.save();
    return rec.record;
  }
  rec.record = { ...rec.record, status: RELEASE_STATUS.deployed, endedAt: now() };
  await rec.save();
  await t.history.markSuperseded(t.service, rec.record.revision);
  await t.history.prune(t.service);
  return rec.record;
}

export function versionText(r: Pick<ReleaseRecord, 'version'>): string {
  return r.version.digest
    ? `${r.version.tag ?? ''}@${r.version.digest.slice(0, 19)}`
    : (r.version.tag ?? '?');
}

/** The newest good revision older than `before` (deployed or superseded). */
async function lastGoodBefore(t: ServiceTarget, before: number): Promise<ReleaseRecord | undefined> {
  return (await t.history.list(t.service)).find(
    (r) =>
      r.revision < before && (r.status === RELEASE_STATUS.deployed || r.status === RELEASE_STATUS.superseded),
  );
}

/** One release of one service to one environment. Answers the final record (status deployed or failed). */
export async function deploy(
  client: KubeClient,
  req: DeployRequest,
  events: ReleaseEvents,
): Promise<ReleaseRecord> {
  const t = serviceTarget(client, req);
  await recoverInterrupted(client, t, req.user, events);
  const started = now();
  const rendered = await renderChecked(req, t);
  const renderStep: ReleaseStep = {
    name: 'render',
    startedAt: started,
    endedAt: now(),
    outcome: 'ok',
    detail: `${rendered.manifests.length} objects, version ${versionText(rendered)}`,
  };
  events.step(renderStep);
  assertNoLintErrors(rendered.report.findings);
  const lintStep: ReleaseStep = {
    name: 'lint',
    startedAt: renderStep.endedAt!,
    endedAt: now(),
    outcome: 'ok',
    detail: `${rendered.report.summary.warnings} warnings at policy level ${getEnvironment(req.platform, req.environment).policy}`,
  };
  events.step(lintStep);
  const base: Omit<ReleaseRecord, 'revision'> = {
    platform: req.platform.platform.name,
    service: req.service,
    environment: req.environment,
    status: RELEASE_STATUS.pending,
    strategy: strategyFor(req.platform, req.service).type,
    version: rendered.version,
    values: rendered.values,
    manifests: rendered.manifests,
    startedBy: req.user,
    ...(req.reason ? { reason: req.reason } : {}),
    startedAt: started,
    steps: [renderStep, lintStep],
  };
  if (req.dryRun) {
    const previous = await t.history.lastGood(req.service);
    const changes = await diffManifests(
      client,
      rendered.manifests,
      t.namespace,
      previous?.manifests ?? [],
      ownershipOf(t),
    );
    const step: ReleaseStep = {
      name: 'diff',
      startedAt: now(),
      endedAt: now(),
      outcome: 'ok',
      detail: summarizeChanges(changes),
    };
    events.step(step);
    return { ...base, revision: 0, steps: [...base.steps, step] };
  }
  const lockStarted = now();
  const lock = await takeLock(client, t, req.user, `deploy ${versionText(rendered)}`);
  try {
    const previous = await t.history.lastGood(req.service);
    const lockStep: ReleaseStep = {
      name: 'lock',
      startedAt: lockStarted,
      endedAt: now(),
      outcome: 'ok',
      detail: `held by ${lock.holder}`,
    };
    events.step(lockStep);
    const record = await t.history.create({ ...base, steps: [...base.steps, lockStep] });
    events.log(
      `release ${req.service} revision ${record.revision} in ${req.environment} recorded as pending`,
    );
    return await carryOut(client, t, new Recorder(record, t, events), previous, {
      timeoutMs: timeoutFor(t, req.timeoutMs),
      events,
      signal: lockSignal(lock),
    });
  } finally {
    await lock.release().catch(() => {});
  }
}

function lockSignal(lock: Lock): AbortSignal {
  const ac = new AbortController();
  lock.onLost(() => ac.abort());
  return ac.signal;
}

/**
 * A new revision copying revision `toRevision` (default: the newest good one before the running
 * one), carried out like a deploy; if it fails, the running revision is restored.
 */
export async function rollback(
  client: KubeClient,
  req: RollbackRequest,
  events: ReleaseEvents,
): Promise<ReleaseRecord> {
  const t = serviceTarget(client, req);
  await recoverInterrupted(client, t, req.user, events);
  const all = await t.history.list(req.service);
  const current = all.find((r) => r.status === RELEASE_STATUS.deployed);
  const good = (r: ReleaseRecord) =>
    r.status === RELEASE_STATUS.deployed || r.status === RELEASE_STATUS.superseded;
  const target =
    req.toRevision !== undefined
      ? all.find((r) => r.revision === req.toRevision)
      : all.find(
          (r) => good(r) && r.revision !== current?.revision && r.revision < (current?.revision ?? Infinity),
        );
  if (!target) {
    throw new SlipwayError(
      'notFound',
      req.toRevision !== undefined
        ? `${req.service} in ${req.environment} has no revision ${req.toRevision}`
        : `${req.service} in ${req.environment} has no earlier good revision to roll back to`,
      { hint: `See \`slipway history ${req.service} --env ${req.environment}\` for the revisions kept.` },
    );
  }
  const lock = await takeLock(client, t, req.user, `roll back to revision ${target.revision}`);
  try {
    const record = await t.history.create({
      platform: target.platform,
      service: target.service,
      environment: target.environment,
      status: RELEASE_STATUS.pending,
      strategy: target.strategy,
      version: target.version,
      values: target.values,
      manifests: target.manifests,
      startedBy: req.user,
      reason: req.reason ?? `Rollback to ${target.revision}`,
      startedAt: now(),
      steps: [],
      rollbackOf: target.revision,
    });
    return await carryOut(client, t, new Recorder(record, t, events), current, {
      timeoutMs: timeoutFor(t, req.timeoutMs),
      events,
      signal: lockSignal(lock),
    });
  } finally {
    await lock.release().catch(() => {});
  }
}

/**
 * Completes a release whose process died: the newest revision is pending and its lock holder is gone.
 * Re-runs its steps (each is safe to repeat) and rolls back on failure. Answers undefined when there
 * is nothing to resume (a stale lock is still removed).
 */
export async function resume(
  client: KubeClient,
  req: ResumeRequest,
  events: ReleaseEvents,
): Promise<ReleaseRecord | undefined> {
  const t = serviceTarget(client, req);
  return await recoverInterrupted(client, t, req.user, events, req.timeoutMs);
}

async function recoverInterrupted(
  client: KubeClient,
  t: ServiceTarget,
  user: string,
  events: ReleaseEvents,
  timeoutMs?: number,
): Promise<ReleaseRecord | undefined> {
  const [latest, info] = await Promise.all([t.history.latest(t.service), readLock(client, t.service)]);
  if (info && !holderIsGone(info)) {
    if (latest?.status === RELEASE_STATUS.pending) return undefined; // a live release; deploy's lock says who
    return undefined;
  }
  if (latest?.status !== RELEASE_STATUS.pending) {
    if (info) await forceUnlock(client, t.service); // a dead holder's lock without a pending release
    return undefined;
  }
  events.log(
    `revision ${latest.revision} of ${t.service} was interrupted${info ? ` (its holder ${info.holder} is gone)` : ''}; resuming it`,
  );
  const lock = await takeLock(client, t, user, `resume revision ${latest.revision}`);
  try {
    const previous = await lastGoodBefore(t, latest.revision);
    const rec = new Recorder(latest, t, events);
    rec.record = {
      ...latest,
      steps: [
        ...latest.steps,
        {
          name: 'resume',
          startedAt: now(),
          endedAt: now(),
          outcome: 'ok',
          detail: `resumed by ${lock.holder}`,
        },
      ],
    };
    await rec.save();
    return await carryOut(client, t, rec, previous, {
      timeoutMs: timeoutFor(t, timeoutMs),
      events,
      signal: lockSignal(lock),
    });
  } finally {
    await lock.release().catch(() => {});
  }
}

function ownershipOf(t: ServiceTarget) {
  return { platform: t.platform.platform.name, environment: t.environment, service: t.service };
}
