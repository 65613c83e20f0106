// `slipway promote <service>|--all --from A --to B`: checks the promotion rules, and when B needs no
// approvals writes B's desired state (one git commit with --commit) and releases each service with the
// release engine; otherwise prints the request id and who may approve it. With --pull-request, B's
// desired state is committed on a new branch instead and the pull request's description is printed.
// `slipway promote <service> --env E` advances a paused canary (the gates command's operation).
import { writeFile } from 'node:fs/promises';
import type { Command } from '@commander-js/extra-typings';
import type { OperationContext } from '../../operations/context.ts';
import { promote } from '../../operations/promotion.ts';
import type { PromotionRunResult } from '../../operations/promotion-run.ts';
import { actorName, eligibleApprovers, whoMay } from '../../promotion/index.ts';
import { usageError } from '../../shared/errors.ts';
import type { PromotionRecord } from '../../store/types.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { mayApproveFrom, remotePromote } from '../remote/decisions.ts';
import { refuseOptions, remoteApi } from '../remote/modes.ts';
import { localPlatform } from '../remote/reads.ts';
import { STORE_HELP, withSession } from '../session.ts';
import { gate } from './gates.ts';

export function whoMayApprove(ctx: Pick<OperationContext, 'platform'>, p: PromotionRecord): string {
  const requester = p.requester;
  const eligible = eligibleApprovers(ctx.platform, p.to, requester);
  return eligible ? eligible.join(', ') : `${whoMay(ctx.platform, p.to, 'approve')} (not ${requester})`;
}

/**
 * A run written as a pull-request branch: the description on stdout (or in `descriptionFile`), the
 * branch, commit and push command on stderr.
 */
async function printPullRequest(
  r: PromotionRunResult,
  format: 'text' | 'json',
  descriptionFile: string | undefined,
): Promise<void> {
  const pr = r.pullRequest!;
  if (descriptionFile !== undefined) await writeFile(descriptionFile, pr.description);
  if (format === 'json') {
    printJson(r);
    return;
  }
  if (descriptionFile === undefined) process.stdout.write(pr.description);
  process.stderr.write(
    `branch ${pr.branch} committed (${pr.commit.slice(0, 12)}, from ${pr.base.slice(0, 12)}); the current branch is unchanged
` +
      (descriptionFile !== undefined
        ? `pull request description written to ${descriptionFile}
`
        : '') +
      `push it and open the pull request: ${pr.push}
` +
      `promotion #${r.promotion.id} ${r.promotion.status}
`,
  );
}

/** Prints a finished run: desired-state changes, the commit, each release. Sets exit code 1 on failure. */
export async function printRun(
  r: PromotionRunResult,
  format: 'text' | 'json',
  o: { descriptionFile?: string | undefined } = {},
): Promise<void> {
  if (r.pullRequest) {
    await printPullRequest(r, format, o.descriptionFile);
  } else if (format === 'json') {
    printJson(r);
  } else {
    const rel = r.file.slice(r.file.lastIndexOf('environments/'));
    if (r.changes.length === 0) process.stdout.write(`${rel} already has these versions\n`);
    for (const c of r.changes)
      process.stdout.write(`${rel}: ${c.service} ${c.key} ${c.from ?? '(none)'} → ${c.to ?? '(removed)'}\n`);
    if (r.commit) process.stdout.write(`committed ${r.commit.slice(0, 12)}\n`);
    for (const s of r.releases) {
      const line = `${s.service}: ${s.status}${s.revision ? ` (revision ${s.revision}${s.version ? `, ${s.version}` : ''})` : ''}${s.reason ? `: ${s.reason}` : ''}`;
      process.stdout.write(
        `${s.status === 'deployed' ? color.green(line) : s.status === 'failed' ? color.red(line) : line}\n`,
      );
    }
    if (r.releases.length === 0 && r.promotion.status === 'succeeded')
      process.stdout.write(
        `desired state written; run \`slipway apply --env ${r.promotion.to}\` to release it\n`,
      );
    process.stdout.write(`promotion #${r.promotion.id} ${r.promotion.status}\n`);
  }
  if (r.promotion.status === 'failed') process.exitCode = 1;
}

/** --pull-request writes a branch: not with --commit (the current branch) nor --no-deploy (implied). */
export function checkPullRequestOptions(o: {
  pullRequest: boolean;
  descriptionFile?: string | undefined;
  commit: boolean;
  deploy: boolean;
}): void {
  if (o.descriptionFile !== undefined && !o.pullRequest)
    throw usageError('--description-file goes with --pull-request');
  if (o.pullRequest && o.commit)
    throw usageError('--pull-request commits on a new branch; --commit commits on the current one: give one');
  if (o.pullRequest && !o.deploy)
    throw usageError('--pull-request releases nothing already; leave out --no-deploy');
}

