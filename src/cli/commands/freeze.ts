// `slipway freeze --env E --reason R [--for 2h]` and `slipway unfreeze --env E --reason R`: an
// emergency stop of every release into an environment, declared by an admin of it and audited. While
// it is in force, deploy, rollback, resume, abort, promote and apply are refused unless an admin
// overrides it with a reason; `slipway freeze --env E --list` shows what is in force.
import type { Command } from '@commander-js/extra-typings';
import { getEnvironment } from '../../config/model.ts';
import { declareFreeze, liftFreezes, listDeclaredFreezes } from '../../operations/freeze.ts';
import { freezeInForce, freezeUntil } from '../../promotion/freeze.ts';
import { usageError } from '../../shared/errors.ts';
import { parseOutputFormat, printJson } from '../output.ts';
import { STORE_HELP, withSession } from '../session.ts';

export function registerFreeze(program: Command): void {
  program
    .command('freeze')
    .description('stop every release into an environment now (admins), for a time or until unfreeze')
    .requiredOption('-e, --env <env>', 'environment')
    .option('--reason <text>', 'why (required to declare; kept in the audit log)')
    .option('--for <duration>', 'how long (e.g. 2h, 1d); default until `slipway unfreeze`')
    .option('--list', 'show the freezes in force (declared and configured windows); change nothing', false)
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      const readOnly = options.list;
      await withSession(command, { store: options.store, readOnly }, async ({ ctx }) => {
        if (options.list) {
          const declared = await listDeclaredFreezes(ctx, options.env);
          const now = freezeInForce(getEnvironment(ctx.platform, options.env), declared, ctx.now);
          if (format === 'json') printJson({ inForce: now ?? null, declared });
          else
            process.stdout.write(
              now
                ? `${options.env} is frozen: ${now.name} ${freezeUntil(now)}\n`
                : `${options.env} is not frozen\n`,
            );
          return;
        }
        if (options.reason === undefined)
          throw usageError('freeze needs --reason', { hint: 'e.g. --reason "incident INC-4711"' });
        const f = await declareFreeze(ctx, {
          environment: options.env,
          reason: options.reason,
          duration: options.for,
        });
        if (format === 'json') printJson(f);
        else
          process.stdout.write(
            `${options.env} frozen (#${f.id}) ${f.endsAt ? `until ${f.endsAt}` : 'until `slipway unfreeze`'}: ${f.reason}\n`,
          );
      });
    });

  program
    .command('unfreeze')
    .description('lift the declared freezes of an environment (admins); configured windows end by themselves')
    .requiredOption('-e, --env <env>', 'environment')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const lifted = await liftFreezes(ctx, { environment: options.env, reason: options.reason });
        if (format === 'json') printJson(lifted);
        else process.stdout.write(`${options.env}: lifted ${lifted.map((f) => `#${f.id}`).join(', ')}\n`);
      });
    });
}
