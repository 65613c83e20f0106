// `slipway rollback <service> --env E [--to N]`: a new revision copying revision N (default the
// previous good one), released like a deploy and itself atomic; through the rollback operation and
// its gates (role, freeze, audit).
import type { Command } from '@commander-js/extra-typings';
import { rollbackService } from '../../operations/release.ts';
import { parseDuration } from '../../release/plan.ts';
import { usageError } from '../../shared/errors.ts';
import { printOutcome, withLiveView } from '../events.ts';
import { parseOutputFormat } from '../output.ts';
import { remoteApi } from '../remote/modes.ts';
import { remoteRollback } from '../remote/releases.ts';
import { STORE_HELP, withSession } from '../session.ts';

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('roll a service back to an earlier revision (default: the previous good one)')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('--to <revision>', 'the revision to return to')
    .option('--timeout <duration>', 'how long the rollout may take')
    .option('--reason <text>', 'why (kept in the release history and the audit log)')
    .option(
      '--override-freeze <reason>',
      'roll back through a freeze window or declared freeze (admins of the environment only; audited)',
    )
    .option('--kind <kind>', 'service, or flag to roll back a flag release (docs/flags.md)', 'service')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const to = options.to === undefined ? undefined : Number(options.to);
      if (to !== undefined && !(Number.isInteger(to) && to > 0))
        throw usageError(`--to must be a revision number, not "${options.to}"`);
      if (options.kind !== 'service' && options.kind !== 'flag')
        throw usageError(`--kind must be service or flag, not "${options.kind}"`);
      if (options.kind === 'flag') {
        const { rollbackFlagCommand } = await import('./flag.ts');
        await rollbackFlagCommand(command, service, { ...options, to }, format);
        return;
      }
      const api = remoteApi(command);
      if (api) {
        await remoteRollback(api, service, { ...options, to }, format);
        return;
      }
      const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
      await withSession(command, { store: options.store, format }, async ({ ctx }) => {
        const r = await withLiveView(`roll back ${service} in ${options.env}`, format, (events) =>
          rollbackService(
            { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
            {
              service,
              environment: options.env,
              toRevision: to,
              reason: options.reason,
              timeoutMs,
              overrideFreeze: options.overrideFreeze,
            },
          ),
        );
        printOutcome(r, format, 'rollback');
      });
    });
}