/** A promotion requested (who may approve) or approved and run, local or through a server. */
async function printPromoted(
  p: PromotionRecord,
  run: PromotionRunResult | undefined,
  format: 'text' | 'json',
  o: { pullRequest: boolean; descriptionFile?: string | undefined; requester: string; mayApprove: string },
): Promise<void> {
  const versions = Object.entries(p.versions)
    .map(([s, v]) => `${s} ${v.version ?? ''}${v.digest ? `@${v.digest.slice(0, 19)}` : ''}`.trim())
    .join(', ');
  if (p.status === 'requested') {
    if (format === 'json') {
      printJson({ promotion: p, mayApprove: o.mayApprove });
      return;
    }
    process.stdout.write(
      `promotion #${p.id} requested: ${versions} from ${p.from} to ${p.to}${p.hotfix ? ' (hotfix)' : ''}\n` +
        `it needs ${p.approvalsNeeded} approval${p.approvalsNeeded === 1 ? '' : 's'} by distinct people other than ${o.requester}; who may approve: ${o.mayApprove}\n` +
        `approve with: slipway approve ${p.id}${o.pullRequest ? ' --pull-request' : ''}${p.expiresAt ? ` (before ${p.expiresAt})` : ''}\n` +
        (o.pullRequest
          ? 'the branch and the pull request description are written when it is approved\n'
          : ''),
    );
    return;
  }
  // With --pull-request stdout carries the description alone.
  if (format === 'text')
    (o.pullRequest ? process.stderr : process.stdout).write(
      `promotion #${p.id} approved: ${versions} from ${p.from} to ${p.to}\n`,
    );
  if (run) await printRun(run, format, { descriptionFile: o.descriptionFile });
}

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description(
      'promote a version from one environment to the next (--from A --to B), or advance a paused canary (--env E)',
    )
    .argument('[service]', 'service name (or --all)')
    .option('--all', "every service of the source environment's desired state", false)
    .option('--from <env>', 'source environment (what runs there is promoted)')
    .option('--to <env>', 'target environment')
    .option('-e, --env <env>', 'advance the paused canary of <service> in this environment')
    .option('--full', 'with --env: promote the canary fully, skipping its remaining steps', false)
    .option(
      '--tag <version>',
      'the version expected to run in the source (refused if another one runs there)',
    )
    .option('--reason <text>', 'why (kept in the request and the audit log)')
    .option(
      '--override-freeze <reason>',
      'with --env: advance through a freeze window or declared freeze (admins only; audited)',
    )
    .option(
      '--hotfix',
      'a hotfix: may skip environments, soak and freeze windows (needs hotfix approvals)',
      false,
    )
    .option('--commit', "commit the desired-state change to git (one commit of the target's file)", false)
    .option('--no-deploy', 'write the desired state only; release later with `slipway apply`')
    .option(
      '--pull-request',
      "commit the target's desired state on a new branch (not the current one), release nothing, and print the pull request's description",
      false,
    )
    .option('--description-file <file>', "with --pull-request: write the pull request's description here")
    .option('--store <url>', STORE_HELP)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      checkPullRequestOptions(options);
      if (options.env !== undefined) {
        if (
          options.from !== undefined ||
          options.to !== undefined ||
          options.all ||
          options.hotfix ||
          options.commit ||
          options.pullRequest
        )
          throw usageError(
            '--env (advance a canary) cannot be combined with --from/--to/--all/--hotfix/--commit/--pull-request',
          );
        if (!service) throw usageError('name the service whose canary to advance');
        await gate({
          service,
          env: options.env,
          action: options.full ? 'promote-full' : 'promote',
          command,
          format,
          store: options.store,
          reason: options.reason,
          overrideFreeze: options.overrideFreeze,
        });
        return;
      }
      if (options.overrideFreeze !== undefined)
        throw usageError('--override-freeze goes with --env (advancing a release)', {
          hint: 'A promotion between environments passes a configured freeze window only as a --hotfix.',
        });
      if (options.full) throw usageError('--full only goes with --env (advancing a canary)');
      if (options.from === undefined || options.to === undefined)
        throw usageError('promote needs --from <env> and --to <env> (or --env <env> to advance a canary)', {
          hint: 'e.g. slipway promote booking --from staging --to production',
        });
      if (options.all && service) throw usageError('name a service or give --all, not both');
      if (!options.all && !service) throw usageError('name the service to promote, or give --all');
      const name = options.all ? 'all' : service!;
      const api = remoteApi(command);
      if (api) {
        refuseOptions('promote', {
          '--commit': options.commit,
          '--no-deploy': !options.deploy,
          '--pull-request': options.pullRequest,
          '--store': options.store !== undefined,
        });
        const d = await remotePromote(
          api,
          {
            service: name,
            from: options.from,
            to: options.to,
            version: options.tag,
            reason: options.reason,
            hotfix: options.hotfix,
          },
          format,
        );
        if (d.ran && !d.outcome) return; // detached
        const p = d.ran ? d.outcome!.promotion : d.value;
        await printPromoted(p, d.ran ? d.outcome!.run : undefined, format, {
          ...options,
          requester: p.requester,
          mayApprove: mayApproveFrom(await localPlatform(command), p, whoMayApprove),
        });
        return;
      }
      await withSession(command, { store: options.store, format }, async ({ ctx }) => {
        const { promotion: p, run } = await promote(
          ctx,
          {
            service: name,
            from: options.from!,
            to: options.to!,
            version: options.tag,
            hotfix: options.hotfix,
            reason: options.reason,
          },
          { commit: options.commit, deploy: options.deploy, pullRequest: options.pullRequest },
        );
        await printPromoted(p, run, format, {
          ...options,
          requester: actorName(ctx.platform, ctx.user),
          mayApprove: whoMayApprove(ctx, p),
        });
      });
    });
}
