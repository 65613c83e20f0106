// Every CLI command that changes what runs (cluster) or what is decided (store) passes the same gates,
// shown through the real CLI on the local cluster: refused for a user without the role (exit 1,
// nothing changed, `permission-denied` audited); refused while the environment is frozen unless an
// admin overrides it with a reason (audited); audited (requested, then the outcome) when it runs.
// The list of commands is checked against the CLI itself, so a new command must be classified here.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.ts';
import { loadPlatform } from '../../src/config/load.ts';
import { connect, type KubeClient } from '../../src/kube/client.ts';
import type { LocalCluster } from '../../src/localcluster/cluster.ts';
import { serviceTarget } from '../../src/release/engine.ts';
import { openStore } from '../../src/store/index.ts';
import type { AuditRecord } from '../../src/store/types.ts';
import { type CliResult, slipway as run } from '../promotion-cli/support.ts';
import { startFixturePlatform } from './support.ts';

/** Commands that change what runs or what is decided, each with the gates it passes. */
const STATE_CHANGING = [
  'deploy',
  'rollback',
  'resume',
  'abort',
  'promote',
  'apply',
  'approve',
  'reject',
  'freeze',
  'unfreeze',
  'token',
  // Its gates (role, freeze, audit) are tested in test/flags/flag-release.test.ts.
  'flag',
] as const;
/** Commands that read only (`status` finishes an interrupted release through the resume operation). */
const READ_ONLY = [
  'values',
  'render',
  'lint',
  'capacity',
  'diff',
  'status',
  'history',
  'plan',
  'approvals',
  'audit',
  'release-notes',
];
/** Commands that touch only this machine: a new platform's files, the local cluster, the demo's copy. */
const LOCAL_ONLY = ['init', 'cluster', 'demo'];
/** Commands that run until stopped: `serve` calls the same operations for its callers (test/server/). */
const LONG_RUNNING = ['serve'];
/** Clients of a server (test/server/remote-cli.test.ts): the server's operations apply their gates. */
const SERVER_CLIENT = ['login', 'logout', 'runs'];

