// A flag release: lock the flag, record the release (status pending), then each planned step — set a
// share (write the flag's entry in the environment's flagd ConfigMap and wait its propagation, the
// time pods take to read the file), pause, or analysis (the canary's analysis runner and templates,
// judging every service that reads the flag) — each written to the record before it acts. A failing
// analysis, or any failure once the flag has changed, switches the flag to its off variant: the
// "Feature Flag Disable" rollback, done by the machine, recorded as rolled-back (failed when the
// analysis was not the reason). A rollback is a new release of an earlier revision's state, at once.
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { createProviders, providersConfigFor } from '../analysis/providers/index.ts';
import { type AnalysisResult, runAnalysis } from '../analysis/run.ts';
import { resolveTemplates } from '../analysis/templates.ts';
import { FLAGS_CONFIGMAP, flagsOfService } from '../config/flags.ts';
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment, nameAffixesFor, namespaceFor } from '../config/model.ts';
import type { FlagConfig } from '../config/schema.ts';
import type { KubeClient } from '../kube/client.ts';
import { RELEASE_STATUS, type ReleaseStep } from '../release/history-codec.ts';
import { acquireLock } from '../release/lock.ts';
import { type AnalysisOptions, metricsUrlFor } from '../release/strategies/canary-runtime.ts';
import { holderIsGone } from '../release/target.ts';
import type { ReleaseEvents } from '../release/types.ts';
import { parseDuration } from '../shared/duration.ts';
import { SlipwayError, usageError } from '../shared/errors.ts';
import { objectName } from '../shared/names.ts';
import { type FlagHistory, type FlagRelease, flagHistory } from './history.ts';
import {
  checkState,
  describeState,
  desiredFlagState,
  type FlagState,
  type FlagStepPlan,
  flagdDocument,
  flagsConfigMap,
  getFlag,
  planRollout,
  readFlagsConfigMap,
  restState,
  stateOfFlagd,
  stepName,
} from './model.ts';

export interface FlagTarget {
  platform: LoadedPlatform;
  flag: string;
  environment: string;
  user: string;
  reason?: string | undefined;
  /** How analysis reaches its metrics (tests); default: the local cluster's or the platform's. */
  analysis?: AnalysisOptions | undefined;
}

export interface SetFlagRequest extends FlagTarget {
  variant: string;
  /** Share of requests given the variant (default 100). */
  percent?: number | undefined;
  /** Skip the flag's rollout steps: one step to the target. */
  immediate?: boolean | undefined;
}

export interface RollbackFlagRequest extends FlagTarget {
  /** The revision whose state to restore; default the newest good one before the current. */
  toRevision?: number | undefined;
}

function where(t: FlagTarget) {
  return {
    platform: t.platform.platform.name,
    environment: t.environment,
    namespace: namespaceFor(t.platform, t.environment),
  };
}

/** What the environment's ConfigMap serves for each flag (undefined: no ConfigMap, or not readable). */
export async function liveFlagStates(
  client: KubeClient,
  platform: LoadedPlatform,
  environment: string,
): Promise<{ exists: boolean; states: Record<string, FlagState | undefined> }> {
  const cm = await client.get('v1', 'ConfigMap', FLAGS_CONFIGMAP, namespaceFor(platform, environment));
  const states: Record<string, FlagState | undefined> = {};
  if (!cm) return { exists: false, states };
  const doc = readFlagsConfigMap(cm);
  for (const [name, f] of Object.entries(platform.platform.flags ?? {})) {
    const d = doc.flags[name];
    states[name] = d ? stateOfFlagd(f, d) : undefined;
  }
  return { exists: true, states };
}

/** The desired state file's state of each flag in the environment (at rest when it says nothing). */
export function desiredFlagStates(platform: LoadedPlatform, environment: string): Record<string, FlagState> {
  const declared = platform.desired.get(environment)?.state.flags ?? {};
  const out: Record<string, FlagState> = {};
  for (const [name, f] of Object.entries(platform.platform.flags ?? {}))
    out[name] = desiredFlagState(f, declared[name]);
  return out;
}

