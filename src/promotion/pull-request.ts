// Promotion by pull request (docs/promotion.md): the target's new desired state committed on a new
// branch made from HEAD — with git plumbing and a temporary index, so the current branch, the index
// and the working tree stay exactly as they were — and the pull request's description in Markdown.
// Pushing and opening the pull request on a forge is left to the user (the push command is printed).
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { SlipwayError } from '../shared/errors.ts';
import type { PromotionRecord } from '../store/types.ts';
import type { DesiredStateChange } from './desired-state.ts';
import { formatPlanMarkdown } from './plan-markdown.ts';
import type { PlanReport } from './plan-report.ts';

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function git(dir: string, args: string[], o: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return new Promise<GitResult>((resolve) => {
    const child = execFile(
      'git',
      args,
      { cwd: dir, timeout: 30_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...o.env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (err && !stdout ? err.message : '') });
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

async function gitOk(
  dir: string,
  args: string[],
  o: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<string> {
  const r = await git(dir, args, o);
  if (r.code !== 0)
    throw new SlipwayError('failed', `git ${args[0]} failed: ${r.stderr.trim() || `exit ${r.code}`}`, {
      hint: 'Run the git command yourself to see what is wrong.',
    });
  return r.stdout;
}

/** The repository's top directory, and `file`'s path in it; `usage` when `dir` is not in one. */
export async function repositoryPath(dir: string, file: string): Promise<{ top: string; path: string }> {
  const top = (await git(dir, ['rev-parse', '--show-toplevel'])).stdout.trim();
  if (!top)
    throw new SlipwayError('usage', `${dir} is not inside a git repository; cannot use --pull-request`, {
      hint: 'Initialise the repository with git init, or promote without --pull-request.',
    });
  const abs = isAbsolute(file) ? file : join(dir, file);
  return { top, path: relative(top, abs).split('\\').join('/') };
}

/** The file's text as committed at HEAD; undefined when HEAD has no such file. */
export async function committedText(top: string, path: string): Promise<string | undefined> {
  const r = await git(top, ['show', `HEAD:${path}`]);
  return r.code === 0 ? r.stdout : undefined;
}

export interface BranchCommit {
  branch: string;
  commit: string;
  /** The commit the branch starts from (HEAD when it was made). */
  base: string;
}

/**
 * One commit on a new branch from HEAD whose only change is `path` (repository-relative) set to
 * `text`. Nothing else moves: HEAD, the index and the working tree are left as they were. `branch`
 * names the branch from the new commit's short hash; an existing branch of that name is a conflict.
 */
export async function commitOnNewBranch(
  top: string,
  o: { path: string; text: string; message: string; branch: (short: string) => string },
): Promise<BranchCommit> {
  const base = (await gitOk(top, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  const index = join(tmpdir(), `slipway-index-${process.pid}-${Date.now()}`);
  const env = { GIT_INDEX_FILE: index };
  try {
    await gitOk(top, ['read-tree', base], { env });
    const blob = (await gitOk(top, ['hash-object', '-w', '--stdin'], { input: o.text })).trim();
    await gitOk(top, ['update-index', '--add', '--cacheinfo', `100644,${blob},${o.path}`], { env });
    const tree = (await gitOk(top, ['write-tree'], { env })).trim();
    const commit = (await gitOk(top, ['commit-tree', tree, '-p', base], { input: o.message })).trim();
    const short = (await gitOk(top, ['rev-parse', '--short=7', commit])).trim();
    const branch = o.branch(short);
    const made = await git(top, ['branch', branch, commit]);
    if (made.code !== 0)
      throw new SlipwayError('conflict', `cannot create branch ${branch}: ${made.stderr.trim()}`, {
        hint: `Delete it (git branch -D ${branch}) or promote again.`,
      });
    return { branch, commit, base };
  } finally {
    await rm(index, { force: true });
  }
}

/** `slipway/promote-<service>-<env>-<short>`, with characters git refuses replaced. */
export function promotionBranch(service: string, env: string, short: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return `slipway/promote-${safe(service)}-${safe(env)}-${short}`;
}

/** The command that publishes the branch: to the first remote (origin when there is none yet). */
export async function pushCommand(top: string, branch: string): Promise<string> {
  const remotes = (await git(top, ['remote'])).stdout.split('\n').filter(Boolean);
  const remote = remotes.includes('origin') ? 'origin' : (remotes[0] ?? 'origin');
  return `git push -u ${remote} ${branch}`;
}

const versionText = (v: {
  version?: string | undefined;
  digest?: string | undefined;
  chart?: { version: string } | undefined;
}) =>
  `${`${v.version ?? ''}${v.digest ? `@${v.digest.slice(0, 19)}` : ''}` || '(none)'}${v.chart ? ` (chart ${v.chart.version})` : ''}`;

/**
 * The pull request's description: what is promoted and by whom, the desired-state changes, then the
 * plan report of the target as `slipway plan --format markdown` prints it.
 */
export function promotionDescription(o: {
  promotion: PromotionRecord;
  file: string;
  changes: readonly DesiredStateChange[];
  report: PlanReport;
}): string {
  const p = o.promotion;
  const what = p.service === 'all' ? 'all services' : p.service;
  const versions = Object.entries(p.versions)
    .map(([s, v]) => `${s} ${versionText(v)}`)
    .join(', ');
  const out = [
    `# Promote ${what} from ${p.from} to ${p.to}`,
    '',
    `Promotion #${p.id}${p.hotfix ? ' (hotfix)' : ''} requested by ${p.requester}: ${versions}.`,
  ];
  if (p.reason) out.push('', `> ${p.reason.replace(/\n/g, '\n> ')}`);
  out.push('', `### Desired state (\`${o.file}\`)`, '');
  for (const c of o.changes)
    out.push(`- ${c.service} ${c.key}: ${c.from ?? '(none)'} → ${c.to ?? '(removed)'}`);
  out.push(
    '',
    `Merging this pull request changes the desired state of ${p.to}; \`slipway apply --env ${p.to}\` (or GitOps) releases it.`,
    '',
  );
  return `${out.join('\n')}\n${formatPlanMarkdown(o.report)}`;
}
