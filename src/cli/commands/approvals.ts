// `slipway approvals [--env E]` lists promotions waiting for approval; `slipway approve <id>` gives one
// (the N-th distinct approval runs the promotion: desired state written, services released);
// `slipway reject <id> --reason R` rejects it (or withdraws it, for the requester).
import type { Command } from '@commander-js/extra-typings';
import Table from 'cli-table3';
import { approvePromotion, rejectPromotion } from '../../operations/promotion.ts';
import type { PromotionRunResult } from '../../operations/promotion-run.ts';
import { listPromotions } from '../../promotion/index.ts';
import type { PromotionView } from '../../promotion/operations.ts';
import { usageError } from '../../shared/errors.ts';
import { PROMOTION_STATUSES, type PromotionRecord, type PromotionStatus } from '../../store/types.ts';
import { parseOutputFormat, printJson } from '../output.ts';
import { mayApproveFrom, remoteApprove, remotePromotions, remoteReject } from '../remote/decisions.ts';
import { refuseOptions, remoteApi } from '../remote/modes.ts';
import { localPlatform } from '../remote/reads.ts';
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

type ApprovalRow = PromotionRecord & { approvals: string[]; mayApprove: string };

/** The promotions table (or JSON) of `slipway approvals`, local or through a server. */
function printApprovals(
  rows: ApprovalRow[],
  options: { all: boolean; env?: string | undefined },
  format: string,
): void {
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
}

const approvedBy = (v: PromotionView) =>
  v.approvals.filter((a) => a.decision === 'approved').map((a) => a.approver);

/** An approval recorded (how many more) or the promotion it completed and ran, local or remote. */
async function printApproved(
  view: PromotionView,
  run: PromotionRunResult | undefined,
  id: number,
  format: 'text' | 'json',
  o: { pullRequest: boolean; descriptionFile?: string | undefined; mayApprove: string },
): Promise<void> {
  const p = view.promotion;
  const count = view.approvals.filter((a) => a.decision === 'approved').length;
  if (p.status !== 'approved') {
    if (format === 'json') printJson(view);
    else
      process.stdout.write(
        `promotion #${id} has ${count} of ${p.approvalsNeeded} approvals; still needed: ${p.approvalsNeeded - count} (who may approve: ${o.mayApprove})\n`,
      );
    return;
  }
  if (format === 'text')
    (o.pullRequest ? process.stderr : process.stdout).write(
      `promotion #${id} approved (${count} of ${p.approvalsNeeded}): ${versionsText(p.versions)} from ${p.from} to ${p.to}\n`,
    );
  if (run) await printRun(run, format, { descriptionFile: o.descriptionFile });
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
      const api = remoteApi(command);
      if (api) {
        refuseOptions('approvals', { '--store': options.store !== undefined });
        const status: PromotionStatus[] = options.all ? [...PROMOTION_STATUSES] : ['requested'];
        const platform = await localPlatform(command);
        const views = await remotePromotions(api, status, options.env);
        const rows = views.map((v) => ({
          ...v.promotion,
          approvals: approvedBy(v),
          mayApprove: mayApproveFrom(platform, v.promotion, whoMayApprove),
        }));
        printApprovals(rows, options, format);
        return;
      }
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
        printApprovals(rows, options, format);
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
      const api = remoteApi(command);
      if (api) {
        refuseOptions('approve', {
          '--commit': options.commit,
          '--no-deploy': !options.deploy,
          '--pull-request': options.pullRequest,
          '--store': options.store !== undefined,
        });
        const d = await remoteApprove(api, id, options.comment, format);
        if (d.ran && !d.outcome) return; // detached
        const view: PromotionView = d.ran
          ? ((d.outcome as { view?: PromotionView }).view ?? {
              promotion: d.outcome!.promotion,
              approvals: [],
            })
          : d.value;
        const mayApprove = mayApproveFrom(await localPlatform(command), view.promotion, whoMayApprove);
        await printApproved(view, d.ran ? d.outcome!.run : undefined, id, format, { ...options, mayApprove });
        return;
      }
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        const { view, run } = await approvePromotion(ctx, id, options.comment, {
          commit: options.commit,
          deploy: options.deploy,
          pullRequest: options.pullRequest,
        });
        await printApproved(view, run, id, format, {
          ...options,
          mayApprove: whoMayApprove(ctx, view.promotion),
        });
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
      const print = (view: PromotionView) => {
        if (format === 'json') printJson(view);
        else process.stdout.write(`promotion #${id} rejected: ${options.reason}\n`);
      };
      const api = remoteApi(command);
      if (api) {
        refuseOptions('reject', { '--store': options.store !== undefined });
        print(await remoteReject(api, id, options.reason));
        return;
      }
      await withSession(command, { store: options.store }, async ({ ctx }) => {
        print(await rejectPromotion(ctx, id, options.reason));
      });
    });
}
