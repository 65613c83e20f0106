// GitOps sync end to end: a real git repository in a temporary directory (the platform of the gates
// test under deploy/), `slipway serve`'s server on a loopback port with the local cluster, and a fixed
// token table standing in for the identity provider. A commit is rolled on within the poll interval,
// and at once through the signed webhook; a revert rolls back; a sync refused by the roles fails with
// its commit and is not retried until asked or a new commit; drift is reported, and repaired with
// selfHeal on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadPlatform } from '../../src/config/load.ts';
import { namespaceFor } from '../../src/config/model.ts';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import type { Authenticator, Caller } from '../../src/server/auth.ts';
import { GitopsController, type SyncStatus } from '../../src/server/gitops/controller.ts';
import { ServerMetrics } from '../../src/server/metrics.ts';
import { signature } from '../../src/server/notify/payload.ts';
import { RunRegistry } from '../../src/server/runs.ts';
import { type RunningServer, startServer } from '../../src/server/serve.ts';
import { openStore } from '../../src/store/index.ts';
import type { StateStore } from '../../src/store/types.ts';
import { DEMO_SERVICE } from '../promotion-cli/support.ts';

const FIXTURE = resolve(import.meta.dirname, '..', 'operations', 'fixtures', 'gated');
const INTERVAL_MS = 2000;
const SECRET = 'push-secret';
process.env.SLIPWAY_TEST_GIT_HOOK = SECRET;

