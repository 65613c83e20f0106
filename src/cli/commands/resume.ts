// `slipway resume <service> --env E`: finishes a release whose process died (pending revision, lock
// holder gone): tracks it to healthy and marks it deployed, or rolls it back; through the resume
// operation and its gates (role, freeze, audit).
import type { Command } from '@commander-js/extra-typings';
import { resumeRelease } from '../../operations/release.ts';
import type { ReleaseRecord } from '../../release/history.ts';
import { parseDuration } from '../../release/plan.ts';
import { printOutcome, withLiveView } from '../events.ts';
import { parseOutputFormat } from '../output.ts';
import { remoteApi } from '../remote/modes.ts';
import { remoteResume } from '../remote/releases.ts';
import { STORE_HELP, withSession } from '../session.ts';

/** What resume did, local or through a server. */
function printResumed(
  r: ReleaseRecord | undefined,
  service: string,
  env: string,
  format: 'text' | 'json',
): void {
  if (r) printOutcome(r, format, 'resumed release');
  else if (format === 'json')
    process.stdout.write(`${JSON.stringify({ event: 'result', resumed: false })}\n`);
  else process.stdout.write(`nothing to resume: no interrupted release of ${service} in ${env}\n`);
}

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('finish or roll back a release that was interrupted (its process died)')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('--timeout <duration>', 'how long the rollout may take')
    .option(
      '--override-freeze <reason>',
      'resume through a freeze window or declared freeze (admins of the environment only; audited)',
    )
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const api = remoteApi(command);
      if (api) {
        const done = await remoteResume(api, service, options, format);
        if (done.done) printResumed(done.record, service, options.env, format);
        return;
      }
      const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
      await withSession(command, { store: options.store, format }, async ({ ctx }) => {
        const r = await withLiveView(`resume ${service} in ${options.env}`, format, (events) =>
          resumeRelease(
            { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
            { service, environment: options.env, timeoutMs, overrideFreeze: options.overrideFreeze },
          ),
        );
        printResumed(r, service, options.env, format);
      });
    });
}
