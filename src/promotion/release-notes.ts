// Release notes from git history: the commits in `from..to` (tags or commits) that touch a service's
// paths (services.<s>.paths; the whole repository by default, and the notes say so), grouped by
// conventional-commit type, breaking changes first, as Markdown. Each commit carries the ticket keys
// (ABC-123, releaseNotes.ticketPattern) and pull-request numbers (#123, `Merge pull request #123`,
// `(#123)`) of its message and of the merge that brought it in, linked through releaseNotes.ticketUrl
// and pullRequestUrl when set. parseCommit/formatReleaseNotes are pure; releaseNotes runs `git log`.
import { execFile } from 'node:child_process';
import type { ReleaseNotesConfig } from '../config/schema.ts';
import { SlipwayError } from '../shared/errors.ts';

export interface Commit {
  hash: string;
  subject: string;
  body: string;
  /** Ticket keys and pull requests of the merge that brought the commit in (added by releaseNotes). */
  merged?: { tickets: string[]; pullRequests: number[] };
}

export interface ParsedCommit {
  hash: string;
  type: string | undefined;
  scope: string | undefined;
  description: string;
  /** The breaking-change text: the BREAKING CHANGE footer, or the description for `type!:`. */
  breaking: string | undefined;
  tickets: string[];
  pullRequests: number[];
}

/** What the notes cover and how they link (slipway.yaml `releaseNotes`, `services.<s>.paths`). */
export interface ReleaseNotesOptions extends ReleaseNotesConfig {
  /** The service the notes are for: the title names it and says which paths were read. */
  service?: string | undefined;
  /** Git pathspec globs; none: the whole repository. */
  paths?: readonly string[] | undefined;
}

const HEADER = /^(?<type>[a-zA-Z]+)(?:\((?<scope>[^()]*)\))?(?<bang>!)?: (?<description>.+)$/;
const BREAKING_FOOTER = /(?:^|\n)BREAKING[ -]CHANGE: ?([\s\S]*?)(?=\n[A-Za-z-]+(?: #|: )|$)/;
export const DEFAULT_TICKET_PATTERN = '\\b[A-Z][A-Z0-9]+-[0-9]+\\b';
const PULL_REQUEST = /(?<![\w&/])#(\d+)\b/g;
const TRAILING_PR = /\s*\(#\d+\)$/;

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Ticket keys and pull-request numbers in a text, in order of appearance. */
export function references(
  text: string,
  ticketPattern = DEFAULT_TICKET_PATTERN,
): { tickets: string[]; pullRequests: number[] } {
  const tickets = [...text.matchAll(new RegExp(ticketPattern, 'g'))].map((m) => m[0]);
  const pullRequests = [...text.matchAll(PULL_REQUEST)].map((m) => Number(m[1]));
  return { tickets: unique(tickets), pullRequests: unique(pullRequests) };
}

export function parseCommit(c: Commit, ticketPattern?: string): ParsedCommit {
  const m = HEADER.exec(c.subject.trim());
  const footer = BREAKING_FOOTER.exec(c.body);
  const footerText = footer?.[1]?.trim().replace(/\s*\n\s*/g, ' ');
  const own = references(`${c.subject}\n${c.body}`, ticketPattern);
  const refs = {
    tickets: unique([...own.tickets, ...(c.merged?.tickets ?? [])]),
    pullRequests: unique([...own.pullRequests, ...(c.merged?.pullRequests ?? [])]),
  };
  if (!m?.groups) {
    return {
      hash: c.hash,
      type: undefined,
      scope: undefined,
      description: c.subject.trim().replace(TRAILING_PR, ''),
      breaking: footerText,
      ...refs,
    };
  }
  const g = m.groups;
  const description = g['description']!.trim().replace(TRAILING_PR, '');
  return {
    hash: c.hash,
    type: g['type']!.toLowerCase(),
    scope: g['scope']?.trim() || undefined,
    description,
    breaking: footerText || (g['bang'] ? description : undefined),
    ...refs,
  };
}

const SECTIONS: ReadonlyArray<[string, string]> = [
  ['feat', 'Features'],
  ['fix', 'Bug fixes'],
  ['perf', 'Performance'],
  ['refactor', 'Refactoring'],
  ['docs', 'Documentation'],
  ['chore', 'Chores'],
];

const link = (text: string, template: string | undefined, placeholder: string, value: string) =>
  template ? `[${text}](${template.split(placeholder).join(encodeURIComponent(value))})` : text;

function line(c: ParsedCommit, text: string, o: ReleaseNotesOptions): string {
  const refs = [
    ...c.tickets.map((k) => link(k, o.ticketUrl, '{key}', k)),
    ...c.pullRequests.map((n) => link(`#${n}`, o.pullRequestUrl, '{number}', String(n))),
  ];
  const scope = c.scope ? `**${c.scope}:** ` : '';
  return `- ${scope}${text}${refs.length > 0 ? ` (${refs.join(', ')})` : ''} (${c.hash.slice(0, 7)})`;
}

/** What the notes read, said once under the title. */
function coverage(o: ReleaseNotesOptions): string {
  if (o.paths && o.paths.length > 0) return `Commits touching ${o.paths.map((p) => `\`${p}\``).join(', ')}.`;
  return `Commits of the whole repository (set \`services.${o.service}.paths\` in slipway.yaml to list only this service's).`;
}

/** Markdown: a title, then Breaking changes, Features, Bug fixes, Performance, Refactoring, Documentation, Chores, Other. */
export function formatReleaseNotes(
  commits: readonly Commit[],
  range: { from: string; to: string },
  o: ReleaseNotesOptions = {},
): string {
  const parsed = commits.map((c) => parseCommit(c, o.ticketPattern));
  const title = o.service ? `${o.service} ${range.to}` : range.to;
  const out: string[] = [`## ${title}`, '', `Changes since ${range.from}.`];
  if (o.service) out.push(coverage(o));
  if (parsed.length === 0) {
    out.push('', 'No changes.');
    return `${out.join('\n')}\n`;
  }
  const section = (heading: string, lines: string[]) => {
    if (lines.length > 0) out.push('', `### ${heading}`, '', ...lines);
  };
  section(
    'Breaking changes',
    parsed.filter((c) => c.breaking !== undefined).map((c) => line(c, c.breaking!, o)),
  );
  const known = new Set(SECTIONS.map(([t]) => t));
  for (const [type, heading] of SECTIONS) {
    section(
      heading,
      parsed.filter((c) => c.type === type).map((c) => line(c, c.description, o)),
    );
  }
  section(
    'Other',
    parsed.filter((c) => c.type === undefined || !known.has(c.type)).map((c) => line(c, c.description, o)),
  );
  return `${out.join('\n')}\n`;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

function checkRefs(...refs: string[]): void {
  for (const ref of refs) {
    if (ref.startsWith('-') || ref.includes('..'))
      throw new SlipwayError('usage', `"${ref}" is not a tag or commit`);
  }
}

function git(dir: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd: dir, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const unknown = /unknown revision|bad revision|ambiguous argument/.test(stderr);
        reject(
          new SlipwayError(unknown ? 'usage' : 'failed', `${what} failed: ${stderr.trim() || err.message}`, {
            hint: unknown
              ? 'Name tags or commits that exist in the repository (git tag -l).'
              : 'Is this a git repository?',
          }),
        );
      },
    );
  });
}

