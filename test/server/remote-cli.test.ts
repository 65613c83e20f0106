// The CLI as a client of `slipway serve` (issue 11 item 9), with real parts: the gated fixture on the
// local cluster, `slipway serve` and every CLI call as child processes of src/cli/main.ts, API tokens
// from `slipway token create`, and a real OpenID Provider (oidc-provider on loopback) for `slipway
// login`, whose browser the test plays over HTTP. Checked: no token is 401 with the login hint, a
// viewer token is 403 naming who may; a deploy through the server prints the local deploy's step
// lines and is audited as the token; status and history JSON equal the local commands'; Ctrl-C in a
// canary's pause detaches (exit 130), the release goes on, `runs follow` re-attaches and sees it end
// after `promote --env`; login stores a 0600 token the next command uses, logout removes it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { startFixturePlatform } from '../operations/support.ts';
import type { ReleaseTestEnv } from '../release/support.ts';
import { LOGIN_CLIENT, startProvider, type TestProvider, type TestUser } from './oidc-provider.ts';
import { cliRunner, type Replica, startReplica, until } from './serve-support.ts';

const USERS: Record<string, TestUser> = {
  dana: { sub: 'u-1001', email: 'dana@example.test', groups: ['developers'] },
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Step lines without times, versions, the lock's holder and create/update, which differ by run. */
const steps = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => /^[→✔✖-] /.test(l))
    .map((l) =>
      l
        .replace(/ \d+\.\d s$/, '')
        .replace(/\bv[12]\b/g, 'V')
        .replace(/held by \S+/, 'held by HOLDER')
        .replace(/to (create|update)$/, 'to CHANGE'),
    );

