// Promotion into environments/<B>.yaml: only version and digest change, the rest stays byte-for-byte;
// --commit makes one commit and refuses unrelated uncommitted changes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import {
  commitDesiredState,
  promoteDesiredState,
  promoteDesiredStateWithChanges,
} from '../../src/promotion/desired-state.ts';
import { SlipwayError } from '../../src/shared/errors.ts';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

const FROM = `apiVersion: slipway.dev/v1
kind: DesiredState
environment: preprod
services:
  telemed-api:
    version: v4.3.0
    digest: ${D2}
    replicas: 2
  portal:
    version: "1.10"
  ingest:
    version: v2.8.0
`;

const TO = `# Desired state of prod — reviewed by the platform owners.
apiVersion: slipway.dev/v1
kind: DesiredState
environment: prod
services:
  telemed-api:
    version: v4.2.0 # pinned after incident 42
    digest: ${D1}
    replicas: 3
    resources:
      requests: { memory: 768Mi }

    env:
      LOG_LEVEL: "info"
  portal:
    version: '1.9'
    digest: ${D1}
  ingest:
    replicas: 1
`;

test('one service: only its version and digest change, byte for byte elsewhere', () => {
  const out = promoteDesiredState(FROM, TO, 'telemed-api');
  assert.equal(
    out,
    TO.replace('v4.2.0', 'v4.3.0').replace(
      `digest: ${D1}\n    replicas: 3`,
      `digest: ${D2}\n    replicas: 3`,
    ),
  );
});

test('all services: quoting kept and needed, stale digest removed, missing version inserted', () => {
  const { text, changes } = promoteDesiredStateWithChanges(FROM, TO, 'all');
  assert.equal(
    text,
    TO.replace('v4.2.0', 'v4.3.0')
      .replace(`digest: ${D1}\n    replicas: 3`, `digest: ${D2}\n    replicas: 3`)
      .replace(`version: '1.9'\n    digest: ${D1}\n`, `version: '1.10'\n`)
      .replace('  ingest:\n    replicas: 1\n', '  ingest:\n    version: v2.8.0\n    replicas: 1\n'),
  );
  assert.deepEqual(changes, [
    { service: 'ingest', key: 'version', from: undefined, to: 'v2.8.0' },
    { service: 'portal', key: 'version', from: '1.9', to: '1.10' },
    { service: 'portal', key: 'digest', from: D1, to: undefined },
    { service: 'telemed-api', key: 'version', from: 'v4.2.0', to: 'v4.3.0' },
    { service: 'telemed-api', key: 'digest', from: D1, to: D2 },
  ]);
  const js = parseDocument(text).toJS();
  assert.equal(js.services.portal.version, '1.10', 'stays a string');
});

test('a plain value YAML would misread is quoted; an approved version overrides the source file', () => {
  const to = 'services:\n  a:\n    version: v1\n';
  assert.equal(
    promoteDesiredState('', to, 'a', { a: { version: '1.10' } }),
    'services:\n  a:\n    version: "1.10"\n',
  );
  const withDigest = promoteDesiredState('', to, 'a', { a: { version: 'v2', digest: D2 } });
  assert.equal(withDigest, `services:\n  a:\n    version: v2\n    digest: ${D2}\n`);
});

test('a service missing in the target, or a flow map, goes through the Document API keeping comments', () => {
  const to = '# keep me\nservices:\n  other: { version: v1 } # flow\n';
  const out = promoteDesiredState(
    'services:\n  other:\n    version: v2\n  new:\n    version: v9\n',
    to,
    'all',
  );
  assert.match(out, /^# keep me\n/);
  assert.match(out, /# flow/);
  const js = parseDocument(out).toJS();
  assert.deepEqual(js.services, { other: { version: 'v2' }, new: { version: 'v9' } });
});

test('nothing to change: the text is returned as it was; unknown service is an error', () => {
  const same = promoteDesiredState(FROM, FROM.replace('preprod', 'prod'), 'all');
  assert.equal(same, FROM.replace('preprod', 'prod'));
  assert.throws(
    () => promoteDesiredState(FROM, TO, 'nope'),
    (e: unknown) =>
      e instanceof SlipwayError && e.type === 'notFound' && /nope has no version/.test(e.message),
  );
});

test('commitDesiredState: one commit of that file; refuses unrelated changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-git-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  try {
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.com');
    git('config', 'commit.gpgsign', 'false');
    mkdirSync(join(dir, 'environments'));
    writeFileSync(join(dir, 'environments', 'prod.yaml'), TO);
    writeFileSync(join(dir, 'other.txt'), 'a\n');
    git('add', '.');
    git('commit', '-q', '-m', 'initial');

    // Other staged work stays staged and out of the commit.
    writeFileSync(join(dir, 'other.txt'), 'b\n');
    git('add', 'other.txt');
    const next = promoteDesiredState(FROM, TO, 'telemed-api');
    const sha = await commitDesiredState(
      dir,
      'environments/prod.yaml',
      'promote telemed-api v4.3.0 to prod',
      next,
    );
    assert.equal(sha, git('rev-parse', 'HEAD'));
    assert.equal(git('log', '--format=%s', '-1'), 'promote telemed-api v4.3.0 to prod');
    assert.equal(git('show', '--name-only', '--format=', 'HEAD'), 'environments/prod.yaml');
    assert.equal(readFileSync(join(dir, 'environments', 'prod.yaml'), 'utf8'), next);
    assert.equal(git('diff', '--cached', '--name-only'), 'other.txt');
    assert.equal(git('rev-list', '--count', 'HEAD'), '2');

    // Already written by the caller: still one commit.
    const next2 = promoteDesiredState(FROM, next, 'all');
    writeFileSync(join(dir, 'environments', 'prod.yaml'), next2);
    await commitDesiredState(dir, join(dir, 'environments', 'prod.yaml'), 'promote all', next2);
    assert.equal(git('rev-list', '--count', 'HEAD'), '3');
    // Nothing to do.
    assert.equal(await commitDesiredState(dir, 'environments/prod.yaml', 'again', next2), undefined);

    // Unrelated edits: refused, file untouched.
    writeFileSync(join(dir, 'environments', 'prod.yaml'), `${next2}# hand edit\n`);
    await assert.rejects(
      commitDesiredState(dir, 'environments/prod.yaml', 'x', promoteDesiredState(FROM, next2, 'all')),
      (e: unknown) =>
        e instanceof SlipwayError && e.type === 'conflict' && /uncommitted changes/.test(e.message),
    );
    assert.equal(readFileSync(join(dir, 'environments', 'prod.yaml'), 'utf8'), `${next2}# hand edit\n`);
    assert.equal(git('rev-list', '--count', 'HEAD'), '3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('commitDesiredState outside a git repository is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-nogit-'));
  try {
    await assert.rejects(
      commitDesiredState(dir, 'x.yaml', 'm', 'a: 1\n'),
      (e: unknown) => e instanceof SlipwayError && e.type === 'usage',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty, null or {} target gets a block map for the service', () => {
  const from = 'services:\n  a:\n    version: v1\n';
  for (const to of ['', 'services: {}\n', 'services:\n  a: {}\n', 'services:\n  a:\n', 'services:\n']) {
    assert.equal(
      promoteDesiredState(from, to, 'a'),
      'services:\n  a:\n    version: v1\n',
      JSON.stringify(to),
    );
  }
  assert.equal(
    promoteDesiredState(from, 'services:\n  b:\n    version: v0 # keep\n', 'a'),
    'services:\n  b:\n    version: v0 # keep\n  a:\n    version: v1\n',
  );
});