function records(stdout: string): string[][] {
  return stdout
    .split(RECORD)
    .map((r) => r.replace(/^\n/, ''))
    .filter((r) => r.trim() !== '')
    .map((r) => r.split(FIELD));
}

/** Git pathspecs of path globs (`services/booking/**`), relative to the repository's top. */
const pathspecs = (paths: readonly string[] | undefined) =>
  paths && paths.length > 0 ? paths.map((p) => `:(top,glob)${p}`) : [];

/** The commits reachable from `to` but not from `from`, newest first, without merges, touching `paths`. */
export async function gitCommits(
  dir: string,
  from: string,
  to: string,
  paths?: readonly string[],
): Promise<Commit[]> {
  checkRefs(from, to);
  const out = await git(
    dir,
    [
      'log',
      '--no-merges',
      `--format=%H${FIELD}%s${FIELD}%b${RECORD}`,
      `${from}..${to}`,
      '--',
      ...pathspecs(paths),
    ],
    `git log ${from}..${to}`,
  );
  return records(out).map(([hash = '', subject = '', body = '']) => ({ hash, subject, body: body.trim() }));
}

/**
 * For each commit a merge in `from..to` brought in (its second parent's side), the tickets and pull
 * requests of that merge's message — `Merge pull request #123 from org/ABC-9-branch`. A commit merged
 * by several merges gets the oldest (innermost) one.
 */
export async function mergedReferences(
  dir: string,
  from: string,
  to: string,
  ticketPattern?: string,
): Promise<Map<string, { tickets: string[]; pullRequests: number[] }>> {
  checkRefs(from, to);
  const merges = records(
    await git(
      dir,
      ['log', '--merges', `--format=%H${FIELD}%P${FIELD}%s${FIELD}%b${RECORD}`, `${from}..${to}`],
      `git log --merges ${from}..${to}`,
    ),
  ).reverse();
  const out = new Map<string, { tickets: string[]; pullRequests: number[] }>();
  for (const [hash = '', parents = '', subject = '', body = ''] of merges) {
    const [first, second] = parents.split(' ');
    if (!first || !second) continue;
    const refs = references(`${subject}\n${body}`, ticketPattern);
    if (refs.tickets.length === 0 && refs.pullRequests.length === 0) continue;
    const brought = await git(dir, ['rev-list', `${first}..${second}`], `git rev-list for merge ${hash}`);
    for (const c of brought.split('\n').filter(Boolean)) if (!out.has(c)) out.set(c, refs);
  }
  return out;
}

export async function releaseNotes(
  dir: string,
  from: string,
  to: string,
  o: ReleaseNotesOptions = {},
): Promise<string> {
  const [commits, merged] = await Promise.all([
    gitCommits(dir, from, to, o.paths),
    mergedReferences(dir, from, to, o.ticketPattern),
  ]);
  const withMerges = commits.map((c) => {
    const m = merged.get(c.hash);
    return m ? { ...c, merged: m } : c;
  });
  return formatReleaseNotes(withMerges, { from, to }, o);
}
