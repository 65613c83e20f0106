// `slipway token create --env E [--env F] --role R --expires 30d [--name N]`, `slipway token list` and
// `slipway token revoke <id>`: API tokens for CI to call `slipway serve` with (docs/server.md). The
// secret is printed once, by create, and never stored (only its SHA-256). Creating one needs admin of
// each of its environments; create and revoke are audited.
import type { Command } from '@commander-js/extra-typings';
import { createToken, listTokens, revokeToken, tokenUsable } from '../../operations/tokens.ts';
import { usageError } from '../../shared/errors.ts';
import type { ApiTokenRecord } from '../../store/types.ts';
import { parseOutputFormat, plainTable, printJson } from '../output.ts';
import { STORE_HELP, withSession } from '../session.ts';

const collect = (v: string, all: string[]) => [...all, v];

/** The record as shown: never the hash. */
const shown = (t: ApiTokenRecord, now: Date) => {
  const { hash: _hash, ...rest } = t;
  return { ...rest, usable: tokenUsable(t, now) };
};

export function registerToken(program: Command): void {
  const token = program
    .command('token')
    .description('API tokens for CI to call `slipway serve` with: create (admins), list, revoke');

  token
    .command('create')
    .description('create a token scoped to environments and one role; prints it once')
    .requiredOption('-e, --env <env>', 'an environment it holds its role in (repeat for more)', collect, [])
    .requiredOption('--role <role>', 'viewer, deployer, approver or admin')
    .requiredOption('--expires <duration>', 'how long it lasts, e.g. 30d or 12h')
    .option('--name <name>', 'a name for the audit log (default <envs>-<role>), e.g. ci-main')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const { token: t, secret } = await createToken(ctx, {
          environments: options.env,
          role: options.role,
          expires: options.expires,
          name: options.name,
        });
        if (format === 'json') printJson({ ...shown(t, ctx.now), token: secret });
        else
          process.stdout.write(
            `token #${t.id} ${t.name}: ${t.roles.join(', ')} in ${t.environments.join(', ')} until ${t.expiresAt}\n${secret}\n(shown once; send it as "Authorization: Bearer <token>")\n`,
          );
      });
    });

  token
    .command('list')
    .description('the tokens of the environments you may view (never their secrets)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      await withSession(command, { store: options.store, readOnly: true }, async ({ ctx }) => {
        const tokens = (await listTokens(ctx)).map((t) => shown(t, ctx.now));
        if (format === 'json') return printJson(tokens);
        const table = plainTable(['id', 'name', 'role', 'environments', 'created by', 'expires', 'state']);
        for (const t of tokens)
          table.push([
            `#${t.id}`,
            t.name,
            t.roles.join(', '),
            t.environments.join(', '),
            t.createdBy,
            t.expiresAt,
            t.revokedAt ? `revoked by ${t.revokedBy}` : t.usable ? 'usable' : 'expired',
          ]);
        process.stdout.write(tokens.length ? `${table.toString()}\n` : 'no API tokens\n');
      });
    });

  token
    .command('revoke')
    .description('revoke a token at once (admins of its environments, or its creator)')
    .argument('<id>', 'the token id, as `token list` shows it (#3 or 3)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (id, options, command) => {
      const format = parseOutputFormat(options.output);
      const n = Number(id.replace(/^#/, ''));
      if (!Number.isInteger(n) || n <= 0) throw usageError(`"${id}" is not a token id`);
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const t = await revokeToken(ctx, n);
        if (format === 'json') printJson(shown(t, ctx.now));
        else process.stdout.write(`token #${t.id} ${t.name} revoked\n`);
      });
    });
}