/**
 * Writes one flag's state into the ConfigMap, leaving the other flags as they are (optimistic
 * concurrency, retried on conflict). Created with every flag at its desired state when absent.
 */
async function writeFlag(
  client: KubeClient,
  t: FlagTarget,
  state: FlagState,
  revision: number,
): Promise<void> {
  const w = where(t);
  for (let attempt = 0; ; attempt++) {
    const cm = await client.get('v1', 'ConfigMap', FLAGS_CONFIGMAP, w.namespace);
    const states: Record<string, FlagState> = desiredFlagStates(t.platform, t.environment);
    const revisions: Record<string, number> = {};
    if (cm) {
      const doc = readFlagsConfigMap(cm);
      for (const [name, f] of Object.entries(t.platform.platform.flags ?? {})) {
        const d = doc.flags[name];
        const s = d ? stateOfFlagd(f, d) : undefined;
        if (s) states[name] = s;
        const rev = d?.metadata?.revision;
        if (typeof rev === 'number') revisions[name] = rev;
      }
    }
    states[t.flag] = state;
    revisions[t.flag] = revision;
    const next = flagsConfigMap(w, flagdDocument(t.platform.platform, states, revisions));
    try {
      if (!cm) await client.create(next);
      else
        await client.replace({
          ...next,
          metadata: { ...next.metadata, resourceVersion: cm.metadata.resourceVersion ?? '' },
        });
      return;
    } catch (e) {
      if (!(e instanceof SlipwayError && e.type === 'conflict') || attempt >= 5) throw e;
    }
  }
}

/** The services reading the flag, judged by its analysis; unknown names in `services:` are config errors. */
function readersOf(t: FlagTarget): string[] {
  const all = Object.keys(t.platform.platform.services);
  const readers = all.filter((s) => flagsOfService(t.platform.platform, s).includes(t.flag));
  const f = getFlag(t.platform.platform, t.flag);
  const unknown = (f.services ?? []).filter((s) => !all.includes(s));
  if (unknown.length > 0)
    throw new SlipwayError('config', `flag ${t.flag} names unknown service(s) ${unknown.join(', ')}`, {
      hint: `Services of this platform: ${all.join(', ')}.`,
    });
  return readers;
}

/** The templates run against every service that reads the flag; the worst phase decides. */
async function analyseFlag(
  client: KubeClient,
  t: FlagTarget,
  step: Extract<FlagStepPlan, { kind: 'analysis' }>,
  events: ReleaseEvents,
): Promise<AnalysisResult[]> {
  const o = t.analysis ?? {};
  const metricsUrl = o.metricsUrl ?? metricsUrlFor(client);
  const templates = resolveTemplates(
    { analysis: { ...(o.templates ?? {}), ...(t.platform.platform.analysis ?? {}) } },
    step.templates,
  );
  const config = providersConfigFor(t.platform.platform, t.environment);
  const affixes = nameAffixesFor(t.platform, t.environment);
  return await Promise.all(
    readersOf(t).map((service) => {
      // All of the service's traffic is judged: every pod serves both variants.
      const workload = objectName(service, affixes);
      const args = {
        service,
        serviceName: workload,
        canary: workload,
        stable: workload,
        namespace: namespaceFor(t.platform, t.environment),
        flag: t.flag,
        ...(metricsUrl ? { metricsUrl } : {}),
        ...step.args,
      };
      return runAnalysis(templates, args, o.providers ?? createProviders({ config }), {
        onMeasurement: (m) => {
          events.log(`analysis ${service} ${m.template}/${m.metric}: ${m.phase} ${m.message}`);
          o.onMeasurement?.(m);
        },
      });
    }),
  );
}

class AnalysisFailed extends Error {}

function now(): string {
  return new Date().toISOString();
}

