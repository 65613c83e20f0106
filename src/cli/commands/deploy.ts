// `slipway deploy <service> --env E`: one release with live progress (step lines and rollout status;
// JSON lines with --output json), through the deploy operation and its gates (role, freeze,
// approvals, audit). Exit 0 deployed, 1 failed or refused, 2 input errors — and an interrupted
// release of another version in the way (resume it, abort it, or deploy with --replace).
import type { Command } from '@commander-js/extra-typings';
import { deployService } from '../../operations/release.ts';
import { parseDuration } from '../../release/plan.ts';
import { printOutcome, withLiveView } from '../events.ts';
import { parseOutputFormat } from '../output.ts';
import { remoteApi } from '../remote/modes.ts';
import { remoteDeploy } from '../remote/releases.ts';
import { STORE_HELP, withSession } from '../session.ts';
import { overridesFrom, withValueFlags } from '../value-flags.ts';

export function registerDeploy(program: Command): void {
  withValueFlags(
    program
      .command('deploy')
      .description('release a service to an environment: render, check, apply, track, roll back on failure')
      .argument('<service>', 'service name'),
  )
    .requiredOption('-e, --env <env>', 'environment')
    .option(
      '--timeout <duration>',
      'how long the rollout may take before it is rolled back (default: strategy timeout, else 10m)',
    )
    .option('--dry-run', 'render, check and diff only; change nothing', false)
    .option(
      '--hotfix',
      'a hotfix: passes configured freeze windows where the environment accepts hotfixes that need no approvals',
      false,
    )
    .option(
      '--replace',
      'roll back an interrupted release of another version first (as `slipway abort` does), then deploy',
      false,
    )
    .option('--reason <text>', 'why (kept in the release history and the audit log)')
    .option(
      '--override-freeze <reason>',
      'release through a freeze window or declared freeze (admins of the environment only; audited)',
    )
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const api = remoteApi(command);
      if (api) {
        await remoteDeploy(api, service, options, format);
        return;
      }
      const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
      await withSession(command, { store: options.store, format }, async ({ ctx }) => {
        const r = await withLiveView(`deploy ${service} to ${options.env}`, format, (events) =>
          deployService(
            { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
            {
              service,
              environment: options.env,
              overrides: overridesFrom(options),
              reason: options.reason,
              timeoutMs,
              hotfix: options.hotfix,
              dryRun: options.dryRun,
              replace: options.replace,
              overrideFreeze: options.overrideFreeze,
            },
          ),
        );
        printOutcome(r, format);
      });
    });
}
