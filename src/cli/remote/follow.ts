// Following a run the server carries out: its step, progress and log events go to the same printers a
// local release uses, until the run ends. Ctrl-C only detaches: the release goes on in the server and
// the CLI says how to follow it again (exit 130). A dropped stream is picked up again after the last
// event seen, as a server restart or a proxy timeout would cause.
import type { ReleaseStep } from '../../release/history.ts';
import type { ObjectProgress, ReleaseEvents } from '../../release/types.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { color } from '../output.ts';
import { type ApiClient, problemError, type RunEvent, type RunView } from './client.ts';

export const DETACHED_EXIT_CODE = 130;

export type Followed = { detached: true; run: RunView } | { detached: false; run: RunView };

/** Hands one event to the printers; `log` may take a run's log lines itself (apply's start lines). */
export function deliver(e: RunEvent, events: ReleaseEvents): void {
  if (e.type === 'step') events.step(e.data as ReleaseStep);
  else if (e.type === 'progress') events.progress(e.data as ObjectProgress[]);
  else if (e.type === 'log') events.log(String(e.data));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows `run` to its end (or to Ctrl-C). Events are printed as they come. */
export async function followRun(
  api: ApiClient,
  run: RunView,
  onEvent: (e: RunEvent) => void,
): Promise<Followed> {
  const abort = new AbortController();
  let detached = false;
  const onSigint = () => {
    detached = true;
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let after = 0;
  let failures = 0;
  try {
    while (!detached) {
      try {
        for await (const e of api.events(run.id, after, abort.signal)) {
          after = e.seq;
          failures = 0;
          if (e.type === 'end') return { detached: false, run: e.data as RunView };
          onEvent(e);
        }
      } catch (e) {
        if (detached) break;
        if (e instanceof SlipwayError && e.type !== 'unreachable') throw e;
        if (++failures > 5) throw e;
      }
      if (detached) break;
      // The stream ended without the run's end: the run may have ended while we were away.
      const now = await api.get<RunView>(`/runs/${encodeURIComponent(run.id)}`).catch(() => undefined);
      if (now && now.status !== 'running') return { detached: false, run: now };
      await sleep(Math.min(2000, 250 * 2 ** failures));
      failures++;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return { detached: true, run };
}

/** What a detached CLI prints: the run goes on, and how to follow it again. Sets exit code 130. */
export function reportDetached(api: ApiClient, run: RunView): void {
  const what = `${run.kind}${run.service ? ` of ${run.service}` : ''} in ${run.environment}`;
  process.stderr.write(
    `\n${color.yellow('detached')}: the ${what} goes on in the server (run ${run.id}); nothing was stopped\n` +
      `follow it again: slipway runs follow ${run.id} --server ${api.server}\n` +
      `or see it in: slipway status --env ${run.environment} --server ${api.server}\n`,
  );
  process.exitCode = DETACHED_EXIT_CODE;
}

/** The run's outcome: its result, or its error thrown as the SlipwayError the server raised. */
export function runResult<T>(api: ApiClient, run: RunView): T {
  if (run.status === 'failed')
    throw problemError(run.error ?? { detail: `run ${run.id} failed` }, api.server, run.error?.status);
  return run.result as T;
}

/** Follows a run the CLI just started; undefined when the user detached (exit 130 already set). */
export async function awaitRun<T>(
  api: ApiClient,
  run: RunView,
  events: ReleaseEvents,
  onEvent: (e: RunEvent) => void = (e) => deliver(e, events),
): Promise<T | undefined> {
  const f = await followRun(api, run, onEvent);
  if (f.detached) {
    reportDetached(api, f.run);
    return undefined;
  }
  return runResult<T>(api, f.run);
}
