// Release gates: `slipway abort <service> --env E`, and the canary/blue-green half of `slipway promote`
// (`promote <service> --env E [--full]`, dispatched here by promote.ts, which owns --from/--to). Both
// go through the gate operation (role, freeze, audit).
import type { Command } from '@commander-js/extra-typings';
import { type GateKind, gateRelease } from '../../operations/release.ts';
import type { GateOutcome } from '../../release/strategies/canary-gates.ts';
import { consoleEvents } from '../events.ts';
import { parseOutputFormat } from '../output.ts';
import { remoteApi } from '../remote/modes.ts';
import { remoteGate } from '../remote/releases.ts';
import { STORE_HELP, withSession } from '../session.ts';

export interface GateArgs {
  service: string;
  env: string;
  action: GateKind;
  command: { optsWithGlobals(): unknown };
  format: 'text' | 'json';
  store?: string | undefined;
  reason?: string | undefined;
  overrideFreeze?: string | undefined;
}

export async function gate(a: GateArgs): Promise<void> {
  const api = remoteApi(a.command);
  if (api) {
    printGate(await remoteGate(api, a), a.action, a.format);
    return;
  }
  await withSession(a.command, { store: a.store, format: a.format }, async ({ ctx }) => {
    const events = consoleEvents(a.format);
    const r = await gateRelease(
      { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
      {
        service: a.service,
        environment: a.env,
        action: a.action,
        reason: a.reason,
        overrideFreeze: a.overrideFreeze,
      },
    );
    printGate(r, a.action, a.format);
  });
}

/** What a gate did, local or through a server. */
export function printGate(r: GateOutcome, action: GateKind, format: 'text' | 'json'): void {
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ event: 'result', action, revision: r.revision, message: r.message, status: r.record?.status })}\n`,
    );
  } else process.stdout.write(`${r.message}\n`);
  // An aborted release is a failed one (exit 0: abort did what was asked); a promote that ended in a
  // failed release is exit 1.
  if (r.record?.status === 'failed' && action !== 'abort') process.exitCode = 1;
}

export function registerGates(program: Command): void {
  program
    .command('abort')
    .description('abort the running canary or blue-green release: stable serves 100 %, the canary is deleted')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('--reason <text>', 'why (kept in the audit log)')
    .option(
      '--override-freeze <reason>',
      'abort during a freeze window or declared freeze (admins of the environment only; audited)',
    )
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (service, options, command) => {
      await gate({
        service,
        env: options.env,
        action: 'abort',
        command,
        format: parseOutputFormat(options.output) as 'text' | 'json',
        store: options.store,
        reason: options.reason,
        overrideFreeze: options.overrideFreeze,
      });
    });
}
