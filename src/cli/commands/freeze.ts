// `slipway freeze --env E --reason R [--for 2h]` and `slipway unfreeze --env E --reason R`: an
// emergency stop of every release into an environment, declared by an admin of it and audited. While
// it is in force, deploy, rollback, resume, abort, promote and apply are refused unless an admin
// overrides it with a reason, and running canary and blue-green releases hold where they are;
// `slipway freeze --env E --list` shows what is in force. `--all` instead of `--env` stops (or
// lets go) every environment at once; only an admin of all of them may.
import type { Command } from '@commander-js/extra-typings';
import { getEnvironment } from '../../config/model.ts';
import { declareFreezeAll, liftFreezesAll } from '../../operations/emergency-stop.ts';
import {
  type DeclaredFreeze,
  declareFreeze,
  type LiftedFreezes,
  liftFreezes,
  listDeclaredFreezes,
} from '../../operations/freeze.ts';
import { freezeInForce, freezeUntil } from '../../promotion/freeze.ts';
import { usageError } from '../../shared/errors.ts';
import { parseOutputFormat, printJson } from '../output.ts';
import { remoteDeclareFreeze, remoteFreezeList, remoteLiftFreezes } from '../remote/decisions.ts';
import { refuseOptions, remoteApi } from '../remote/modes.ts';
import { environmentsOf } from '../remote/reads.ts';
import { STORE_HELP, withSession } from '../session.ts';

/** `--env E` or `--all`, exactly one. */
function scope(o: { env?: string | undefined; all: boolean }, command: string): string | undefined {
  if (o.all && o.env !== undefined) throw usageError(`${command} takes --env or --all, not both`);
  if (!o.all && o.env === undefined)
    throw usageError(`${command} needs --env <env> or --all`, {
      hint: `e.g. slipway ${command} --env prod --reason "incident INC-4711"`,
    });
  return o.env;
}

function declaredLine(f: DeclaredFreeze): string {
  const until = f.endsAt ? `until ${f.endsAt}` : 'until `slipway unfreeze`';
  return `${f.environment} frozen (#${f.id}) ${until}: ${f.reason}\n`;
}

function liftedLine(l: Pick<LiftedFreezes, 'environment' | 'lifted'>): string {
  return `${l.environment}: lifted ${l.lifted.map((f) => `#${f.id}`).join(', ')}\n`;
}

/** What the running releases were not told, on stderr (the command still succeeded). */
function warnNotTold(notices: Array<{ clusterNote?: string | undefined }>): void {
  for (const n of notices) if (n.clusterNote) process.stderr.write(`warning: ${n.clusterNote}\n`);
}

export function registerFreeze(program: Command): void {
  program
    .command('freeze')
    .description(
      'stop every release into an environment (or --all of them) now (admins), for a time or until unfreeze',
    )
    .option('-e, --env <env>', 'environment')
    .option('--all', 'every environment at once (an emergency stop; admins of all of them)', false)
    .option('--reason <text>', 'why (required to declare; kept in the audit log)')
    .option('--for <duration>', 'how long (e.g. 2h, 1d); default until `slipway unfreeze`')
    .option('--list', 'show the freezes in force (declared and configured windows); change nothing', false)
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      const env = scope(options, 'freeze');
      const readOnly = options.list;
      const api = remoteApi(command);
      if (api) {
        refuseOptions('freeze', { '--store': options.store !== undefined });
        if (options.list) {
          const envs = env === undefined ? await environmentsOf(command, 'freeze --list --all') : [env];
          const all = await remoteFreezeList(api, envs);
          if (format !== 'json')
            for (const f of all)
              process.stdout.write(
                f.inForce
                  ? `${f.environment} is frozen: ${f.inForce.name} ${freezeUntil(f.inForce)}\n`
                  : `${f.environment} is not frozen\n`,
              );
          else printJson(env === undefined ? all : { inForce: all[0]!.inForce, declared: all[0]!.declared });
          return;
        }
        if (options.reason === undefined)
          throw usageError('freeze needs --reason', { hint: 'e.g. --reason "incident INC-4711"' });
        const declared = await remoteDeclareFreeze(api, env, {
          reason: options.reason,
          duration: options.for,
        });
        if (format === 'json') printJson(env === undefined ? declared : declared[0]);
        else for (const f of declared) process.stdout.write(declaredLine(f));
        warnNotTold(declared);
        return;
      }
      await withSession(command, { store: options.store, readOnly }, async ({ ctx }) => {
        if (options.list) {
          const names = env === undefined ? ctx.platform.environments.map((e) => e.name) : [env];
          const all = [];
          for (const name of names) {
            const declared = await listDeclaredFreezes(ctx, name);
            const now = freezeInForce(getEnvironment(ctx.platform, name), declared, ctx.now);
            all.push({ environment: name, inForce: now ?? null, declared });
            if (format !== 'json')
              process.stdout.write(
                now ? `${name} is frozen: ${now.name} ${freezeUntil(now)}\n` : `${name} is not frozen\n`,
              );
          }
          if (format === 'json')
            printJson(env === undefined ? all : { inForce: all[0]!.inForce, declared: all[0]!.declared });
          return;
        }
        if (options.reason === undefined)
          throw usageError('freeze needs --reason', { hint: 'e.g. --reason "incident INC-4711"' });
        const input = { reason: options.reason, duration: options.for };
        const declared =
          env === undefined
            ? await declareFreezeAll(ctx, input)
            : [await declareFreeze(ctx, { ...input, environment: env })];
        if (format === 'json') printJson(env === undefined ? declared : declared[0]);
        else for (const f of declared) process.stdout.write(declaredLine(f));
        warnNotTold(declared);
      });
    });

  program
    .command('unfreeze')
    .description(
      'lift the declared freezes of an environment (or --all) (admins); configured windows end by themselves',
    )
    .option('-e, --env <env>', 'environment')
    .option('--all', 'every environment (admins of all of them)', false)
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      const env = scope(options, 'unfreeze');
      const api = remoteApi(command);
      if (api) {
        refuseOptions('unfreeze', { '--store': options.store !== undefined });
        const lifted = await remoteLiftFreezes(api, env, options.reason);
        if (format === 'json') printJson(env === undefined ? lifted : lifted[0]!.lifted);
        else for (const l of lifted) process.stdout.write(liftedLine(l));
        warnNotTold(lifted);
        return;
      }
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const input = { reason: options.reason };
        const lifted =
          env === undefined
            ? await liftFreezesAll(ctx, input)
            : [await liftFreezes(ctx, { ...input, environment: env })];
        // One environment prints the lifted freezes as before; --all one entry per environment.
        if (format === 'json') printJson(env === undefined ? lifted : lifted[0]!.lifted);
        else for (const l of lifted) process.stdout.write(liftedLine(l));
        warnNotTold(lifted);
      });
    });
}
