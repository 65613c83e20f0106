// A flag as a release on the local cluster, through the real CLI: the demo service reads the flag
// with the OpenFeature SDK and the flagd provider (file mode, the ConfigMap projected into its pod);
// `slipway flag set` rolls it out 10 % → 50 % → 100 % with analysis between the steps, and the
// answers' variant shares (grouped by the rollout share the flag metadata reports) are within 4σ;
// `slipway rollback --kind flag` restores the earlier state; a failing analysis switches the flag off
// by itself; a user without the role is refused; every change is in the audit log.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { loadPlatform } from '../../src/config/load.ts';
import { flagStatus } from '../../src/flags/index.ts';
import { connect } from '../../src/kube/client.ts';
import { type LocalCluster, startLocalCluster } from '../../src/localcluster/cluster.ts';
import { openStore } from '../../src/store/index.ts';
import { DEMO_SERVICE, slipway } from '../promotion-cli/support.ts';

let dir = '';
let cluster: LocalCluster | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-flags-'));
  cpSync(resolve(import.meta.dirname, 'fixtures', 'flagged'), dir, { recursive: true });
  const file = join(dir, 'slipway.yaml');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace('../../../../demo-service/server.mjs', DEMO_SERVICE),
  );
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  writeFileSync(
    join(dir, 'values.yaml'),
    `${readFileSync(join(dir, 'values.yaml'), 'utf8')}ports:\n  http: ${port}\nservice:\n  port: ${port}\n`,
  );
  cluster = await startLocalCluster({
    dir: join(dir, '.slipway', 'cluster'),
    imageMappings: [{ image: 'example.test/flagged/*', command: ['node', DEMO_SERVICE], cwd: dir }],
    backoffBaseMs: 200,
    log: () => {},
  });
});
after(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  variant: string;
  percent: number | undefined;
}

/** Requests through the Service proxy until stopped, one targeting key (x-request-id) each. */
function traffic(url: string, headers: Record<string, string> = {}) {
  const answers: Answer[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const res = await fetch(url, { headers: { 'x-request-id': randomUUID(), ...headers } });
        const body = (await res.json()) as { flag?: { metadata?: { percent?: number } } };
        answers.push({
          status: res.status,
          variant: res.headers.get('x-flag-variant') ?? '',
          percent: body.flag?.metadata?.percent,
        });
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

test('a flag rolled out progressively, rolled back, switched off by a failing analysis; gated and audited', async () => {
  const ok = (r: { code: number; stdout: string; stderr: string }, what: string) =>
    assert.equal(r.code, 0, `${what}\n${r.stdout}\n${r.stderr}`);
  ok(await slipway(dir, 'dana', ['deploy', 'web', '--env', 'dev']), 'deploy');
  const client = await connect({ kubeconfigPath: cluster!.kubeconfigPath, namespace: 'flagged-dev' });
  const svc = await client.get('v1', 'Service', 'web', 'flagged-dev');
  const port = (svc?.spec as { ports: Array<{ port: number }> }).ports[0]!.port;
  const url = `http://${(svc?.spec as { clusterIP: string }).clusterIP}:${port}/`;

  // A user without the deployer role is refused; nothing is written.
  const refused = await slipway(dir, 'vic', ['flag', 'set', 'new-flow', '--env', 'dev', '--variant', 'on']);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /vic may not/);
  assert.equal(await client.get('v1', 'ConfigMap', 'slipway-flags', 'flagged-dev'), undefined);

  // Progressive rollout with analysis between the steps.
  const load = traffic(url);
  const rollout = await slipway(dir, 'dana', ['flag', 'set', 'new-flow', '--env', 'dev', '--variant', 'on']);
  await load.stop();
  ok(rollout, 'flag set (progressive)');
  assert.match(rollout.stdout, /flag new-flow revision 1 deployed to dev: on/);
  for (const p of [10, 50]) {
    const group = load.answers.filter((a) => a.percent === p && a.status === 200);
    const n = group.length;
    const on = group.filter((a) => a.variant === 'on').length;
    const sigma = Math.sqrt(n * (p / 100) * (1 - p / 100));
    assert.ok(n >= 30, `enough answers at ${p} %: ${n}`);
    assert.ok(Math.abs(on - (n * p) / 100) <= 4 * sigma, `${p} %: ${on} of ${n} on (σ ${sigma.toFixed(1)})`);
  }
  const full = load.answers.filter((a) => a.percent === 100 && a.variant !== '');
  assert.ok(full.length > 0 && full.every((a) => a.variant === 'on'), 'at 100 % every answer is on');

  // Rollback of the flag release: back to the state before it (off, the desired state).
  const back = await slipway(dir, 'dana', ['rollback', 'new-flow', '--kind', 'flag', '--env', 'dev']);
  ok(back, 'rollback --kind flag');
  assert.match(back.stdout, /flag new-flow revision 2 deployed to dev: off/);

  // The on variant now fails its requests: the analysis after 10 % fails and the flag goes off.
  const faulty = traffic(url, { 'x-fault-variant': 'on' });
  const failing = await slipway(dir, 'dana', ['flag', 'set', 'new-flow', '--env', 'dev', '--variant', 'on']);
  await faulty.stop();
  assert.equal(failing.code, 1, failing.stdout + failing.stderr);
  assert.match(failing.stdout, /flag new-flow revision 3 rolled-back: .*switched off/);
  // What `slipway flag list` prints, read in process (one CLI start less).
  const [status] = await flagStatus(client, await loadPlatform(dir), 'dev');
  assert.deepEqual(status?.live, { variant: 'off', percent: 100 });
  assert.equal(`${status?.latest?.revision} ${status?.latest?.status}`, '3 rolled-back');
  const history = await slipway(dir, 'dana', ['flag', 'history', 'new-flow', '--env', 'dev', '-o', 'json']);
  const records = JSON.parse(history.stdout) as Array<{
    revision: number;
    status: string;
    steps: Array<{ name: string }>;
  }>;
  assert.deepEqual(
    records.map((r) => `${r.revision} ${r.status}`),
    ['3 rolled-back', '2 deployed', '1 superseded'],
  );
  assert.ok(records[0]!.steps.some((s) => s.name.startsWith('switch off')));

  const s = await openStore(undefined, dir);
  try {
    const entries = (await s.listAudit()).map(
      (e) => `${e.action} ${e.actor} ${e.detail.flag ?? '-'} ${e.detail.outcome ?? ''}`,
    );
    for (const expected of [
      'flag-set dana new-flow requested',
      'flag-set dana new-flow succeeded',
      'flag-rollback dana new-flow requested',
      'flag-rollback dana new-flow succeeded',
      'flag-set dana new-flow failed',
    ])
      assert.ok(entries.includes(expected), `audit has "${expected}":\n${entries.join('\n')}`);
    assert.ok(
      entries.some((e) => e.startsWith('permission-denied vic')),
      entries.join('\n'),
    );
  } finally {
    await s.close();
  }
});