describe('the CLI through a server (--server, SLIPWAY_TOKEN, login)', () => {
  let dir = '';
  let cluster: LocalCluster | undefined;
  let provider: TestProvider | undefined;
  let replica: Replica | undefined;
  let callbackPort = 0;
  const config = mkdtempSync(join(tmpdir(), 'slipway-remote-config-'));
  const env = () => ({ dir }) as ReleaseTestEnv;
  const base = { SLIPWAY_USER: 'ada', TEST_OIDC_SECRET: LOGIN_CLIENT.secret, XDG_CONFIG_HOME: config };
  const runner = cliRunner(env, base);
  const as = (token: string | undefined) => cliRunner(env, { ...base, SLIPWAY_TOKEN: token ?? '' });
  const runners: Array<ReturnType<typeof cliRunner>> = [runner];
  const tokens: Record<string, string> = {};
  const remote = (_args: string[], token?: string) => {
    const r = as(token);
    runners.push(r);
    return r;
  };
  const server = () => ['--server', replica!.url];
  let localDeploy: { stdout: string; stderr: string } = { stdout: '', stderr: '' };

  before(async () => {
    callbackPort = await freePort();
    provider = await startProvider(USERS, `http://127.0.0.1:${callbackPort}/callback`);
    ({ dir, cluster } = await startFixturePlatform('gated', {
      editPlatform: (yaml) =>
        `${yaml.replace('  dana: { groups: [developers] }', '  dana: { email: dana@example.test, groups: [developers] }')}server:\n  oidc:\n    issuer: ${provider!.issuer}\n    clientId: ${LOGIN_CLIENT.id}\n    clientSecretEnv: TEST_OIDC_SECRET\n`,
    }));
    // Independent set-up in parallel (each CLI process costs seconds): a token, the first release of
    // each service (a canary's first release rolls out whole; its second runs the steps), the server.
    const token = async (name: string, role: string) => {
      const r = await runner.run([
        'token',
        'create',
        '--env',
        'dev',
        '--role',
        role,
        '--expires',
        '1h',
        '--name',
        name,
        '-o',
        'json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      tokens[name] = (JSON.parse(r.stdout) as { token: string }).token;
    };
    const deploy = (svc: string) => runner.run(['deploy', svc, '--env', 'dev', '--image-tag', 'v1']);
    await token('ci', 'deployer'); // creates the store: its migrations run once, before the others
    const [web, can] = await Promise.all([
      deploy('web'),
      deploy('can'),
      token('watcher', 'viewer'),
      startReplica(runner).then((r) => {
        replica = r;
      }),
    ]);
    for (const r of [web, can]) assert.equal(r.code, 0, r.stderr);
    localDeploy = web;
  });
  after(async () => {
    for (const r of runners) r.killAll();
    await cluster?.stop();
    await provider?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  });

  test('no token: 401 says to log in; a viewer token: 403 names who may deploy', async () => {
    const [none, viewer, refused] = await Promise.all([
      remote([]).run(['deploy', 'web', '--env', 'dev', ...server()]),
      remote([], tokens['watcher']).run(['deploy', 'web', '--env', 'dev', ...server()]),
      remote([], tokens['ci']).run(['diff', 'web', '--env', 'dev', ...server()]),
    ]);
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, new RegExp(`slipway login --server ${replica!.url}`));
    assert.equal(viewer.code, 1, viewer.stderr);
    assert.match(viewer.stderr, /token:watcher may not deploy to dev/);
    assert.match(viewer.stderr, /holds viewer in dev only/);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /diff does not go through a server/);
  });

  test('a deploy prints the local step lines, is audited as the token; status and history equal local', async () => {
    const local = localDeploy;
    const ci = remote([], tokens['ci']);
    const r = await ci.run(['deploy', 'web', '--env', 'dev', '--image-tag', 'v2', ...server()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web revision 2 deployed to dev \(v2\)$/m);
    assert.deepEqual(steps(r.stderr), steps(local.stderr));
    assert.ok(steps(r.stderr).length >= 4, r.stderr);

    const history = ['history', 'web', '--env', 'dev', '-o', 'json'];
    const status = ['status', '--env', 'dev', '-o', 'json'];
    const [audit, h1, h2, s1, s2] = await Promise.all([
      ci.run(['audit', '--env', 'dev', '--action', 'deploy', '-o', 'json', ...server()]),
      runner.run(history),
      ci.run([...history, ...server()]),
      runner.run([...status, '--no-resume']),
      ci.run([...status, ...server()]),
    ]);
    assert.equal(audit.code, 0, audit.stderr);
    const done = (
      JSON.parse(audit.stdout) as Array<{ actor: string; service: string; detail: Record<string, unknown> }>
    ).filter((e) => e.detail['outcome'] === 'succeeded' && e.service === 'web');
    assert.deepEqual(
      done.map((e) => e.actor),
      ['ada', 'token:ci'],
    );
    assert.equal(h2.code, 0, h2.stderr);
    assert.deepEqual(JSON.parse(h2.stdout), JSON.parse(h1.stdout));
    assert.equal(s2.code, 0, s2.stderr);
    // The server answers status from its watch cache: equal once it has seen the last change.
    const same = (a: string, b: string) => JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
    if (!same(s1.stdout, s2.stdout))
      await until(
        'remote status to equal local status',
        async () => {
          const [a, b] = await Promise.all([
            runner.run([...status, '--no-resume']),
            ci.run([...status, ...server()]),
          ]);
          return same(a.stdout, b.stdout) || undefined;
        },
        15_000,
      );
  });

  test('Ctrl-C in a paused canary detaches (130); the release goes on, runs follow sees it end', async () => {
    const ci = remote([], tokens['ci']);
    const deploy = ci.start(['deploy', 'can', '--env', 'dev', '--image-tag', 'v2', ...server()]);
    await until(
      'the canary in its pause',
      async () =>
        /→ step \d+\/\d+: pause/.test(deploy.output().stderr) || deploy.child.exitCode !== null || undefined,
      30_000,
    );
    assert.equal(deploy.child.exitCode, null, deploy.output().stderr);
    process.kill(deploy.child.pid!, 'SIGINT');
    const d = await deploy.done;
    assert.equal(d.code, 130, d.stderr);
    const id = /slipway runs follow (\S+)/.exec(d.stderr)?.[1];
    assert.ok(id, d.stderr);
    assert.match(d.stderr, /nothing was stopped/);

    const follow = ci.start(['runs', 'follow', id, ...server()]);
    const promote = await ci.run(['promote', 'can', '--env', 'dev', ...server()]);
    assert.equal(promote.code, 0, promote.stderr + promote.stdout);
    const f = await follow.done;
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /can revision \d+ deployed to dev \(v2\)/);
  });

  test('login (OIDC code + PKCE on a loopback port) stores a token the next command uses; logout removes it', async () => {
    const login = runner.start([
      'login',
      '--no-browser',
      '--callback-port',
      String(callbackPort),
      ...server(),
    ]);
    const url = await until(
      'the login URL',
      async () => /^ {2}(http\S+)$/m.exec(login.output().stderr)?.[1],
      20_000,
    );
    const back = await provider!.authorize(url)('dana');
    assert.equal(`${back.origin}${back.pathname}`, `http://127.0.0.1:${callbackPort}/callback`);
    const page = await fetch(back);
    assert.equal(page.status, 200, await page.clone().text());
    const l = await login.done;
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /logged in to .* as dana@example\.test/);
    const file = join(config, 'slipway', 'credentials.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const noEnvToken = remote([], undefined);
    const h = await noEnvToken.run(['history', 'web', '--env', 'dev', ...server()]);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /token:ci/);
    const out = await runner.run(['logout', ...server()]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(existsSync(file), false, 'the only stored token is gone');
  });
});
