// Hooks and smoke tests in the progressive strategies, on the local cluster (document 001's
// reservations service): the backup Job, then the forward-only migration Job, complete before any pod
// of the release starts, in blue-green and in canary; a failing migration changes nothing that runs;
// a failing smoke test against blue-green's preview stops the switch; a failing smoke test after a
// canary's promotion rolls stable back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Hook } from '../../src/release/hooks.ts';
import { RELEASE_STATUS, type ReleaseRecord } from '../../src/release/index.ts';
import { settleScaleDowns } from '../../src/release/strategies/blue-green.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';
import { NAMESPACE, type ProgressiveEnv, release, startProgressiveEnv } from './support.ts';

const VERSION_LABEL = 'app.kubernetes.io/version';

/** When (local clock, as watch events arrive) each Job succeeded and each object first appeared. */
async function observe(env: ProgressiveEnv, service: string) {
  const jobDone = new Map<string, number>();
  const jobs = new Map<string, KubeObject>();
  const appeared = new Map<string, { at: number; object: KubeObject }>();
  const seen = (key: string, object: KubeObject) => {
    if (!appeared.has(key)) appeared.set(key, { at: Date.now(), object });
  };
  const watches = [
    await env.client.watch('batch/v1', 'Job', { namespace: NAMESPACE }, (e) => {
      const name = e.object.metadata.name ?? '';
      jobs.set(name, e.object);
      const succeeded = (e.object.status as { succeeded?: number } | undefined)?.succeeded ?? 0;
      if (succeeded > 0 && !jobDone.has(name)) jobDone.set(name, Date.now());
    }),
    await env.client.watch('v1', 'Pod', { namespace: NAMESPACE }, (e) => {
      const l = e.object.metadata.labels ?? {};
      // pods of the service's workloads only (hook and smoke Jobs' pods carry job-name)
      if (e.type === 'ADDED' && !l['job-name'] && l['app.kubernetes.io/name'] === service)
        seen(`pod ${l[VERSION_LABEL]}`, e.object);
    }),
    await env.client.watch('apps/v1', 'Deployment', { namespace: NAMESPACE }, (e) => {
      if (e.type === 'ADDED') seen(`deployment ${e.object.metadata.name}`, e.object);
    }),
  ];
  return {
    jobDone,
    jobs,
    appeared,
    stop: () => {
      for (const w of watches) w.stop();
    },
  };
}

const names = (r: ReleaseRecord) => r.steps.slice(4).map((s) => `${s.name}:${s.outcome}`);
const step = (r: ReleaseRecord, name: string) => r.steps.find((s) => s.name === name);

/** A migration that crashes (the mapped demo service with CRASH_AFTER_MS) after a log line. */
const failingMigration: Hook = {
  name: 'flyway-migrate',
  image: 'example.test/shop/flyway:10',
  env: { CRASH_AFTER_MS: '100', PORT: '0' },
  timeout: '20s',
};

