// `slipway approvals [--env E]` lists promotions waiting for approval; `slipway approve <id>` gives one
// (the N-th distinct approval runs the promotion: desired state written, services released);
// `slipway reject <id> --reason R` rejects it (or withdraws it, for the requester).
import type { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { approvePromotion, rejectPromotion } from '../../operations/promotion.ts';
import { listPromotions } from '../../promotion/index.ts';
import { usageError } from '../../shared/errors.ts';
import { PROMOTION_STATUSES, type PromotionStatus } from '../../store/types.ts';
import { parseOutputFormat, printJson } from '../output.ts';
import { STORE_HELP, withSession } from '../session.ts';
import { checkPullRequestOptions, printRun, whoMayApprove } from './promote.ts';

function parseId(text: string): number {
  const id = Number(text.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0)
    throw usageError(`"${text}" is not a promotion id`, { hint: 'See `slipway approvals`.' });
  return id;
}

function versionsText(v: Record<string, { version?: string; digest?: string }>): string {
  return Object.entries(v)
    .map(([s, x]) => `${s} ${x.version ?? x.digest?.slice(0, 19) ?? ''}`.trim())
    .join(', ');
}

export function registerApprovals(program: Command): void {
  program
    .command('approvals')
    .description('promotions waiting for approval (with --all: every promotion)')
    .option('-e, --env <env>', 'only promotions into this environment')
    .option('--all', 'every promotion, whatever its status', false)
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      await withSession(command, { store: options.store, readOnly: true }, async ({ ctx }) => {
        // A list records nothing: a request past its expiry shows as expired here, and the next
        // approve, reject or request records it so.
        const status: PromotionStatus[] = options.all ? [...PROMOTION_STATUSES] : ['requested'];
        const now = ctx.now.toISOString();
        const list = (await listPromotions(ctx, { status, ...(options.env ? { to: options.env } : {}) }))
          .map((p) =>
            p.status === 'requested' && p.expiresAt !== undefined && p.expiresAt <= now
              ? { ...p, status: 'expired' as const }
              : p,
          )
          .filter((p) => status.includes(p.status));
        const rows = await Promise.all(
          list.map(async (p) => ({
            ...p,
            approvals: (await ctx.store.listApprovals(p.id))
              .filter((a) => a.decision === 'approved')
              .map((a) => a.approver),
            mayApprove: whoMayApprove(ctx, p),
          })),
        );
        if (format === 'json') {
          printJson(rows);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(
            `no promotions ${options.all ? '' : 'waiting for approval '}${options.env ? `into ${options.env}` : ''}\n`,
          );
          return;
        }
        const table = new Table({
          head: [
            'ID',
            'SERVICE',
            'FROM → TO',
            'VERSIONS',
            'REQUESTER',
            'STATUS',
            'APPROVALS',
            'MAY APPROVE',
            'EXPIRES',
          ],
          style: { head: [], border: [] },
        });
        for (const r of rows)
          table.push([
            `#${r.id}${r.hotfix ? ' hotfix' : ''}`,
            r.service,
            `${r.from} → ${r.to}`,
            versionsText(r.versions),
            r.requester,
            r.status,
            `${r.approvals.length}/${r.approvalsNeeded}${r.approvals.length ? ` (${r.approvals.join(', ')})` : ''}`,
            r.mayApprove,
            r.expiresAt ?? '',
          ]);
        process.stdout.write(`${table.toString()}\n`);
      });
    });

  program
    .command('approve')
    .description(
      'approve a promotion; the last approval needed runs it (desired state written, services released)',
    )
    .argument('<id>', 'promotion id (see slipway approvals)')
    .option('--comment <text>', 'a comment kept with the approval')
    .option('--commit', 'commit the desired-state change to git when the promotion runs', false)
    .option('--no-deploy', 'when it runs, write the desired state only; release later with `slipway apply`')
    .option(
      '--pull-request',
      "when it runs, commit the target's desired state on a new branch and print the pull request's description",
      false,
    )
    .option('--description-file <file>', "with --pull-request: write the pull request's description here")
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (idText, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      checkPullRequestOptions(options);
      const id = parseId(idText);
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const { view, run } = await approvePromotion(ctx, id, options.comment, {
          commit: options.commit,
          deploy: options.deploy,
          pullRequest: options.pullRequest,
        });
        const p = view.promotion;
        const count = view.approvals.filter((a) => a.decision === 'approved').length;
        if (p.status !== 'approved') {
          if (format === 'json') printJson(view);
          else
            process.stdout.write(
              `promotion #${id} has ${count} of ${p.approvalsNeeded} approvals; still needed: ${p.approvalsNeeded - count} (who may approve: ${whoMayApprove(ctx, p)})\n`,
            );
          return;
        }
        if (format === 'text')
          (options.pullRequest ? process.stderr : process.stdout).write(
            `promotion #${id} approved (${count} of ${p.approvalsNeeded}): ${versionsText(p.versions)} from ${p.from} to ${p.to}\n`,
          );
        if (run) await printRun(run, format, { descriptionFile: options.descriptionFile });
      });
    });

  program
    .command('reject')
    .description('reject a promotion (an approver), or withdraw it (its requester)')
    .argument('<id>', 'promotion id (see slipway approvals)')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (idText, options, command) => {
      const format = parseOutputFormat(options.output);
      const id = parseId(idText);
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const view = await rejectPromotion(ctx, id, options.reason);
        if (format === 'json') printJson(view);
        else process.stdout.write(`promotion #${id} rejected: ${options.reason}\n`);
      });
    });
}
