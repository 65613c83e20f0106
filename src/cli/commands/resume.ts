// `slipway resume <service> --env E`: finishes a release whose process died (pending revision, lock
// holder gone): tracks it to healthy and marks it deployed, or rolls it back.
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { parseOutputFormat } from '../output.ts';
import { connectEnvironment, currentUser } from '../target.ts';
import { consoleEvents, printOutcome, withLiveView } from './deploy.ts';

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('finish or roll back a release that was interrupted (its process died)')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('--timeout <duration>', 'how long the rollout may take')
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const platform = await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
      const { resume, parseDuration } = await import('../../release/index.ts');
      const client = await connectEnvironment(platform, options.env, { log: consoleEvents(format).log });
      const r = await withLiveView(`resume ${service} in ${options.env}`, format, (events) =>
        resume(
          client!,
          {
            platform,
            service,
            environment: options.env,
            user: currentUser(platform.dir),
            ...(options.timeout ? { timeoutMs: parseDuration(options.timeout) } : {}),
          },
          events,
        ),
      );
      if (r) printOutcome(r, format, 'resumed release');
      else if (format === 'json')
        process.stdout.write(`${JSON.stringify({ event: 'result', resumed: false })}\n`);
      else
        process.stdout.write(`nothing to resume: no interrupted release of ${service} in ${options.env}\n`);
    });
}