describe('the gates of every state-changing command (CLI, local cluster)', () => {
  let dir: string;
  let cluster: LocalCluster | undefined;
  let dev: KubeClient;
  const slipway = (user: string, args: string[]): Promise<CliResult> => run(dir, user, args, {}, 120_000);

  /** The audit log, oldest first. */
  const audit = async (): Promise<AuditRecord[]> => {
    const s = await openStore(undefined, dir);
    try {
      return await s.listAudit();
    } finally {
      await s.close();
    }
  };
  /** What a refused command must leave as it was: release history, workloads, promotions, freezes. */
  const state = async (): Promise<string> => {
    const parts: string[] = [];
    for (const ns of ['gated-dev', 'gated-prod']) {
      const secrets = await dev.list('v1', 'Secret', { namespace: ns });
      parts.push(...secrets.map((o) => `${ns}/${o.metadata.name}@${o.metadata.resourceVersion}`));
      const deployments = await dev.list('apps/v1', 'Deployment', { namespace: ns });
      parts.push(...deployments.map((o) => `${ns}/${o.metadata.name}@${o.metadata.resourceVersion}`));
    }
    const s = await openStore(undefined, dir);
    try {
      parts.push(
        JSON.stringify(await s.listPromotions()),
        JSON.stringify(await s.listFreezes()),
        JSON.stringify(await s.listApiTokens()),
      );
    } finally {
      await s.close();
    }
    return parts.sort().join('\n');
  };
  const ok = (r: CliResult, what: string) => assert.equal(r.code, 0, `${what}\n${r.stdout}\n${r.stderr}`);

  before(async () => {
    ({ dir, cluster } = await startFixturePlatform('gated'));
    dev = await connect({ kubeconfigPath: cluster.kubeconfigPath, namespace: 'gated-dev' });
  });
  after(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every command of the CLI is classified', () => {
    const names = buildProgram().commands.map((c) => c.name());
    assert.deepEqual(
      [...names].sort(),
      [...STATE_CHANGING, ...READ_ONLY, ...LOCAL_ONLY, ...LONG_RUNNING, ...SERVER_CLIENT].sort(),
      'a new command must be listed here, and its gates tested if it changes state',
    );
  });

  test('each runs for a permitted user and is audited: requested, then its outcome', async () => {
    ok(await slipway('dana', ['deploy', 'web', '--env', 'dev']), 'deploy v1');
    ok(await slipway('dana', ['deploy', 'web', '--env', 'dev', '--image-tag', 'v2']), 'deploy v2');
    ok(await slipway('dana', ['rollback', 'web', '--env', 'dev', '--reason', 'v2 is slow']), 'rollback');
    ok(await slipway('dana', ['resume', 'web', '--env', 'dev']), 'resume (nothing to resume)');
    // A canary that pauses until promoted: advanced by `promote --env --full` while its deploy waits.
    // Its first release has no stable version to split traffic with, so it rolls out whole (as Argo
    // Rollouts does); the second one runs the steps.
    ok(await slipway('dana', ['deploy', 'can', '--env', 'dev']), 'first canary release');
    const canary = slipway('dana', ['deploy', 'can', '--env', 'dev', '--image-tag', 'v2']);
    const deadline = Date.now() + 60_000;
    const platform = await loadPlatform(dir);
    const paused = async () => {
      const r = await serviceTarget(dev, { platform, service: 'can', environment: 'dev' }).history.latest(
        'can',
      );
      return r?.status === 'pending' && r.steps.some((x) => x.name.includes('pause') && !x.endedAt);
    };
    let settled: CliResult | undefined;
    void canary.then((r) => {
      settled = r;
    });
    while (!(await paused())) {
      assert.ok(
        !settled,
        `the canary deploy ended before it paused:\n${settled?.stdout}\n${settled?.stderr}`,
      );
      assert.ok(Date.now() < deadline, 'the canary never paused');
      await new Promise((r) => setTimeout(r, 500));
    }
    ok(await slipway('dana', ['promote', 'can', '--env', 'dev', '--full']), 'promote --env');
    ok(await canary, 'the canary release');
    ok(await slipway('dana', ['abort', 'can', '--env', 'dev']), 'abort (nothing running: idempotent)');
    // Back to the configured version (a rollback skips the canary steps), so `apply` finds it in sync.
    ok(await slipway('dana', ['rollback', 'can', '--env', 'dev']), 'rollback of the canary');
    const applied = await slipway('dana', ['apply', '--env', 'dev']);
    ok(applied, 'apply');
    assert.match(applied.stderr, /note: dev: autoDeploy takes effect only under `slipway serve`/);
    const req = await slipway('dana', ['promote', 'web', '--from', 'dev', '--to', 'prod']);
    ok(req, 'promote --from --to');
    const first = /promotion #(\d+) requested/.exec(req.stdout)![1]!;
    ok(await slipway('april', ['reject', first, '--reason', 'not this week']), 'reject');
    const again = await slipway('dana', ['promote', 'web', '--from', 'dev', '--to', 'prod']);
    const second = /promotion #(\d+) requested/.exec(again.stdout)![1]!;
    const approved = await slipway('april', ['approve', second]);
    ok(approved, 'approve (runs the promotion)');
    assert.match(approved.stdout, /web: deployed \(revision 1, v1\)/);
    ok(await slipway('ada', ['freeze', '--env', 'dev', '--reason', 'drill', '--for', '1h']), 'freeze');
    ok(await slipway('ada', ['unfreeze', '--env', 'dev', '--reason', 'drill over']), 'unfreeze');
    const created = await slipway('ada', [
      'token',
      'create',
      '--env',
      'dev',
      '--role',
      'deployer',
      '--expires',
      '1d',
    ]);
    ok(created, 'token create');
    assert.match(created.stdout, /^slw_[\w-]{43}$/m, 'the secret is printed once');
    ok(await slipway('ada', ['token', 'revoke', /token #(\d+)/.exec(created.stdout)![1]!]), 'token revoke');

    const entries = (await audit()).map((e) =>
      `${e.action} ${e.actor} ${e.environment} ${e.service ?? '-'} ${e.detail['outcome'] ?? ''}`.trim(),
    );
    for (const expected of [
      'deploy dana dev web requested',
      'deploy dana dev web succeeded',
      'rollback dana dev web requested',
      'rollback dana dev web succeeded',
      'resume dana dev web requested',
      'resume dana dev web succeeded',
      'deploy dana dev can requested',
      'advance dana dev can requested',
      'advance dana dev can succeeded',
      'deploy dana dev can succeeded',
      'abort dana dev can requested',
      'abort dana dev can succeeded',
      'apply dana dev - requested',
      'apply dana dev - succeeded',
      'promote dana prod web requested',
      'reject april prod web',
      'approve april prod web',
      'deploy april prod web succeeded',
      'freeze ada dev - requested',
      'freeze ada dev - succeeded',
      'unfreeze ada dev - requested',
      'unfreeze ada dev - succeeded',
      'token-create ada dev - succeeded',
      'token-revoke ada dev - succeeded',
    ])
      assert.ok(entries.includes(expected), `audit has "${expected}":\n${entries.join('\n')}`);
    const deployed = (await audit()).find(
      (e) => e.action === 'deploy' && e.detail['outcome'] === 'succeeded',
    );
    assert.deepEqual(deployed?.detail['identity'], { source: 'SLIPWAY_USER', authenticated: false });
  });

  const cases: Array<{ name: string; args: (id: string) => string[]; env: string; permission: string }> = [
    {
      name: 'deploy',
      args: () => ['deploy', 'web', '--env', 'dev', '--image-tag', 'v3'],
      env: 'dev',
      permission: 'deploy',
    },
    { name: 'rollback', args: () => ['rollback', 'web', '--env', 'dev'], env: 'dev', permission: 'deploy' },
    { name: 'resume', args: () => ['resume', 'web', '--env', 'dev'], env: 'dev', permission: 'deploy' },
    { name: 'abort', args: () => ['abort', 'can', '--env', 'dev'], env: 'dev', permission: 'deploy' },
    {
      name: 'promote --env',
      args: () => ['promote', 'can', '--env', 'dev'],
      env: 'dev',
      permission: 'deploy',
    },
    { name: 'apply', args: () => ['apply', '--env', 'dev'], env: 'dev', permission: 'deploy' },
    {
      name: 'promote --from --to',
      args: () => ['promote', 'web', '--from', 'dev', '--to', 'prod'],
      env: 'prod',
      permission: 'deploy',
    },
    { name: 'approve', args: (id) => ['approve', id], env: 'prod', permission: 'approve' },
    { name: 'reject', args: (id) => ['reject', id, '--reason', 'no'], env: 'prod', permission: 'approve' },
    {
      name: 'freeze',
      args: () => ['freeze', '--env', 'dev', '--reason', 'x'],
      env: 'dev',
      permission: 'admin',
    },
    {
      name: 'unfreeze',
      args: () => ['unfreeze', '--env', 'dev', '--reason', 'x'],
      env: 'dev',
      permission: 'admin',
    },
    {
      name: 'token create',
      args: () => ['token', 'create', '--env', 'dev', '--role', 'deployer', '--expires', '30d'],
      env: 'dev',
      permission: 'admin',
    },
  ];

  test('a user without the role is refused: exit 1, nothing changed, permission-denied audited', async () => {
    // A pending request for approve and reject to act on (dana may request; vic may not decide).
    const req = await slipway('dana', ['promote', 'web', '--from', 'dev', '--to', 'prod']);
    ok(req, 'a pending request');
    const id = /promotion #(\d+) requested/.exec(req.stdout)![1]!;
    for (const c of cases) {
      const before = await state();
      const r = await slipway('vic', c.args(id));
      assert.equal(r.code, 1, `${c.name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`vic may not \\S+.* ${c.env}`), c.name);
      assert.equal(await state(), before, `${c.name} changed nothing`);
      const last = (await audit()).at(-1)!;
      assert.equal(
        `${last.action} ${last.actor} ${last.environment}`,
        `permission-denied vic ${c.env}`,
        c.name,
      );
      assert.equal(last.detail['action'], c.permission, c.name);
    }
    ok(await slipway('dana', ['reject', id, '--reason', 'withdrawn']), 'the requester withdraws it');
  });

  test('a freeze refuses every release, an admin overrides it with a reason, both audited', async () => {
    const req = await slipway('dana', ['promote', 'web', '--from', 'dev', '--to', 'prod']);
    const id = /promotion #(\d+) requested/.exec(req.stdout)![1]!;
    ok(await slipway('ada', ['freeze', '--env', 'dev', '--reason', 'incident INC-1']), 'freeze dev');
    ok(
      await slipway('ada', ['freeze', '--env', 'prod', '--reason', 'incident INC-1', '--for', '2h']),
      'freeze prod',
    );
    // Tokens change who may call the server, not what runs: a freeze does not stop them.
    const frozen = cases.filter((c) => !['freeze', 'unfreeze', 'reject', 'token create'].includes(c.name));
    for (const c of frozen) {
      const before = await state();
      const r = await slipway(c.name === 'approve' ? 'april' : 'dana', c.args(id));
      assert.equal(r.code, 1, `${c.name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /is frozen \(declared freeze #\d+ by ada: incident INC-1\)/, c.name);
      assert.equal(await state(), before, `${c.name} changed nothing`);
      const last = (await audit()).at(-1)!;
      assert.equal(last.detail['outcome'], 'refused', c.name);
    }
    // The override: a reason, and only an admin.
    const clusterCases = frozen.filter((c) => c.env === 'dev');
    for (const c of clusterCases) {
      const denied = await slipway('dana', [...c.args(id), '--override-freeze', 'hot fix of INC-1']);
      assert.equal(denied.code, 1, c.name);
      assert.match(denied.stderr, /dana may not administer dev/, c.name);
    }
    for (const c of clusterCases) {
      const r = await slipway('ada', [...c.args(id), '--override-freeze', 'fix for INC-1']);
      // promote --env finds no paused release: the gates passed, the operation itself answered.
      if (c.name === 'promote --env') assert.match(r.stderr, /no release of can is running/);
      else ok(r, `${c.name} --override-freeze`);
      const requested = (await audit()).find(
        (e) =>
          e.actor === 'ada' &&
          e.detail['outcome'] === 'requested' &&
          e.detail['freezeOverride'] !== undefined &&
          e.action === (c.name === 'promote --env' ? 'advance' : c.name),
      );
      assert.ok(requested, `${c.name}: the override is audited`);
      assert.equal(requested.detail['freezeOverride'], 'fix for INC-1');
    }
    ok(await slipway('april', ['reject', id, '--reason', 'frozen anyway']), 'reject is not a release');
    ok(await slipway('ada', ['unfreeze', '--env', 'dev', '--reason', 'resolved']), 'unfreeze');
    const list = await slipway('vic', ['freeze', '--env', 'dev', '--list']);
    assert.match(list.stdout, /dev is not frozen/);
  });

  test('a plain deploy into an environment that needs approvals is refused and pointed at promote', async () => {
    ok(await slipway('ada', ['unfreeze', '--env', 'prod', '--reason', 'resolved']), 'unfreeze prod');
    const before = await state();
    const r = await slipway('dana', ['deploy', 'web', '--env', 'prod', '--image-tag', 'v9']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /prod needs 1 approval; a plain deploy cannot carry them/);
    assert.match(r.stderr, /slipway promote web --from dev --to prod/);
    assert.equal(await state(), before);
    const last = (await audit()).at(-1)!;
    assert.equal(`${last.action} ${last.detail['outcome']}`, 'deploy refused');
  });
});
