// Release notes from git history: the commits in `from..to` (tags or commits), grouped by
// conventional-commit type, breaking changes first, as Markdown. parseCommit/formatReleaseNotes are
// pure; releaseNotes runs `git log` in the repository.
import { execFile } from 'node:child_process';
import { SlipwayError } from '../shared/errors.ts';

export interface Commit {
  hash: string;
  subject: string;
  body: string;
}

export interface ParsedCommit {
  hash: string;
  type: string | undefined;
  scope: string | undefined;
  description: string;
  /** The breaking-change text: the BREAKING CHANGE footer, or the description for `type!:`. */
  breaking: string | undefined;
}

const HEADER = /^(?<type>[a-zA-Z]+)(?:\((?<scope>[^()]*)\))?(?<bang>!)?: (?<description>.+)$/;
const BREAKING_FOOTER = /(?:^|\n)BREAKING[ -]CHANGE: ?([\s\S]*?)(?=\n[A-Za-z-]+(?: #|: )|$)/;

export function parseCommit(c: Commit): ParsedCommit {
  const m = HEADER.exec(c.subject.trim());
  const footer = BREAKING_FOOTER.exec(c.body);
  const footerText = footer?.[1]?.trim().replace(/\s*\n\s*/g, ' ');
  if (!m?.groups) {
    return {
      hash: c.hash,
      type: undefined,
      scope: undefined,
      description: c.subject.trim(),
      breaking: footerText,
    };
  }
  const g = m.groups;
  const description = g['description']!.trim();
  return {
    hash: c.hash,
    type: g['type']!.toLowerCase(),
    scope: g['scope']?.trim() || undefined,
    description,
    breaking: footerText || (g['bang'] ? description : undefined),
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

function line(c: ParsedCommit, text: string): string {
  return `- ${c.scope ? `**${c.scope}:** ` : ''}${text} (${c.hash.slice(0, 7)})`;
}

/** Markdown: a title, then Breaking changes, Features, Bug fixes, Performance, Refactoring, Documentation, Chores, Other. */
export function formatReleaseNotes(commits: readonly Commit[], range: { from: string; to: string }): string {
  const parsed = commits.map(parseCommit);
  const out: string[] = [`## ${range.to}`, '', `Changes since ${range.from}.`];
  if (parsed.length === 0) {
    out.push('', 'No changes.');
    return `${out.join('\n')}\n`;
  }
  const section = (title: string, lines: string[]) => {
    if (lines.length > 0) out.push('', `### ${title}`, '', ...lines);
  };
  section(
    'Breaking changes',
    parsed.filter((c) => c.breaking !== undefined).map((c) => line(c, c.breaking!)),
  );
  const known = new Set(SECTIONS.map(([t]) => t));
  for (const [type, title] of SECTIONS) {
    section(
      title,
      parsed.filter((c) => c.type === type).map((c) => line(c, c.description)),
    );
  }
  section(
    'Other',
    parsed.filter((c) => c.type === undefined || !known.has(c.type)).map((c) => line(c, c.description)),
  );
  return `${out.join('\n')}\n`;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/** The commits reachable from `to` but not from `from`, newest first, without merges. */
export function gitCommits(dir: string, from: string, to: string): Promise<Commit[]> {
  for (const ref of [from, to]) {
    if (ref.startsWith('-') || ref.includes('..')) {
      return Promise.reject(new SlipwayError('usage', `"${ref}" is not a tag or commit`));
    }
  }
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['log', '--no-merges', `--format=%H${FIELD}%s${FIELD}%b${RECORD}`, `${from}..${to}`, '--'],
      { cwd: dir, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const unknown = /unknown revision|bad revision|ambiguous argument/.test(stderr);
          reject(
            new SlipwayError(
              unknown ? 'usage' : 'failed',
              `git log ${from}..${to} failed: ${stderr.trim() || err.message}`,
              {
                hint: unknown
                  ? 'Name tags or commits that exist in the repository (git tag -l).'
                  : 'Is this a git repository?',
              },
            ),
          );
          return;
        }
        const commits = stdout
          .split(RECORD)
          .map((r) => r.replace(/^\n/, ''))
          .filter((r) => r.trim() !== '')
          .map((r) => {
            const [hash = '', subject = '', body = ''] = r.split(FIELD);
            return { hash, subject, body: body.trim() };
          });
        resolve(commits);
      },
    );
  });
}

export async function releaseNotes(dir: string, from: string, to: string): Promise<string> {
  return formatReleaseNotes(await gitCommits(dir, from, to), { from, to });
}
