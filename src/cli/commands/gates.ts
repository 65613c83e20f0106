// Release gates: `slipway abort <service> --env E`, and the canary half of `slipway promote`
// (`promote <service> --env E [--full]`, dispatched here by promote.ts, which owns --from/--to).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { parseOutputFormat } from '../output.ts';
import { connectEnvironment, currentUser } from '../target.ts';
import { consoleEvents } from './deploy.ts';

type Action = 'promote' | 'promote-full' | 'abort';

async function gate(service: string, env: string, action: Action, dir: string, format: 'text' | 'json') {
  const platform = await loadPlatform(dir);
  const events = consoleEvents(format);
  const client = await connectEnvironment(platform, env, { log: events.log });
  const { requestGate } = await import('../../release/strategies/canary-gates.ts');
  const r = await requestGate(
    client!,
    { platform, service, environment: env, user: currentUser(platform.dir), action },
    events,
  );
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ event: 'result', action, revision: r.revision, message: r.message, status: r.record?.status })}\n`,
    );
  } else process.stdout.write(`${r.message}\n`);
  // An aborted release is a failed one (exit 1); a promote that ended in a failed release too.
  if (r.record?.status === 'failed' && action !== 'abort') process.exitCode = 1;
}

function dirOf(command: unknown): string {
  const c = command as { optsWithGlobals?: () => { dir?: string } } | undefined;
  return c?.optsWithGlobals?.().dir ?? '.';
}

/** Called by `slipway promote <service> --env E` (promote.ts). */
export async function promoteCanary(args: { service: string; env: string; command: unknown }): Promise<void> {
  const c = args.command as { opts?: () => { full?: boolean; output?: string } } | undefined;
  const o = c?.opts?.() ?? {};
  const full = o.full === true || process.argv.includes('--full');
  await gate(
    args.service,
    args.env,
    full ? 'promote-full' : 'promote',
    dirOf(args.command),
    parseOutputFormat(o.output ?? 'text') as 'text' | 'json',
  );
}

export function registerGates(program: Command): void {
  program
    .command('abort')
    .description('abort the running canary or blue-green release: stable serves 100 %, the canary is deleted')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      await gate(
        service,
        options.env,
        'abort',
        dirOf(command),
        parseOutputFormat(options.output) as 'text' | 'json',
      );
    });
}
