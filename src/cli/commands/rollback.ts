// `slipway rollback <service> --env E [--to N]`: a new revision copying revision N (default the
// previous good one), released like a deploy and itself atomic.
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { usageError } from '../../shared/errors.ts';
import { parseOutputFormat } from '../output.ts';
import { connectEnvironment, currentUser } from '../target.ts';
import { consoleEvents, printOutcome, withLiveView } from './deploy.ts';

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('roll a service back to an earlier revision (default: the previous good one)')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('--to <revision>', 'the revision to return to')
    .option('--timeout <duration>', 'how long the rollout may take')
    .option('--reason <text>', 'why (kept in the release history)')
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const to = options.to === undefined ? undefined : Number(options.to);
      if (to !== undefined && !(Number.isInteger(to) && to > 0))
        throw usageError(`--to must be a revision number, not "${options.to}"`);
      const platform = await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
      const { rollback, parseDuration } = await import('../../release/index.ts');
      const client = await connectEnvironment(platform, options.env, { log: consoleEvents(format).log });
      const r = await withLiveView(`roll back ${service} in ${options.env}`, format, (events) =>
        rollback(
          client!,
          {
            platform,
            service,
            environment: options.env,
            user: currentUser(platform.dir),
            ...(to !== undefined ? { toRevision: to } : {}),
            ...(options.reason ? { reason: options.reason } : {}),
            ...(options.timeout ? { timeoutMs: parseDuration(options.timeout) } : {}),
          },
          events,
        ),
      );
      printOutcome(r, format, 'rollback');
    });
}
