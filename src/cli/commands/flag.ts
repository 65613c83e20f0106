// `slipway flag …`: feature flags as releases (docs/flags.md).
//   flag set <flag> --env E --variant V [--percent N] [--now]   a release of kind flag, through the gates
//   flag list [--env E]                                          live and desired state, latest release
//   flag history <flag> --env E                                  the flag's releases, newest first
//   flag render --env E                                          the flagd definition of the desired state
// `slipway rollback <flag> --kind flag --env E [--to N]` rolls a flag release back (rollback.ts).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { namespaceFor } from '../../config/model.ts';
import {
  describeState,
  desiredFlagStates,
  type FlagRelease,
  flagdDocument,
  flagHistory,
  flagStatus,
  getFlag,
} from '../../flags/index.ts';
import { rollbackFlagOperation, setFlagOperation } from '../../operations/flags.ts';
import { usageError } from '../../shared/errors.ts';
import { withLiveView } from '../events.ts';
import { color, parseOutputFormat, plainTable, printJson } from '../output.ts';
import { STORE_HELP, withSession } from '../session.ts';
import { connectEnvironment } from '../target.ts';

const STATUS_COLOR: Record<string, (s: string) => string> = {
  deployed: color.green,
  failed: color.red,
  'rolled-back': color.red,
  pending: color.yellow,
  superseded: color.dim,
};

/** The outcome line of a flag release; a release that did not reach its state exits 1. */
export function printFlagOutcome(r: FlagRelease, format: 'text' | 'json'): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify({ event: 'result', ...r })}\n`);
  else if (r.status === 'deployed')
    process.stdout.write(
      `${color.green(`flag ${r.flag} revision ${r.revision} deployed`)} to ${r.environment}: ${describeState(r.state)}\n`,
    );
  else
    process.stdout.write(
      `${color.red(`flag ${r.flag} revision ${r.revision} ${r.status}`)}: ${r.failure?.reason ?? ''}${r.status === 'rolled-back' ? ' (switched off)' : ''}\n`,
    );
  if (r.status !== 'deployed') process.exitCode = 1;
}

/** `slipway rollback <flag> --kind flag`: the flag back to an earlier revision's state, at once. */
export async function rollbackFlagCommand(
  command: Parameters<typeof withSession>[0],
  name: string,
  options: {
    env: string;
    to?: number | undefined;
    reason?: string | undefined;
    overrideFreeze?: string | undefined;
    store?: string | undefined;
  },
  format: 'text' | 'json',
): Promise<void> {
  await withSession(command, { store: options.store, format }, async ({ ctx }) => {
    const r = await withLiveView(`roll back flag ${name} in ${options.env}`, format, (events) =>
      rollbackFlagOperation(
        { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
        {
          flag: name,
          environment: options.env,
          toRevision: options.to,
          reason: options.reason,
          overrideFreeze: options.overrideFreeze,
        },
      ),
    );
    printFlagOutcome(r, format);
  });
}

function percentOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100)
    throw usageError(`--percent must be a whole number from 0 to 100, not "${raw}"`);
  return n;
}

async function platformOf(command: { optsWithGlobals(): unknown }) {
  return await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
}

export function registerFlag(program: Command): void {
  const flag = program
    .command('flag')
    .description('feature flags: set one (a release of kind flag), list them, their history');

  flag
    .command('set')
    .description("set a flag's variant for a share of requests (through its rollout steps and analysis)")
    .argument('<flag>', 'flag name')
    .requiredOption('-e, --env <env>', 'environment')
    .requiredOption('--variant <variant>', 'the variant to serve (e.g. on or off)')
    .option('--percent <n>', 'share of requests given the variant, 0–100 (default 100)')
    .option('--now', "skip the flag's rollout steps: one step to the target", false)
    .option('--reason <text>', 'why (kept in the flag history and the audit log)')
    .option(
      '--override-freeze <reason>',
      'change the flag through a freeze (admins of the environment only; audited)',
    )
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (name, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const percent = percentOf(options.percent);
      await withSession(command, { store: options.store, format }, async ({ ctx }) => {
        const r = await withLiveView(`flag ${name} in ${options.env}`, format, (events) =>
          setFlagOperation(
            { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
            {
              flag: name,
              environment: options.env,
              variant: options.variant,
              percent,
              immediate: options.now,
              reason: options.reason,
              overrideFreeze: options.overrideFreeze,
            },
          ),
        );
        printFlagOutcome(r, format);
      });
    });

  flag
    .command('list')
    .description('every flag: what it serves now, what the desired state says, its latest release')
    .option('-e, --env <env>', 'only this environment')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      const platform = await platformOf(command);
      const envs = options.env ? [options.env] : platform.environments.map((e) => e.name);
      const rows = [];
      for (const env of envs) {
        const client = await connectEnvironment(platform, env, { start: false });
        if (!client) {
          const desired = desiredFlagStates(platform, env);
          for (const [f, s] of Object.entries(desired))
            rows.push({ flag: f, environment: env, live: undefined, desired: s, latest: undefined });
          continue;
        }
        rows.push(...(await flagStatus(client, platform, env)));
      }
      if (format === 'json') {
        printJson(rows.map((r) => ({ ...r, config: undefined })));
        return;
      }
      const table = plainTable(['FLAG', 'ENV', 'SERVING', 'DESIRED', 'RELEASE']);
      for (const r of rows)
        table.push([
          r.flag,
          r.environment,
          r.live ? describeState(r.live) : color.dim('not written'),
          describeState(r.desired),
          r.latest
            ? `revision ${r.latest.revision} ${r.latest.status}${r.latest.failure ? `: ${r.latest.failure.reason.slice(0, 60)}` : ''}`
            : '',
        ]);
      process.stdout.write(`${table.toString()}\n`);
    });

  flag
    .command('history')
    .description("a flag's releases in an environment, newest first")
    .argument('<flag>', 'flag name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (name, options, command) => {
      const format = parseOutputFormat(options.output);
      const platform = await platformOf(command);
      getFlag(platform.platform, name);
      const client = await connectEnvironment(platform, options.env);
      const records = await flagHistory(client!, {
        platform: platform.platform.name,
        environment: options.env,
        namespace: namespaceFor(platform, options.env),
      }).list(name);
      if (format === 'json') {
        printJson(records);
        return;
      }
      if (records.length === 0) {
        process.stdout.write(`flag ${name} has no releases in ${options.env}\n`);
        return;
      }
      const table = plainTable(['REVISION', 'STATUS', 'STATE', 'STARTED', 'BY', 'DESCRIPTION']);
      for (const r of records)
        table.push([
          String(r.revision),
          (STATUS_COLOR[r.status] ?? ((s: string) => s))(r.status),
          describeState(r.state),
          r.startedAt,
          r.startedBy,
          r.failure?.reason ?? r.reason ?? (r.rollbackOf ? `Rollback to ${r.rollbackOf}` : ''),
        ]);
      process.stdout.write(`${table.toString()}\n`);
    });

  flag
    .command('render')
    .description("the flagd flag definitions of an environment's desired state (what pods read)")
    .requiredOption('-e, --env <env>', 'environment')
    .action(async (options, command) => {
      const platform = await platformOf(command);
      namespaceFor(platform, options.env); // an unknown environment fails with a suggestion
      printJson(flagdDocument(platform.platform, desiredFlagStates(platform, options.env)));
    });
}
