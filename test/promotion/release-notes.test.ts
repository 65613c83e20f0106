// Release notes from a real temporary git repository with tags and conventional commits.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseCommit, releaseNotes } from '../../src/promotion/release-notes.ts';
import { SlipwayError } from '../../src/shared/errors.ts';

let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const short = (ref: string) => git('rev-parse', '--short=7', ref);
let n = 0;
function commit(message: string) {
  writeFileSync(join(dir, 'file.txt'), `${n++}\n`);
  git('add', 'file.txt');
  git('commit', '-q', '-m', message);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-notes-'));
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.com');
  git('config', 'commit.gpgsign', 'false');
  commit('chore: initial');
  git('tag', 'v1.0.0');
  commit('feat(booking): waiting list');
  commit('fix: double booking on retry');
  commit('perf(search): cache practitioner lookups');
  commit('refactor!: drop the v1 API\n\nClients must move to /v2.');
  commit('docs: promotion guide');
  commit('chore(deps): bump yaml');
  commit('feat(api): new auth flow\n\nBREAKING CHANGE: tokens from the old issuer\nare rejected.\nRefs: #12');
  commit('Update README');
  git('tag', 'v1.1.0');
  commit('fix: after the tag');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('parseCommit: type, scope, bang and BREAKING CHANGE footer', () => {
  assert.deepEqual(parseCommit({ hash: 'h', subject: 'feat(x)!: y', body: '' }), {
    hash: 'h',
    type: 'feat',
    scope: 'x',
    description: 'y',
    breaking: 'y',
    tickets: [],
    pullRequests: [],
  });
  assert.equal(parseCommit({ hash: 'h', subject: 'fix: y', body: 'BREAKING-CHANGE: z' }).breaking, 'z');
  assert.equal(parseCommit({ hash: 'h', subject: 'Merge stuff', body: '' }).type, undefined);
});

test('release notes between two tags, grouped, breaking changes first', async () => {
  const md = await releaseNotes(dir, 'v1.0.0', 'v1.1.0');
  const h = (subject: string) => short(`:/${subject}`);
  assert.equal(
    md,
    [
      '## v1.1.0',
      '',
      'Changes since v1.0.0.',
      '',
      '### Breaking changes',
      '',
      `- **api:** tokens from the old issuer are rejected. (#12) (${h('new auth flow')})`,
      `- drop the v1 API (${h('drop the v1 API')})`,
      '',
      '### Features',
      '',
      `- **api:** new auth flow (#12) (${h('new auth flow')})`,
      `- **booking:** waiting list (${h('waiting list')})`,
      '',
      '### Bug fixes',
      '',
      `- double booking on retry (${h('double booking')})`,
      '',
      '### Performance',
      '',
      `- **search:** cache practitioner lookups (${h('cache practitioner')})`,
      '',
      '### Refactoring',
      '',
      `- drop the v1 API (${h('drop the v1 API')})`,
      '',
      '### Documentation',
      '',
      `- promotion guide (${h('promotion guide')})`,
      '',
      '### Chores',
      '',
      `- **deps:** bump yaml (${h('bump yaml')})`,
      '',
      '### Other',
      '',
      `- Update README (${h('Update README')})`,
      '',
    ].join('\n'),
  );
});

test('commits as refs, an empty range, and an unknown ref', async () => {
  const head = git('rev-parse', 'HEAD');
  const md = await releaseNotes(dir, 'v1.1.0', head);
  assert.match(md, /### Bug fixes\n\n- after the tag/);
  assert.match(await releaseNotes(dir, 'v1.1.0', 'v1.1.0'), /No changes\./);
  await assert.rejects(
    releaseNotes(dir, 'v0.0.1', 'v1.1.0'),
    (e: unknown) => e instanceof SlipwayError && e.type === 'usage' && /v0.0.1/.test(e.message),
  );
  await assert.rejects(
    releaseNotes(dir, '--output=/tmp/x', 'v1.1.0'),
    (e: unknown) => e instanceof SlipwayError && e.type === 'usage',
  );
});
