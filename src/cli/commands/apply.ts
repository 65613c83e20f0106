// `slipway apply --env E [--target svc…]`: reconciles the environment to its desired state, service by
// service in priority order, each with its own strategy; stops at the first failure and says what was
// done and what was not; through the apply operation and its gates (role, freeze, audit). Exit 0 when everything planned was released, 1 otherwise.
import type { Command } from '@commander-js/extra-typings';
import { autoDeployNotes } from '../../config/model.ts';
import { type ApplyResult, applyEnvironment } from '../../operations/apply.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { refuseOptions, remoteApi } from '../remote/modes.ts';
import { remoteApply } from '../remote/releases.ts';
import { STORE_HELP, withSession } from '../session.ts';

/** What apply did (or JSON with the notes), local or through a server; exit 1 unless all released. */
export function printApply(
  result: ApplyResult,
  notes: string[],
  options: { env: string; target?: string[] | undefined },
  format: 'text' | 'json',
): void {
  const out = (s: string) => {
    if (format === 'text') process.stdout.write(s);
  };
  if (format === 'json') {
    printJson({ ...result, notes });
  } else {
    const targeted = options.target ? new Set(options.target) : undefined;
    const inSync = result.plan.services.filter(
      (s) => s.action === 'in-sync' && (!targeted || targeted.has(s.service)),
    );
    for (const r of result.releases) {
      const line = `${r.service}: ${r.status}${r.revision ? ` (revision ${r.revision}${r.version ? `, ${r.version}` : ''})` : ''}${r.reason ? `: ${r.reason}` : ''}`;
      out(`${r.status === 'deployed' ? color.green(line) : color.red(line)}\n`);
    }
    if (result.notRun.length > 0)
      out(`${color.yellow(`not released (stopped at the first failure): ${result.notRun.join(', ')}`)}\n`);
    const done = result.releases.filter((r) => r.status === 'deployed').length;
    out(
      result.releases.length === 0
        ? `${options.env} is in sync with its desired state (${inSync.length} services)\n`
        : `${done} released, ${result.releases.length - done} failed, ${result.notRun.length} not run, ${inSync.length} already in sync\n`,
    );
  }
  if (format === 'text') for (const n of notes) process.stderr.write(`${color.dim(`note: ${n}`)}\n`);
  if (!result.ok) process.exitCode = 1;
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description(
      'reconcile an environment to its desired state (environments/<env>.yaml), service by service',
    )
    .requiredOption('-e, --env <env>', 'environment')
    .option('--target <service...>', 'only these services')
    .option('--hotfix', 'release through a freeze window (where the environment accepts hotfixes)', false)
    .option('--reason <text>', 'why (kept in each release and the audit log)')
    .option(
      '--override-freeze <reason>',
      'apply through a freeze window or declared freeze (admins of the environment only; audited)',
    )
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const api = remoteApi(command);
      if (api) {
        refuseOptions('apply', { '--store': options.store !== undefined });
        const result = await remoteApply(api, options, format);
        if (result) printApply(result, [], options, format);
        return;
      }
      await withSession(command, { store: options.store, format }, async ({ ctx }) => {
        const out = (s: string) => {
          if (format === 'text') process.stdout.write(s);
        };
        const result = await applyEnvironment(ctx, {
          environment: options.env,
          ...(options.target ? { targets: options.target } : {}),
          hotfix: options.hotfix,
          ...(options.reason ? { reason: options.reason } : {}),
          overrideFreeze: options.overrideFreeze,
          onStart: (s) => out(`${color.cyan('→')} ${s.summary}\n`),
        });
        printApply(result, autoDeployNotes(ctx.platform, [options.env]), options, format);
      });
    });
}