const tokens: Record<string, Caller> = Object.fromEntries(
  ['dana', 'vic'].map((n) => [`t-${n}`, { name: n, authenticated: true, source: 'test' }]),
);
const table: Authenticator = { authenticate: async (t) => tokens[t] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

describe('GitOps sync (real git repository, local cluster, server on loopback)', () => {
  let root: string;
  let origin: string;
  let cluster: LocalCluster | undefined;
  let store: StateStore | undefined;
  let server: RunningServer | undefined;
  let kube: KubeClient;

  const git = (...args: string[]) =>
    execFileSync('git', ['-C', origin, '-c', 'user.name=Gil', '-c', 'user.email=gil@example.test', ...args], {
      encoding: 'utf8',
    }).trim();
  const devFile = () => join(origin, 'deploy', 'environments', 'dev.yaml');
  const platformFile = () => join(origin, 'deploy', 'slipway.yaml');
  const desired = (version: string) =>
    `apiVersion: slipway.dev/v1\nkind: DesiredState\nenvironment: dev\nservices:\n  web:\n    version: ${version}\n`;
  const commit = (message: string, edit: () => void): string => {
    edit();
    git('commit', '-qam', message);
    return git('rev-parse', 'HEAD');
  };
  const editPlatform = (from: string | RegExp, to: string) =>
    writeFileSync(platformFile(), readFileSync(platformFile(), 'utf8').replace(from, to));

  const call = async (user: string | undefined, method: string, path: string) =>
    fetch(`${server!.url}/api/v1${path}`, {
      method,
      headers: user ? { authorization: `Bearer t-${user}` } : {},
    });
  const status = async (): Promise<SyncStatus> => {
    const res = await call('vic', 'GET', '/environments/dev/sync');
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as SyncStatus;
  };
  const image = async () =>
    (
      (await kube.get('apps/v1', 'Deployment', 'web')) as
        | {
            spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
          }
        | undefined
    )?.spec?.template?.spec?.containers?.[0]?.image;
  const replicas = async () =>
    ((await kube.get('apps/v1', 'Deployment', 'web'))?.spec as { replicas?: number } | undefined)?.replicas;
  /** Waits until dev is synced to `sha` with `version` running; answers ms since `t0`. */
  const rolledOn = async (sha: string, version: string, t0: number, ms = 30_000) => {
    const applied = await waitFor(`${version} applied`, async () =>
      (await image())?.endsWith(`:${version}`) ? Date.now() - t0 : undefined,
    );
    await waitFor(
      `dev synced to ${sha.slice(0, 8)}`,
      async () => {
        const s = await status();
        return s.state === 'synced' && s.syncedCommit === sha;
      },
      ms,
    );
    return { applied, synced: Date.now() - t0 };
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'slipway-gitops-'));
    origin = join(root, 'origin');
    const platformDir = join(origin, 'deploy');
    mkdirSync(origin);
    execFileSync('git', ['init', '-q', '-b', 'main', origin]);
    cpSync(FIXTURE, platformDir, { recursive: true });
    // git keeps no empty directory, so a clean clone's fixture has no environments/.
    mkdirSync(join(platformDir, 'environments'), { recursive: true });
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    writeFileSync(
      join(platformDir, 'values.yaml'),
      `${readFileSync(join(platformDir, 'values.yaml'), 'utf8')}ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
    );
    editPlatform('../../../../demo-service/server.mjs', DEMO_SERVICE);
    // The gitops identity deploys where it syncs (docs/server.md, "GitOps").
    editPlatform('  vic: {}\n', '  vic: {}\n  gitops: {}\n');
    editPlatform('deployer: [developers]', 'deployer: [developers, gitops]');
    editPlatform(
      'localImages:',
      `gitops:\n  repository: ../origin\n  path: deploy\n  interval: ${INTERVAL_MS / 1000}s\n  webhookSecretEnv: SLIPWAY_TEST_GIT_HOOK\nlocalImages:`,
    );
    writeFileSync(devFile(), desired('v1'));
    git('add', '.');
    git('commit', '-qm', 'initial: web v1 in dev');
    // The server's own directory: a copy of the platform (it holds the store and the working copy).
    const serveDir = join(root, 'serve');
    cpSync(platformDir, serveDir, { recursive: true });

    cluster = await startLocalCluster({
      dir: join(root, 'cluster'),
      imageMappings: [{ image: 'example.test/gated/*', command: ['node', DEMO_SERVICE], cwd: root }],
      backoffBaseMs: 200,
      log: () => {},
    });
    const platform = await loadPlatform(serveDir);
    store = await openStore(undefined, serveDir);
    const kubeconfigPath = cluster.kubeconfigPath;
    kube = await connect({ kubeconfigPath, namespace: namespaceFor(platform, 'dev') });
    const gitops = new GitopsController(platform.platform.gitops!, platform);
    server = await startServer({
      platform: () => gitops.platform(),
      store,
      connect: async (p, env) => {
        const client = await connect({ kubeconfigPath, namespace: namespaceFor(p, env) });
        await client.ensureNamespace(namespaceFor(p, env));
        return client;
      },
      authenticators: [table],
      runs: new RunRegistry(),
      metrics: new ServerMetrics(),
      gitops,
      version: 'test',
    });
  });
  after(async () => {
    await server?.close().catch(() => {});
    await store?.close().catch(() => {});
    await cluster?.stop().catch(() => {});
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the first sync installs the desired state of the autoDeploy environment', async () => {
    const head = git('rev-parse', 'HEAD');
    const t = await rolledOn(head, 'v1', Date.now());
    const s = await status();
    assert.equal(s.lastAttempt?.commit, head);
    assert.deepEqual(s.lastAttempt?.services, ['web']);
    assert.equal(s.branch, 'main');
    console.log(`initial sync: v1 installed and synced in ${t.synced} ms`);
  });

  test('a commit is rolled on within the poll interval + 2 s', async () => {
    const t0 = Date.now();
    const sha = commit('web v2', () => writeFileSync(devFile(), desired('v2')));
    const t = await rolledOn(sha, 'v2', t0);
    console.log(
      `poll (interval ${INTERVAL_MS} ms): v2 applied ${t.applied} ms after the commit, synced after ${t.synced} ms`,
    );
    assert.ok(t.applied <= INTERVAL_MS + 2000, `applied after ${t.applied} ms`);
    const s = await status();
    assert.equal(s.lastAttempt?.trigger === 'poll' || s.lastAttempt?.trigger === 'webhook', true);
  });

  test('a push webhook syncs at once; a bad or missing signature is 401', async () => {
    const hook = (body: string, sig: string | undefined) =>
      fetch(`${server!.url}/api/v1/hooks/git`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          ...(sig ? { 'x-hub-signature-256': sig } : {}),
        },
        body,
      });
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    assert.equal((await hook(body, undefined)).status, 401);
    const bad = await hook(body, signature('wrong', body));
    assert.equal(bad.status, 401);
    assert.match(((await bad.json()) as { detail: string }).detail, /signature/);
    const other = JSON.stringify({ ref: 'refs/heads/feature' });
    assert.deepEqual(await (await hook(other, signature(SECRET, other))).json(), {
      sync: false,
      reason: 'not a push to refs/heads/main',
    });
    // Right after a poll, so that the next one is an interval away: the webhook is what syncs.
    const polled = (await status()).fetchedAt;
    await waitFor('a poll', async () => (await status()).fetchedAt !== polled);
    const t0 = Date.now();
    const sha = commit('web v3', () => writeFileSync(devFile(), desired('v3')));
    const res = await hook(body, signature(SECRET, body));
    assert.equal(res.status, 202);
    const t = await rolledOn(sha, 'v3', t0);
    console.log(`webhook: v3 applied ${t.applied} ms after the push, synced after ${t.synced} ms`);
    assert.equal((await status()).lastAttempt?.trigger, 'webhook');
    assert.ok(t.applied < INTERVAL_MS + 1000, `applied after ${t.applied} ms`);
  });

  test('a revert commit rolls back to the previous desired state', async () => {
    const t0 = Date.now();
    git('revert', '--no-edit', 'HEAD');
    const sha = git('rev-parse', 'HEAD');
    const t = await rolledOn(sha, 'v2', t0);
    console.log(`revert: v2 back ${t.applied} ms after the revert commit`);
    const history = (await (
      await call('vic', 'GET', '/environments/dev/services/web/history')
    ).json()) as Array<{
      version: { tag?: string };
      startedBy: string;
      status: string;
    }>;
    assert.equal(history[0]?.version.tag, 'v2');
    assert.equal(history[0]?.startedBy, 'gitops');
    assert.equal(history[0]?.status, 'deployed');
  });

  test('a sync refused by the roles fails with its commit; not retried until POST sync or a new commit', async () => {
    const sha = commit('web v4, and gitops loses the deployer role', () => {
      writeFileSync(devFile(), desired('v4'));
      editPlatform('deployer: [developers, gitops]', 'deployer: [developers]');
    });
    const failed = await waitFor('a failed sync', async () => {
      const s = await status();
      return s.state === 'failed' ? s : undefined;
    });
    assert.equal(failed.lastAttempt?.commit, sha);
    assert.match(failed.lastAttempt?.error ?? '', /gitops may not deploy to dev/);
    assert.match((await image()) ?? '', /:v2$/);
    const audit = async () =>
      (await (await call('vic', 'GET', '/audit?env=dev&action=sync')).json()) as Array<{
        actor: string;
        detail: Record<string, unknown>;
      }>;
    const failures = async () => (await audit()).filter((e) => e.detail['outcome'] === 'failed');
    const before = (await failures()).length;
    assert.ok(before >= 1);
    assert.equal((await failures()).at(-1)?.detail['commit'], sha);
    await sleep(INTERVAL_MS * 2 + 500);
    assert.equal((await failures()).length, before, 'not retried for the same commit');
    assert.equal((await status()).lastAttempt?.at, failed.lastAttempt?.at);

    assert.equal((await call('vic', 'POST', '/environments/dev/sync')).status, 403);
    const retry = await call('dana', 'POST', '/environments/dev/sync');
    assert.equal(retry.status, 202, await retry.clone().text());
    const again = await waitFor('the retry', async () => {
      const s = await status();
      return s.lastAttempt?.at !== failed.lastAttempt?.at && s.state === 'failed' ? s : undefined;
    });
    assert.equal(again.lastAttempt?.trigger, 'retry');
    assert.equal((await failures()).length, before + 1);
    assert.ok((await audit()).some((e) => e.actor === 'dana' && e.detail['outcome'] === 'requested'));

    const t0 = Date.now();
    const fixed = commit('gitops deploys to dev again', () =>
      editPlatform('deployer: [developers]', 'deployer: [developers, gitops]'),
    );
    await rolledOn(fixed, 'v4', t0);
  });

  test('drift is reported without selfHeal; with it a hand-scaled Deployment is put back', async () => {
    await kube.patch('apps/v1', 'Deployment', 'web', { spec: { replicas: 3 } }, { type: 'merge' });
    const drifted = await waitFor('drift reported', async () => {
      const s = await status();
      return s.drift.length > 0 ? s : undefined;
    });
    assert.equal(drifted.drift[0]?.service, 'web');
    assert.match(drifted.drift[0]?.fields.join('; ') ?? '', /spec\.replicas: 1 applied, 3 live/);
    assert.equal(drifted.selfHeal, false);
    await sleep(1500);
    assert.equal(await replicas(), 3, 'left as it is without selfHeal');

    // selfHeal is read from the newest commit: the sync of that commit repairs the drift.
    const sha = commit('self-heal dev', () =>
      editPlatform('  path: deploy\n', '  path: deploy\n  selfHeal: [dev]\n'),
    );
    await waitFor('drift repaired by the commit sync', async () =>
      (await replicas()) === 1 && (await status()).syncedCommit === sha ? true : undefined,
    );
    // A hand edit now is noticed by the watch and repaired at once.
    const t0 = Date.now();
    await kube.patch('apps/v1', 'Deployment', 'web', { spec: { replicas: 4 } }, { type: 'merge' });
    await waitFor('self-heal', async () => ((await replicas()) === 1 ? true : undefined));
    const healed = Date.now() - t0;
    console.log(`self-heal: a hand-scaled Deployment put back after ${healed} ms`);
    const s = await waitFor('no drift left', async () => {
      const st = await status();
      return st.drift.length === 0 && st.state === 'synced' ? st : undefined;
    });
    assert.equal(s.selfHeal, true);
    assert.equal(s.lastAttempt?.trigger, 'self-heal');
  });
});
