// The release engine's entry points: deploy, rollback and resume. Every step is written to the
// release record (the history Secret) before it acts, so a release interrupted at any point is found
// by the next command (status pending, lock holder dead or expired) and completed or rolled back.
//
//   render → lint → lock → record pending → diff → strategy steps (e.g. rolling: pre-deploy hooks →
//   apply → track → post-deploy hooks → smoke tests → prune) → deployed (previous superseded,
//   history pruned) → unlock
//   on failure: the previous revision is restored (carry-out.ts) and the release marked failed.
//
// target.ts holds the service/lock lookups, recorder.ts the step recorder, carry-out.ts the step
// runner, registry.ts the strategy executors by kind, fence.ts the client whose writes need the lock,
// interrupted.ts what a deploy does about an interrupted release (resume the same, refuse or replace).
import { getEnvironment, strategyFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { assertNoLintErrors } from '../policy/lint.ts';
import { prepareRelease } from '../policy/prepare.ts';
import { SlipwayError } from '../shared/errors.ts';
import { carryOut } from './carry-out.ts';
import { diffManifests, summarizeChanges } from './diff.ts';
import { fenced } from './fence.ts';
import { RELEASE_STATUS, type ReleaseRecord, type ReleaseStep } from './history.ts';
import {
  findInterrupted,
  interruptedError,
  recoverInterrupted,
  replaceInterrupted,
  sameRelease,
} from './interrupted.ts';
import { now, Recorder } from './recorder.ts';
import { checkSecretSources, secretSourcesFor } from './secrets.ts';
import {
  holderIsGone,
  lockSignal,
  ownershipOf,
  type ServiceTarget,
  serviceTarget,
  takeLock,
  timeoutFor,
  versionText,
} from './target.ts';
import type { DeployRequest, ReleaseEvents, ResumeRequest, RollbackRequest } from './types.ts';

// Kept here for callers that import them from the engine (canary gates, the CLI, operations).
export { STRATEGIES } from './registry.ts';
export { holderIsGone, type ServiceTarget, serviceTarget, versionText };

/**
 * Renders, labels and lints one service as it will be applied (policy/prepare.ts, the one home of
 * "what deploy applies"; diff, plan, lint and render call it too). The record keeps the chart's values.
 */
async function renderChecked(req: DeployRequest) {
  const prepared = await prepareRelease(req.platform, {
    service: req.service,
    environment: req.environment,
    overrides: req.overrides,
  });
  const { manifests, version, report } = prepared;
  return { manifests, values: prepared.context.values, version, report };
}

/** One release of one service to one environment. Answers the final record (status deployed or failed). */
export async function deploy(
  client: KubeClient,
  req: DeployRequest,
  events: ReleaseEvents,
): Promise<ReleaseRecord> {
  const t = serviceTarget(client, req);
  const started = now();
  const rendered = await renderChecked(req);
  const renderStep: ReleaseStep = {
    name: 'render',
    startedAt: started,
    endedAt: now(),
    outcome: 'ok',
    detail: `${rendered.manifests.length} objects, version ${versionText(rendered)}`,
  };
  events.step(renderStep);
  assertNoLintErrors(rendered.report.findings);
  const secrets = checkSecretSources(
    rendered.manifests,
    secretSourcesFor(req.platform, req.environment, req.service),
  );
  if (secrets) events.log(secrets); // names the sources, never a value
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
  if (!req.dryRun) {
    const resumed = await settleInterrupted(client, t, req, rendered, events);
    if (resumed) return resumed;
  }
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
    const f = fenced(client, t, lock);
    const previous = await t.history.lastGood(req.service);
    const lockStep: ReleaseStep = {
      name: 'lock',
      startedAt: lockStarted,
      endedAt: now(),
      outcome: 'ok',
      detail: `held by ${lock.holder}`,
    };
    events.step(lockStep);
    const record = await f.target.history.create({ ...base, steps: [...base.steps, lockStep] });
    events.log(
      `release ${req.service} revision ${record.revision} in ${req.environment} recorded as pending`,
    );
    return await carryOut(f.client, f.target, new Recorder(record, f.target, events), previous, {
      timeoutMs: timeoutFor(t, req.timeoutMs),
      events,
      signal: lockSignal(lock),
      analysis: req.analysis,
      lock,
    });
  } finally {
    await lock.release().catch(() => {});
  }
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
  await recoverInterrupted(client, t, req.user, events, { analysis: req.analysis });
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
  checkSecretSources(target.manifests, secretSourcesFor(req.platform, req.environment, req.service)); // re-read now
  const lock = await takeLock(client, t, req.user, `roll back to revision ${target.revision}`);
  try {
    const f = fenced(client, t, lock);
    const record = await f.target.history.create({
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
    return await carryOut(f.client, f.target, new Recorder(record, f.target, events), current, {
      timeoutMs: timeoutFor(t, req.timeoutMs),
      events,
      signal: lockSignal(lock),
      analysis: req.analysis,
      lock,
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
  return await recoverInterrupted(client, t, req.user, events, {
    timeoutMs: req.timeoutMs,
    analysis: req.analysis,
  });
}

/**
 * Before a deploy: an interrupted release of the same version and values is resumed (its record is
 * the answer); of anything else the deploy refuses, unless `replace` rolls it back first.
 */
async function settleInterrupted(
  client: KubeClient,
  t: ServiceTarget,
  req: DeployRequest,
  rendered: Pick<ReleaseRecord, 'version' | 'values'>,
  events: ReleaseEvents,
): Promise<ReleaseRecord | undefined> {
  const found = await findInterrupted(client, t);
  const o = { timeoutMs: req.timeoutMs, analysis: req.analysis };
  if (!found) return undefined; // a stale lock of a gone holder is taken over by takeLock
  if (sameRelease(found.record, rendered)) {
    events.log(
      `deploying ${versionText(rendered)}, the version of interrupted revision ${found.record.revision}: resuming that release`,
    );
    return await recoverInterrupted(client, t, req.user, events, o);
  }
  if (!req.replace) throw interruptedError(t, found.record, rendered);
  await replaceInterrupted(client, t, found.record, req.user, events, o);
  return undefined;
}