describe('hooks and smoke tests in blue-green and canary releases', () => {
  let env: ProgressiveEnv;
  before(async () => {
    env = await startProgressiveEnv();
  });
  after(async () => {
    await settleScaleDowns();
    await env?.close();
  });

  const selector = async (service: string) =>
    (
      (await env.client.get('v1', 'Service', service, NAMESPACE))!.spec as {
        selector: Record<string, string>;
      }
    ).selector['slipway.dev/track'];
  const image = async (name: string) =>
    (
      (await env.client.get('apps/v1', 'Deployment', name, NAMESPACE))?.spec as
        | { template: { spec: { containers: Array<{ image: string }> } } }
        | undefined
    )?.template.spec.containers[0]?.image;
  const replicas = async (name: string) =>
    ((await env.client.get('apps/v1', 'Deployment', name, NAMESPACE))?.spec as { replicas: number }).replicas;

  /** The backup then the migration Job of revision `rev` succeeded before `firstAt`, server time too. */
  function assertHooksBefore(
    o: Awaited<ReturnType<typeof observe>>,
    service: string,
    rev: number,
    first: { at: number; object: KubeObject },
    what: string,
  ) {
    const backup = `${service}-db-backup-r${rev}`;
    const migrate = `${service}-flyway-migrate-r${rev}`;
    const backupDone = o.jobDone.get(backup);
    const migrateDone = o.jobDone.get(migrate);
    assert.ok(backupDone && migrateDone, `both Jobs succeeded: ${[...o.jobDone.keys()].join(', ')}`);
    const migrateJob = o.jobs.get(migrate)!;
    const server = (j: KubeObject, f: string) => Date.parse(String((j.status as Record<string, unknown>)[f]));
    // The migration starts only after the backup completed, and the release's first new object only
    // after the migration completed (by arrival of watch events, and by the server's second-resolution
    // timestamps).
    assert.ok(server(o.jobs.get(backup)!, 'completionTime') <= server(migrateJob, 'startTime'));
    assert.ok(backupDone <= migrateDone);
    assert.ok(
      migrateDone < first.at,
      `${what} appeared ${migrateDone - first.at} ms before the migration ended`,
    );
    assert.ok(
      server(migrateJob, 'completionTime') <= Date.parse(first.object.metadata.creationTimestamp ?? ''),
      `${what} created at ${first.object.metadata.creationTimestamp}, migration completed at ${String((migrateJob.status as Record<string, unknown>).completionTime)}`,
    );
    process.stderr.write(
      `# ${service} r${rev}: ${what} ${first.at - migrateDone} ms after the migration Job succeeded\n`,
    );
  }

  test('blue-green: backup, then migration, before any new pod; a failing migration or preview smoke test keeps the old colour', async () => {
    const svc = env.platform.platform.services.reservations!;
    const hooks = structuredClone(svc.hooks!);
    const first = await release(env, 'reservations', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    assert.deepEqual(names(first), [
      'pre-deploy hook db-backup:ok',
      'pre-deploy hook flyway-migrate:ok',
      'deploy idle colour:ok',
      'switch active Service:ok',
      'smoke tests (active):ok',
    ]);
    assert.equal(await selector('reservations'), 'blue');

    const o = await observe(env, 'reservations');
    let second: ReleaseRecord;
    try {
      second = await release(env, 'reservations', 'v2');
    } finally {
      o.stop();
    }
    assert.equal(second.status, RELEASE_STATUS.deployed, JSON.stringify(second.failure));
    assert.deepEqual(names(second), [
      'pre-deploy hook db-backup:ok',
      'pre-deploy hook flyway-migrate:ok',
      'deploy idle colour:ok',
      'smoke tests (preview):ok',
      'switch active Service:ok',
      'smoke tests (active):ok',
      'scale down old colour:ok',
    ]);
    assert.match(step(second, 'smoke tests (preview)')!.detail!, /against reservations-preview/);
    assertHooksBefore(o, 'reservations', second.revision, o.appeared.get('pod v2')!, 'the first v2 pod');
    assert.equal(await selector('reservations'), 'green');

    // A failing migration: nothing of v3 ever runs, green keeps serving v2.
    const o3 = await observe(env, 'reservations');
    let third: ReleaseRecord;
    try {
      svc.hooks = { ...hooks, preDeploy: [failingMigration] };
      third = await release(env, 'reservations', 'v3');
    } finally {
      svc.hooks = hooks;
      o3.stop();
    }
    assert.equal(third.status, RELEASE_STATUS.failed);
    assert.match(
      third.failure!.reason,
      /pre-deploy hook flyway-migrate failed \(Job reservations-flyway-migrate-r\d+\)/,
    );
    assert.match(third.failure!.reason, /its log ends: .*crashing/, 'the Job log tail is in the reason');
    assert.match(third.failure!.reason, /nothing was changed in the cluster/);
    assert.deepEqual(names(third), ['pre-deploy hook db-backup:ok', 'pre-deploy hook flyway-migrate:failed']);
    assert.equal(o3.appeared.get('pod v3'), undefined, 'no v3 pod was created');
    assert.equal(await selector('reservations'), 'green');
    assert.equal(await image('reservations-green'), 'example.test/shop/reservations:v2');

    // A version failing its smoke test against the preview: never switched to, its colour scaled to 0.
    const fourth = await release(env, 'reservations', 'v4', ['env.ERROR_RATE=1']);
    assert.equal(fourth.status, RELEASE_STATUS.failed);
    assert.match(
      fourth.failure!.reason,
      /smoke test "info" failed against reservations-preview: GET .* answered 500/,
    );
    assert.match(fourth.failure!.reason, /revision \d+ \(v2\) keeps serving/);
    assert.ok(!fourth.steps.some((s) => s.name === 'switch active Service'));
    assert.equal(await selector('reservations'), 'green');
    assert.equal(await image('reservations-blue'), 'example.test/shop/reservations:v4');
    assert.equal(await replicas('reservations-blue'), 0);
  });

  test('canary: hooks before the canary Deployment exists; a failing migration creates no canary; a failing smoke test rolls stable back', async () => {
    const svc = env.platform.platform.services.booking!;
    const hooks = structuredClone(svc.hooks!);
    const first = await release(env, 'booking', 'v1');
    assert.equal(first.status, RELEASE_STATUS.deployed, JSON.stringify(first.failure));
    assert.deepEqual(names(first), [
      'pre-deploy hook db-backup:ok',
      'pre-deploy hook flyway-migrate:ok',
      'apply:ok',
      'track rollout:ok',
      'smoke tests:ok',
      'prune:ok',
    ]);

    const o = await observe(env, 'booking');
    let second: ReleaseRecord;
    try {
      second = await release(env, 'booking', 'v2');
    } finally {
      o.stop();
    }
    assert.equal(second.status, RELEASE_STATUS.deployed, JSON.stringify(second.failure));
    assert.deepEqual(names(second), [
      'pre-deploy hook db-backup:ok',
      'pre-deploy hook flyway-migrate:ok',
      'apply:ok',
      'step 1/2: setWeight 50:ok',
      'step 2/2: pause 1s:ok',
      'promote:ok',
      'smoke tests:ok',
      'prune:ok',
    ]);
    assertHooksBefore(
      o,
      'booking',
      second.revision,
      o.appeared.get('deployment booking-canary')!,
      'booking-canary',
    );
    assertHooksBefore(o, 'booking', second.revision, o.appeared.get('pod v2')!, 'the first v2 pod');

    // A failing migration: no canary, stable still runs v2.
    const o3 = await observe(env, 'booking');
    let third: ReleaseRecord;
    try {
      svc.hooks = { ...hooks, preDeploy: [failingMigration] };
      third = await release(env, 'booking', 'v3');
    } finally {
      svc.hooks = hooks;
      o3.stop();
    }
    assert.equal(third.status, RELEASE_STATUS.failed);
    assert.match(
      third.failure!.reason,
      /pre-deploy hook flyway-migrate failed .*crashing.*nothing was changed/,
    );
    assert.equal(o3.appeared.get('deployment booking-canary'), undefined, 'no canary Deployment');
    assert.equal(o3.appeared.get('pod v3'), undefined, 'no v3 pod');
    assert.equal(await image('booking'), 'example.test/shop/booking:v2');

    // Answers 500 once promoted: the smoke test after promote fails and stable goes back to v2.
    const fourth = await release(env, 'booking', 'v4', ['env.ERROR_RATE=1']);
    assert.equal(fourth.status, RELEASE_STATUS.failed);
    assert.match(fourth.failure!.reason, /smoke test "info" failed against booking: GET .* answered 500/);
    assert.equal(step(fourth, 'promote')?.outcome, 'ok');
    assert.equal(step(fourth, `rollback to revision ${second.revision}`)?.outcome, 'ok');
    assert.equal(await image('booking'), 'example.test/shop/booking:v2');
    assert.equal(await env.client.get('apps/v1', 'Deployment', 'booking-canary', NAMESPACE), undefined);
  });
});
