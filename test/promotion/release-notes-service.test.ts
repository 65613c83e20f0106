// Release notes of one service in a monorepo (real git): only the commits touching its paths, with the
// ticket keys and pull requests of each commit and of the merge that brought it in, linked through the
// URL templates, breaking changes first; and the whole repository, said so, when no paths are set.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { references, releaseNotes } from '../../src/promotion/release-notes.ts';

let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const h = (subject: string) => git('rev-parse', '--short=7', `:/${subject}`);
let n = 0;
function commit(file: string, message: string) {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), `${n++}\n`);
  git('add', file);
  git('commit', '-q', '-m', message);
}

const LINKS = {
  ticketUrl: 'https://jira.example/browse/{key}',
  pullRequestUrl: 'https://git.example/org/repo/pull/{number}',
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-notes-svc-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.com');
  git('config', 'commit.gpgsign', 'false');
  commit('README.md', 'chore: initial');
  git('tag', 'v1.0.0');
  commit('services/booking/src/a.ts', 'feat(booking): waiting list BOOK-12 (#40)');
  commit('services/search/src/a.ts', 'feat(search): fuzzy names SRCH-3');
  commit('services/booking/src/b.ts', 'fix!: reservations keep their time zone\n\nCloses BOOK-14.');
  // A pull request merged with a merge commit: its commit names neither ticket nor PR itself.
  git('switch', '-q', '-c', 'feature/BOOK-20-reminders');
  commit('services/booking/src/c.ts', 'feat: reminder e-mails');
  commit('services/search/src/b.ts', 'perf(search): smaller index');
  git('switch', '-q', 'main');
  git(
    'merge',
    '-q',
    '--no-ff',
    '-m',
    'Merge pull request #51 from org/feature/BOOK-20-reminders',
    'feature/BOOK-20-reminders',
  );
  commit('docs/guide.md', 'docs: platform guide');
  git('tag', 'v1.1.0');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('references: ticket keys and pull-request numbers, in the forms commits use', () => {
  assert.deepEqual(references('feat: x ABC-123 (#7)\n\nRefs: #8, DEF-9. &#38; not-a-key X-1a'), {
    tickets: ['ABC-123', 'DEF-9'],
    pullRequests: [7, 8],
  });
  assert.deepEqual(references('Merge pull request #123 from org/JIRA-4-x').pullRequests, [123]);
  assert.deepEqual(references('fix: ops#1 and TICKET_55', 'TICKET_\\d+').tickets, ['TICKET_55']);
});

test("one service's notes: only its commits, tickets and pull requests linked, breaking first", async () => {
  const md = await releaseNotes(dir, 'v1.0.0', 'v1.1.0', {
    ...LINKS,
    service: 'booking',
    paths: ['services/booking/**'],
  });
  const jira = (k: string) => `[${k}](https://jira.example/browse/${k})`;
  const pr = (k: number) => `[#${k}](https://git.example/org/repo/pull/${k})`;
  assert.equal(
    md,
    [
      '## booking v1.1.0',
      '',
      'Changes since v1.0.0.',
      'Commits touching `services/booking/**`.',
      '',
      '### Breaking changes',
      '',
      `- reservations keep their time zone (${jira('BOOK-14')}) (${h('keep their time zone')})`,
      '',
      '### Features',
      '',
      `- reminder e-mails (${jira('BOOK-20')}, ${pr(51)}) (${h('reminder e-mails')})`,
      `- **booking:** waiting list BOOK-12 (${jira('BOOK-12')}, ${pr(40)}) (${h('waiting list')})`,
      '',
      '### Bug fixes',
      '',
      `- reservations keep their time zone (${jira('BOOK-14')}) (${h('keep their time zone')})`,
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(md, /search|guide/);
});

test('no paths: the whole repository, and the notes say so; no templates: plain references', async () => {
  const md = await releaseNotes(dir, 'v1.0.0', 'v1.1.0', { service: 'search' });
  assert.match(
    md,
    /^## search v1\.1\.0\n\nChanges since v1\.0\.0\.\nCommits of the whole repository \(set `services\.search\.paths`/,
  );
  assert.match(md, /- \*\*search:\*\* fuzzy names SRCH-3 \(SRCH-3\)/);
  assert.match(md, /- \*\*search:\*\* smaller index \(BOOK-20, #51\)/);
  assert.match(md, /- platform guide \(/);
  const custom = await releaseNotes(dir, 'v1.0.0', 'v1.1.0', {
    service: 'search',
    paths: ['services/search/**'],
    ticketPattern: 'SRCH-\\d+',
  });
  assert.match(custom, /fuzzy names SRCH-3 \(SRCH-3\)/);
  assert.match(custom, /smaller index \(#51\)/);
  assert.doesNotMatch(custom, /booking|BOOK/);
});