/** Runs the planned steps of a pending release; answers the final record. */
async function carryOut(
  client: KubeClient,
  t: FlagTarget,
  history: FlagHistory,
  record: FlagRelease,
  plan: FlagStepPlan[],
  events: ReleaseEvents,
): Promise<FlagRelease> {
  const f = getFlag(t.platform.platform, t.flag);
  const propagationMs = parseDuration(f.propagation);
  let r = record;
  let changed = false;
  const save = async (patch: Partial<FlagRelease>) => {
    r = await history.update({ ...r, ...patch });
  };
  const runStep = async (name: string, act: () => Promise<string | undefined>) => {
    const step: ReleaseStep = { name, startedAt: now() };
    events.step(step);
    await save({ steps: [...r.steps, step] });
    try {
      const detail = await act();
      const done: ReleaseStep = { ...step, endedAt: now(), outcome: 'ok', ...(detail ? { detail } : {}) };
      events.step(done);
      await save({ steps: [...r.steps.slice(0, -1), done] });
    } catch (e) {
      const done: ReleaseStep = { ...step, endedAt: now(), outcome: 'failed', detail: (e as Error).message };
      events.step(done);
      await save({ steps: [...r.steps.slice(0, -1), done] }).catch(() => {});
      throw e;
    }
  };
  try {
    for (const s of plan) {
      await runStep(stepName(r.state.variant, s), async () => {
        if (s.kind === 'set') {
          changed = true;
          await writeFlag(client, t, { variant: r.state.variant, percent: s.percent }, r.revision);
          await delay(propagationMs);
          return `written; waited ${f.propagation} for the pods to read it`;
        }
        if (s.kind === 'pause') {
          await delay(s.ms);
          return undefined;
        }
        const results = await analyseFlag(client, t, s, events);
        const bad = results.find((x) => x.phase !== 'Successful');
        if (bad) throw new AnalysisFailed(`analysis ${s.templates.join(', ')}: ${bad.phase}: ${bad.message}`);
        return results.map((x) => x.message).join('; ');
      });
    }
    await save({ status: RELEASE_STATUS.deployed, endedAt: now() });
    await history.markSuperseded(t.flag, r.revision);
    return r;
  } catch (e) {
    const analysisFailed = e instanceof AnalysisFailed;
    const reason = (e as Error).message;
    if (changed) {
      const off = restState(f);
      events.log(`switching ${t.flag} off (${describeState(off)}) in ${t.environment}: ${reason}`);
      await runStep(`switch off: ${describeState(off)}`, async () => {
        await writeFlag(client, t, off, r.revision);
        return analysisFailed ? 'the analysis failed' : 'the release failed';
      }).catch((w) => events.log(`could not switch ${t.flag} off: ${(w as Error).message}`));
    }
    await save({
      status: analysisFailed && changed ? RELEASE_STATUS.rolledBack : RELEASE_STATUS.failed,
      endedAt: now(),
      failure: { reason },
    });
    return r;
  }
}

/** One release of kind flag: lock, record, steps, outcome. */
async function release(
  client: KubeClient,
  t: FlagTarget,
  target: FlagState,
  o: { immediate: boolean; rollbackOf?: number | undefined },
  events: ReleaseEvents,
): Promise<FlagRelease> {
  const f = getFlag(t.platform.platform, t.flag);
  const env = getEnvironment(t.platform, t.environment);
  readersOf(t);
  const lock = await acquireLock(client, {
    service: `flag.${t.flag}`,
    holder: `${t.user}@${os.hostname()}:${process.pid}`,
    environment: t.environment,
    reason: `flag ${t.flag} → ${describeState(target)}`,
    isGone: holderIsGone,
  });
  try {
    const history = flagHistory(client, where(t));
    const live = await liveFlagStates(client, t.platform, t.environment);
    const current =
      live.states[t.flag] ?? desiredFlagStates(t.platform, t.environment)[t.flag] ?? restState(f);
    const plan = planRollout(f, current, target, { immediate: o.immediate });
    events.log(
      `flag ${t.flag} in ${t.environment}: ${describeState(current)} → ${describeState(target)} (${plan.length} step${plan.length === 1 ? '' : 's'})`,
    );
    const record = await history.create({
      kind: 'flag',
      platform: t.platform.platform.name,
      flag: t.flag,
      environment: t.environment,
      status: RELEASE_STATUS.pending,
      state: target,
      previous: current,
      startedBy: t.user,
      ...(t.reason ? { reason: t.reason } : {}),
      startedAt: now(),
      steps: [],
      ...(o.rollbackOf !== undefined ? { rollbackOf: o.rollbackOf } : {}),
    });
    const done = await carryOut(client, t, history, record, plan, events);
    await history.prune(t.flag, env.historyLimit).catch(() => {});
    return done;
  } finally {
    await lock.release();
  }
}

