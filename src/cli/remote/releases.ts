// Releases through the API: the server starts a run (202), and the CLI follows its events with the
// printers a local release uses, so the lines and the outcome read the same; Ctrl-C detaches from
// the run and leaves the release running (follow.ts). Abort and promote of a paused release answer at
// once, as locally.
import type { ApplyResult } from '../../operations/apply.ts';
import type { GateKind } from '../../operations/release.ts';
import type { ReleaseRecord } from '../../release/history.ts';
import { parseDuration } from '../../release/plan.ts';
import type { GateOutcome } from '../../release/strategies/canary-gates.ts';
import { consoleEvents, printOutcome, withLiveView } from '../events.ts';
import { color } from '../output.ts';
import type { ValueFlagOptions } from '../value-flags.ts';
import type { ApiClient, RunView } from './client.ts';
import { awaitRun, deliver } from './follow.ts';
import { refuseOptions } from './modes.ts';
import { enc } from './reads.ts';

type Format = 'text' | 'json';

const servicePath = (env: string, service: string, action: string) =>
  `/environments/${enc(env)}/services/${enc(service)}/${action}`;

/** Only the fields given: the API's bodies are strict and refuse unknown or empty ones. */
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  );

export interface DeployOptions extends ValueFlagOptions {
  env: string;
  timeout?: string | undefined;
  dryRun: boolean;
  hotfix: boolean;
  replace: boolean;
  reason?: string | undefined;
  overrideFreeze?: string | undefined;
  store?: string | undefined;
}

export async function remoteDeploy(
  api: ApiClient,
  service: string,
  o: DeployOptions,
  format: Format,
): Promise<void> {
  refuseOptions('deploy', {
    '--dry-run': o.dryRun,
    '--replace': o.replace,
    '--set-file': o.setFile.length > 0,
    '--set-literal': o.setLiteral.length > 0,
    '--store': o.store !== undefined,
  });
  if (o.timeout !== undefined) parseDuration(o.timeout);
  const { body: run } = await api.post<RunView>(
    servicePath(o.env, service, 'deploy'),
    defined({
      imageTag: o.imageTag,
      digest: o.digest,
      set: o.set,
      setString: o.setString,
      setJson: o.setJson,
      reason: o.reason,
      hotfix: o.hotfix || undefined,
      overrideFreeze: o.overrideFreeze,
      timeout: o.timeout,
    }),
  );
  const r = await withLiveView(
    `deploy ${service} to ${o.env}`,
    format,
    (events) => awaitRun<ReleaseRecord>(api, run, events),
    { detachable: true },
  );
  if (r) printOutcome(r, format);
}

export async function remoteRollback(
  api: ApiClient,
  service: string,
  o: {
    env: string;
    to?: number | undefined;
    timeout?: string | undefined;
    reason?: string | undefined;
    overrideFreeze?: string | undefined;
    store?: string | undefined;
  },
  format: Format,
): Promise<void> {
  refuseOptions('rollback', { '--timeout': o.timeout !== undefined, '--store': o.store !== undefined });
  const { body: run } = await api.post<RunView>(
    servicePath(o.env, service, 'rollback'),
    defined({ toRevision: o.to, reason: o.reason, overrideFreeze: o.overrideFreeze }),
  );
  const r = await withLiveView(
    `roll back ${service} in ${o.env}`,
    format,
    (events) => awaitRun<ReleaseRecord>(api, run, events),
    { detachable: true },
  );
  if (r) printOutcome(r, format, 'rollback');
}

/** A resume with nothing to do answers `{ resumed: false }` (the API's run result). */
export async function remoteResume(
  api: ApiClient,
  service: string,
  o: {
    env: string;
    timeout?: string | undefined;
    overrideFreeze?: string | undefined;
    store?: string | undefined;
  },
  format: Format,
): Promise<{ done: false } | { done: true; record: ReleaseRecord | undefined }> {
  refuseOptions('resume', { '--timeout': o.timeout !== undefined, '--store': o.store !== undefined });
  const { body: run } = await api.post<RunView>(
    servicePath(o.env, service, 'resume'),
    defined({ overrideFreeze: o.overrideFreeze }),
  );
  const r = await withLiveView(
    `resume ${service} in ${o.env}`,
    format,
    (events) => awaitRun<ReleaseRecord | { resumed: false }>(api, run, events),
    { detachable: true },
  );
  if (r === undefined) return { done: false };
  return { done: true, record: 'resumed' in r ? undefined : r };
}

export async function remoteGate(
  api: ApiClient,
  a: {
    service: string;
    env: string;
    action: GateKind;
    store?: string | undefined;
    reason?: string | undefined;
    overrideFreeze?: string | undefined;
  },
): Promise<GateOutcome> {
  refuseOptions(a.action === 'abort' ? 'abort' : 'promote', { '--store': a.store !== undefined });
  const { body } = await api.post<GateOutcome>(
    servicePath(a.env, a.service, a.action === 'abort' ? 'abort' : 'promote'),
    defined({
      full: a.action === 'promote-full' || undefined,
      reason: a.reason,
      overrideFreeze: a.overrideFreeze,
    }),
  );
  return body;
}

/**
 * Apply's run: the server logs each service's start as "<service>: <summary>" (the local command's
 * `→` lines on stdout); the releases' own steps and logs go where a local apply prints them.
 */
export async function remoteApply(
  api: ApiClient,
  o: {
    env: string;
    target?: string[] | undefined;
    hotfix: boolean;
    reason?: string | undefined;
    overrideFreeze?: string | undefined;
  },
  format: Format,
): Promise<ApplyResult | undefined> {
  const { body: run } = await api.post<RunView>(
    `/environments/${enc(o.env)}/apply`,
    defined({
      targets: o.target,
      hotfix: o.hotfix || undefined,
      reason: o.reason,
      overrideFreeze: o.overrideFreeze,
    }),
  );
  const events = consoleEvents(format);
  return await awaitRun<ApplyResult>(api, run, events, (e) => {
    const line = typeof e.data === 'string' ? e.data : '';
    if (e.type === 'log' && e.service && line.startsWith(`${e.service}: `)) {
      if (format === 'text') process.stdout.write(`${color.cyan('→')} ${line}\n`);
    } else if (e.type === 'log' && e.service) events.log(format === 'json' ? line : `${e.service}: ${line}`);
    else deliver(e, events);
  });
}
