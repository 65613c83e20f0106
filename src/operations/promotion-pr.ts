// Carrying out an approved promotion as a pull request (`slipway promote … --pull-request`): B's
// desired state as committed at HEAD gets the promoted versions, as one commit on a new branch
// `slipway/promote-<svc>-<B>-<short>`; the current branch, index and working tree are not touched and
// nothing is released. The description is the plan of B with that desired state — plan, manifest
// diff, findings, capacity — as `slipway plan --format markdown --target <svc>` prints it on the
// branch. Audited as `promote` with outcome `pull-request`; the promotion ends `succeeded` (its part,
// proposing the change, is done: merging and `slipway apply` release it).
import { relative } from 'node:path';
import { checkDesiredState, type LoadedPlatform, parseDesiredState } from '../config/load.ts';
import { serviceNames } from '../config/model.ts';
import { parseYaml } from '../config/yaml-source.ts';
import { appendAudit } from '../promotion/audit.ts';
import { type DesiredStateChange, promoteDesiredStateWithChanges } from '../promotion/desired-state.ts';
import { markPromotion } from '../promotion/operations.ts';
import { readPlanReport } from '../promotion/plan-report.ts';
import {
  commitOnNewBranch,
  committedText,
  promotionBranch,
  promotionDescription,
  pushCommand,
  repositoryPath,
} from '../promotion/pull-request.ts';
import { SlipwayError, SlipwayErrorList } from '../shared/errors.ts';
import type { PromotionRecord } from '../store/types.ts';
import { actorDetail, type OperationContext } from './context.ts';

export interface PullRequestOutcome {
  branch: string;
  commit: string;
  base: string;
  /** The command that publishes the branch (slipway does not push). */
  push: string;
  /** The pull request's description, Markdown. */
  description: string;
}

/** The platform as it would load with `text` as the desired state of `env`. */
export function withDesiredState(platform: LoadedPlatform, env: string, text: string, shown: string) {
  const file = parseYaml(shown, text);
  const state = parseDesiredState(file, env);
  const errors = checkDesiredState(platform.platform, file, state);
  if (errors.length > 0) throw new SlipwayErrorList(errors);
  const desired = new Map(platform.desired);
  desired.set(env, { file, state });
  return { ...platform, desired };
}

const emptyState = (env: string) =>
  `apiVersion: slipway.dev/v1\nkind: DesiredState\nenvironment: ${env}\nservices: {}\n`;

/** Writes the branch of a promotion marked `running`, audits it, and marks it `succeeded`. */
export async function runAsPullRequest(
  ctx: OperationContext,
  p: PromotionRecord,
  o: { file: string; fromText: string },
): Promise<{ promotion: PromotionRecord; changes: DesiredStateChange[]; pullRequest: PullRequestOutcome }> {
  const { top, path } = await repositoryPath(ctx.platform.dir, o.file);
  const toText = (await committedText(top, path)) ?? emptyState(p.to);
  const edited = promoteDesiredStateWithChanges(o.fromText, toText, p.service, p.versions);
  if (edited.changes.length === 0)
    throw new SlipwayError(
      'conflict',
      `${path} at HEAD already has these versions; there is nothing to propose`,
      {
        hint: `Compare with git show HEAD:${path}.`,
      },
    );
  const shown = relative(process.cwd(), o.file) || o.file;
  const platform = withDesiredState(ctx.platform, p.to, edited.text, shown);
  const services = serviceNames(platform).filter((s) => Object.hasOwn(p.versions, s));
  const client = await ctx.cluster.connect(platform, p.to, { start: false });
  const report = await readPlanReport(platform, p.to, client, { services });
  const versions = Object.entries(p.versions)
    .map(([s, v]) => `${s} ${v.version ?? v.digest ?? ''}`.trim())
    .join(', ');
  const what = p.service === 'all' ? 'all services' : p.service;
  const made = await commitOnNewBranch(top, {
    path,
    text: edited.text,
    message: `promote ${what} from ${p.from} to ${p.to}: ${versions}\n\nPromotion #${p.id} requested by ${p.requester}${p.reason ? `: ${p.reason}` : ''}.\n`,
    branch: (short) => promotionBranch(p.service, p.to, short),
  });
  const description = promotionDescription({ promotion: p, file: path, changes: edited.changes, report });
  const pullRequest = { ...made, push: await pushCommand(top, made.branch), description };
  await appendAudit(ctx.store, {
    at: ctx.now,
    actor: ctx.user,
    action: 'promote',
    environment: p.to,
    service: p.service,
    detail: {
      outcome: 'pull-request',
      id: p.id,
      from: p.from,
      branch: made.branch,
      commit: made.commit,
      base: made.base,
      ...actorDetail(ctx),
    },
  });
  const done = await markPromotion({ ...ctx, now: new Date() }, p.id, 'succeeded');
  return { promotion: done, changes: edited.changes, pullRequest };
}