/** `slipway flag set`: the flag to `variant` for `percent` % of requests, through its rollout steps. */
export async function setFlag(
  client: KubeClient,
  req: SetFlagRequest,
  events: ReleaseEvents,
): Promise<FlagRelease> {
  const f = getFlag(req.platform.platform, req.flag);
  const target = checkState(req.flag, f, { variant: req.variant, percent: req.percent ?? 100 });
  return await release(client, req, target, { immediate: req.immediate === true }, events);
}

/** Restores an earlier revision's state in one step (its rollout steps are not run again). */
export async function rollbackFlag(
  client: KubeClient,
  req: RollbackFlagRequest,
  events: ReleaseEvents,
): Promise<FlagRelease> {
  const f = getFlag(req.platform.platform, req.flag);
  const history = flagHistory(client, where(req));
  const all = await history.list(req.flag);
  const good = (r: FlagRelease) =>
    r.status === RELEASE_STATUS.deployed || r.status === RELEASE_STATUS.superseded;
  let to: FlagRelease | undefined;
  if (req.toRevision !== undefined) {
    to = all.find((r) => r.revision === req.toRevision);
    if (!to)
      throw usageError(`flag ${req.flag} has no revision ${req.toRevision} in ${req.environment}`, {
        hint: `See \`slipway flag history ${req.flag} --env ${req.environment}\`.`,
      });
  } else {
    // The newest good revision before the newest one (whatever that one's outcome).
    to = all.slice(1).find(good);
  }
  // Before the first good release the flag was at its desired state (or at rest).
  const state = to?.state ?? desiredFlagStates(req.platform, req.environment)[req.flag] ?? restState(f);
  if (!to && all.length === 0)
    throw usageError(`flag ${req.flag} has no release in ${req.environment} to roll back`, {
      hint: `Set it with \`slipway flag set ${req.flag} --env ${req.environment} --variant <v>\`.`,
    });
  return await release(
    client,
    req,
    state,
    { immediate: true, ...(to ? { rollbackOf: to.revision } : {}) },
    events,
  );
}

export interface FlagStatus {
  flag: string;
  environment: string;
  /** What the ConfigMap serves; undefined when it has not been written. */
  live: FlagState | undefined;
  desired: FlagState;
  latest: FlagRelease | undefined;
  config: FlagConfig;
}

/** Every flag of the platform in one environment: live, desired, latest release. */
export async function flagStatus(
  client: KubeClient,
  platform: LoadedPlatform,
  environment: string,
): Promise<FlagStatus[]> {
  const live = await liveFlagStates(client, platform, environment);
  const desired = desiredFlagStates(platform, environment);
  const history = flagHistory(client, {
    platform: platform.platform.name,
    environment,
    namespace: namespaceFor(platform, environment),
  });
  const out: FlagStatus[] = [];
  for (const [flag, config] of Object.entries(platform.platform.flags ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    out.push({
      flag,
      environment,
      live: live.states[flag],
      desired: desired[flag] ?? restState(config),
      latest: (await history.list(flag))[0],
      config,
    });
  }
  return out;
}

export { flagHistory };
