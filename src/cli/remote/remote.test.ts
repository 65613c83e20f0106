// The pure parts of the CLI's remote mode: every command has a decided mode, server URLs are checked
// and keyed, stored tokens are 0600 and SLIPWAY_TOKEN wins, problem documents become the same errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildProgram } from '../program.ts';
import { problemError } from './client.ts';
import {
  credentialsPath,
  normalizeServerUrl,
  removeCredential,
  saveCredential,
  tokenFor,
} from './credentials.ts';
import { REMOTE_MODES } from './modes.ts';

test('every command has a remote mode', () => {
  const missing = buildProgram()
    .commands.map((c) => c.name())
    .filter((n) => !(n in REMOTE_MODES));
  assert.deepEqual(missing, []);
});

test('server URLs: https, or http on loopback only; keyed without a trailing slash', () => {
  assert.equal(normalizeServerUrl('https://slipway.example.com/'), 'https://slipway.example.com');
  assert.equal(normalizeServerUrl('http://127.0.0.1:8080/base/'), 'http://127.0.0.1:8080/base');
  assert.throws(() => normalizeServerUrl('http://slipway.example.com'), /must be https/);
  assert.throws(() => normalizeServerUrl('slipway.example.com'), /not a URL/);
});

test('stored tokens: 0600, per server; SLIPWAY_TOKEN wins; logout removes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-cred-'));
  const env = { XDG_CONFIG_HOME: dir };
  try {
    const a = 'https://a.example';
    saveCredential(a, { token: 'tok-a', kind: 'oidc', savedAt: 'now' }, env);
    saveCredential('https://b.example', { token: 'tok-b', kind: 'api', savedAt: 'now' }, env);
    assert.equal(credentialsPath(env), join(dir, 'slipway', 'credentials.json'));
    assert.equal(statSync(credentialsPath(env)).mode & 0o777, 0o600);
    assert.equal(tokenFor(a, env)?.token, 'tok-a');
    assert.equal(tokenFor(a, { ...env, SLIPWAY_TOKEN: 'from-env' })?.token, 'from-env');
    assert.equal(removeCredential(a, env), true);
    assert.equal(tokenFor(a, env), undefined);
    assert.equal(tokenFor('https://b.example', env)?.token, 'tok-b');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('problem documents become the error the server raised; 401 says how to log in', () => {
  const f = problemError(
    { errorType: 'forbidden', detail: 'vic may not deploy to dev', hint: 'ask' },
    'https://s',
  );
  assert.equal(f.type, 'forbidden');
  assert.equal(f.exitCode, 1);
  assert.equal(f.hint, 'ask');
  const u = problemError({ detail: 'no token' }, 'https://s', 401);
  assert.equal(u.type, 'unauthenticated');
  assert.match(u.hint ?? '', /slipway login --server https:\/\/s/);
  assert.equal(problemError({ errorType: 'usage', detail: 'x' }, 'https://s').exitCode, 2);
});
