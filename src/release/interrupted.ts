// An interrupted release: the newest revision is pending and its lock holder is gone (the process
// died, or was stopped past its lease). `slipway resume` (and status, promote, abort) carries it on;
// a deploy resumes it only when it deploys the same thing (version and values). A deploy of anything
// else refuses, naming what is interrupted, unless told to `--replace` it: the interrupted release is
// then rolled back the way `slipway abort` does (the abort gate, then resumed so it ends failed and
// restored), and the new deploy goes on.
import { isDeepStrictEqual } from 'node:util';
import type { KubeClient } from '../kube/client.ts';
import { SlipwayError } from '../shared/errors.ts';
import { carryOut } from './carry-out.ts';
import { fenced } from './fence.ts';
import { RELEASE_STATUS, type ReleaseRecord } from './history.ts';
import { forceUnlock, readLock } from './lock.ts';
import { now, Recorder } from './recorder.ts';
import { GATE_ACTIONS, writeGate } from './strategies/canary-runtime.ts';
import {
  holderIsGone,
  lastGoodBefore,
  lockSignal,
  type ServiceTarget,
  takeLock,
  timeoutFor,
  versionText,
} from './target.ts';
import type { DeployRequest, ReleaseEvents } from './types.ts';

export interface RecoverOptions {
  timeoutMs?: number | undefined;
  analysis?: DeployRequest['analysis'];
}

/** The interrupted release of the service, if any: newest revision pending, no live lock holder. */
export async function findInterrupted(
  client: KubeClient,
  t: ServiceTarget,
): Promise<{ record: ReleaseRecord; holder: string | undefined } | undefined> {
  const [latest, info] = await Promise.all([t.history.latest(t.service), readLock(client, t.service)]);
  if (latest?.status !== RELEASE_STATUS.pending) return undefined;
  if (info && !holderIsGone(info)) return undefined; // a live release; the lock says who
  return { record: latest, holder: info?.holder };
}

/** Whether a deploy of `rendered` is the interrupted release again (same version and values). */
export function sameRelease(
  interrupted: Pick<ReleaseRecord, 'version' | 'values'>,
  rendered: Pick<ReleaseRecord, 'version' | 'values'>,
): boolean {
  return (
    (interrupted.version.tag ?? '') === (rendered.version.tag ?? '') &&
    (interrupted.version.digest ?? '') === (rendered.version.digest ?? '') &&
    (interrupted.version.chart?.version ?? '') === (rendered.version.chart?.version ?? '') &&
    isDeepStrictEqual(interrupted.values, rendered.values)
  );
}

/** The step an interrupted release stopped at, for people. */
export function stoppedAt(r: Pick<ReleaseRecord, 'steps'>): string {
  // The newest open step: an earlier interruption's open step stays in the record before its resume.
  const open = [...r.steps].reverse().find((s) => !s.endedAt) ?? r.steps.at(-1);
  return open ? open.name : 'before its first step';
}

/** Refusal of a deploy of something else while `interrupted` waits (exit 2, what to do next). */
export function interruptedError(
  t: ServiceTarget,
  interrupted: ReleaseRecord,
  rendered: Pick<ReleaseRecord, 'version' | 'values'>,
): SlipwayError {
  const was = versionText(interrupted);
  const next = versionText(rendered);
  const what = was === next ? `${next} with other values` : next;
  const cmd = `${t.service} --env ${t.environment}`;
  return new SlipwayError(
    'usage',
    `revision ${interrupted.revision} of ${t.service} in ${t.environment} (${was}) was interrupted at "${stoppedAt(interrupted)}"; not deploying ${what} over it`,
    {
      hint:
        `Run \`slipway resume ${cmd}\` to finish revision ${interrupted.revision}, ` +
        `\`slipway abort ${cmd}\` to roll it back, ` +
        `or deploy again with --replace to roll it back and deploy ${what} instead.`,
      data: {
        service: t.service,
        environment: t.environment,
        interruptedRevision: interrupted.revision,
        interruptedVersion: was,
        step: stoppedAt(interrupted),
      },
    },
  );
}

/** `--replace`: the interrupted release is rolled back as `slipway abort` does (gate, then resumed). */
export async function replaceInterrupted(
  client: KubeClient,
  t: ServiceTarget,
  interrupted: ReleaseRecord,
  user: string,
  events: ReleaseEvents,
  o: RecoverOptions = {},
): Promise<ReleaseRecord | undefined> {
  events.log(
    `replacing interrupted revision ${interrupted.revision} (${versionText(interrupted)}): rolling it back first`,
  );
  const gate = { revision: interrupted.revision, action: GATE_ACTIONS.abort, user, at: now() };
  await writeGate(client, t.namespace, t.service, gate);
  return await recoverInterrupted(client, t, user, events, o);
}

/**
 * Carries on the interrupted release, if there is one: under a new lock, from its record, every write
 * fenced by that lock. Answers undefined when there is nothing to resume (a stale lock is removed).
 */
export async function recoverInterrupted(
  client: KubeClient,
  t: ServiceTarget,
  user: string,
  events: ReleaseEvents,
  o: RecoverOptions = {},
): Promise<ReleaseRecord | undefined> {
  const [latest, info] = await Promise.all([t.history.latest(t.service), readLock(client, t.service)]);
  if (info && !holderIsGone(info)) return undefined; // a live release; deploy's lock says who
  if (latest?.status !== RELEASE_STATUS.pending) {
    if (info) await forceUnlock(client, t.service); // a dead holder's lock without a pending release
    return undefined;
  }
  events.log(
    `revision ${latest.revision} of ${t.service} was interrupted${info ? ` (its holder ${info.holder} is gone)` : ''}; resuming it`,
  );
  const lock = await takeLock(client, t, user, `resume revision ${latest.revision}`);
  try {
    const f = fenced(client, t, lock);
    // Read again under the lock: another process may have finished it meanwhile.
    const current = await f.target.history.get(t.service, latest.revision);
    if (current?.status !== RELEASE_STATUS.pending) return undefined;
    const previous = await lastGoodBefore(t, current.revision);
    const rec = new Recorder(current, f.target, events);
    rec.record = {
      ...current,
      steps: [
        ...current.steps,
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
    return await carryOut(f.client, f.target, rec, previous, {
      timeoutMs: timeoutFor(t, o.timeoutMs),
      events,
      signal: lockSignal(lock),
      analysis: o.analysis,
      lock,
    });
  } finally {
    await lock.release().catch(() => {});
  }
}
