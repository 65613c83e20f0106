// The rolling strategy end to end on the local cluster with the demo service: a good version rolls
// out with no failed request, bad versions (never ready, crash-looping, failing its smoke test) are
// rolled back automatically with the reason recorded, and a second concurrent deploy is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deploy, RELEASE_STATUS, serviceTarget } from '../../src/release/index.ts';
import { serviceUrl } from '../../src/release/smoke.ts';
import { SlipwayError } from '../../src/shared/errors.ts';
import { NAMESPACE, type ReleaseTestEnv, recordingEvents, startReleaseEnv, trafficTo } from './support.ts';

describe('rolling releases on the local cluster', () => {
  let env: ReleaseTestEnv;
  let url: string | undefined;
  before(async () => {
    env = await startReleaseEnv();
  });
  after(async () => {
    await env?.close();
  });

  const release = (tag: string, set: string[] = [], timeoutMs = 20_000) =>
    deploy(
      env.client,
      {
        platform: env.platform,
        service: 'web',
        environment: 'dev',
        overrides: { imageTag: tag, set },
        user: 'tester',
        timeoutMs,
      },
      recordingEvents(),
    );

  const serviceAddress = async () => {
    const svc = await env.client.get('v1', 'Service', 'web', NAMESPACE);
    return svc ? serviceUrl(svc) : undefined;
  };

  test('the first release deploys and the Service answers', async () => {
    const r = await release('v1');
    assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
    assert.equal(r.revision, 1);
    assert.deepEqual(
      r.steps.map((s) => s.name),
      ['render', 'lint', 'lock', 'diff', 'apply', 'track rollout', 'smoke tests', 'prune'],
    );
    url = await serviceAddress();
    assert.ok(url);
    const info = (await (await fetch(`${url}/api/info`)).json()) as { version: string };
    assert.equal(info.version, 'v1');
  });

  test('a good version rolls out with zero failed requests', async () => {
    const traffic = trafficTo(() => url);
    await new Promise((r) => setTimeout(r, 300));
    const r = await release('v2');
    const seen = await traffic.stop();
    assert.equal(r.status, RELEASE_STATUS.deployed, JSON.stringify(r.failure));
    assert.equal(seen.failed, 0, seen.errors.join('; '));
    assert.ok(seen.ok > 10, `only ${seen.ok} requests`);
    const info = (await (await fetch(`${url}/api/info`)).json()) as { version: string };
    assert.equal(info.version, 'v2');
    const history = await serviceTarget(env.client, {
      platform: env.platform,
      service: 'web',
      environment: 'dev',
    }).history.list('web');
    assert.deepEqual(
      history.map((h) => h.status),
      ['deployed', 'superseded'],
    );
  });

  for (const [name, tag, set, reason] of [
    ['a never-ready version', 'v3', ['env.NEVER_READY=1'], /timed out: Deployment web.*not ready/],
    ['a crash-looping version', 'v4', ['env.CRASH_AFTER_MS=300'], /pod web-.* (CrashLoopBackOff|restarted)/],
    ['a version failing its smoke test', 'v5', ['env.ERROR_RATE=1'], /smoke test "home answers" failed/],
  ] as const) {
    test(`${name} is rolled back automatically`, async () => {
      const traffic = trafficTo(() => url);
      const r = await release(tag, [...set], 6_000);
      const seen = await traffic.stop();
      assert.equal(r.status, RELEASE_STATUS.failed);
      assert.match(r.failure?.reason ?? '', reason);
      assert.ok(
        r.steps.some((s) => s.name === 'rollback to revision 2' && s.outcome === 'ok'),
        JSON.stringify(r.steps),
      );
      if (tag !== 'v5') assert.equal(seen.failed, 0, seen.errors.join('; '));
      const info = (await (await fetch(`${url}/api/info`)).json()) as { version: string };
      assert.equal(info.version, 'v2');
    });
  }

  test('a dry run renders, checks and diffs but records and applies nothing', async () => {
    const h = serviceTarget(env.client, {
      platform: env.platform,
      service: 'web',
      environment: 'dev',
    }).history;
    const before = (await h.list('web')).length;
    const r = await deploy(
      env.client,
      {
        platform: env.platform,
        service: 'web',
        environment: 'dev',
        overrides: { imageTag: 'v99' },
        user: 'tester',
        dryRun: true,
      },
      recordingEvents(),
    );
    assert.equal(r.revision, 0);
    assert.match(r.steps.at(-1)?.detail ?? '', /to update/);
    assert.equal((await h.list('web')).length, before);
    const info = (await (await fetch(`${url}/api/info`)).json()) as { version: string };
    assert.equal(info.version, 'v2');
  });

  test('a second concurrent deploy is refused with the holder named', async () => {
    const first = release('v6');
    await new Promise((r) => setTimeout(r, 150));
    const second = deploy(
      env.client,
      {
        platform: env.platform,
        service: 'web',
        environment: 'dev',
        overrides: { imageTag: 'v7' },
        user: 'bob',
      },
      recordingEvents(),
    );
    await assert.rejects(
      second,
      (e: unknown) => e instanceof SlipwayError && e.type === 'locked' && /tester@/.test(e.message),
    );
    assert.equal((await first).status, RELEASE_STATUS.deployed);
  });
  test('a failing pre-deploy hook stops the release before any pod changes', async () => {
    const web = env.platform.platform.services.web!;
    const image = async () =>
      (
        (await env.client.get('apps/v1', 'Deployment', 'web', NAMESPACE))!.spec as {
          template: { spec: { containers: Array<{ image: string }> } };
        }
      ).template.spec.containers[0]!.image;
    const before = await image();
    try {
      web.hooks = {
        backup: { name: 'backup', image: 'example.test/tools/backup:1' }, // simulated: succeeds
        preDeploy: [
          {
            name: 'migrate',
            image: 'example.test/shop/migrate:1',
            env: { CRASH_AFTER_MS: '100', PORT: '0' },
          },
        ],
      };
      const failed = await release('v8');
      assert.equal(failed.status, RELEASE_STATUS.failed);
      assert.match(
        failed.failure?.reason ?? '',
        /pre-deploy hook migrate failed .*its log ends: .*crashing.*nothing was changed in the cluster/,
      );
      assert.ok(!failed.steps.some((s) => s.name === 'apply'));
      assert.equal(await image(), before);
      web.hooks = { backup: { name: 'backup', image: 'example.test/tools/backup:1' } };
      const ok = await release('v9');
      assert.equal(ok.status, RELEASE_STATUS.deployed, JSON.stringify(ok.failure));
      assert.equal(ok.steps.find((s) => s.name === 'pre-deploy hook backup')?.outcome, 'ok');
      assert.equal(await image(), 'example.test/shop/web:v9');
    } finally {
      delete web.hooks;
    }
  });

  test('post-deploy hooks and Job smoke tests run after the rollout; their failure rolls back', async () => {
    const web = env.platform.platform.services.web!;
    const saved = { hooks: web.hooks, smokeTests: web.smokeTests };
    const info = async () => ((await (await fetch(`${url}/api/info`)).json()) as { version: string }).version;
    const crashing = { image: 'example.test/shop/check:1', env: { CRASH_AFTER_MS: '100', PORT: '0' } };
    try {
      // Tools' images are not mapped: their Jobs are simulated and succeed after a second.
      web.hooks = {
        postDeploy: [{ name: 'warm-cache', image: 'example.test/tools/warm:1', timeout: '20s' }],
      };
      web.smokeTests = [
        ...(saved.smokeTests ?? []),
        { name: 'e2e checkout', job: { image: 'example.test/tools/e2e:1', timeout: '20s' } },
      ];
      const ok = await release('v10');
      assert.equal(ok.status, RELEASE_STATUS.deployed, JSON.stringify(ok.failure));
      assert.deepEqual(
        ok.steps.slice(4).map((s) => `${s.name}:${s.outcome}`),
        ['apply:ok', 'track rollout:ok', 'post-deploy hook warm-cache:ok', 'smoke tests:ok', 'prune:ok'],
      );
      assert.match(ok.steps.find((s) => s.name === 'smoke tests')!.detail!, /2 passed .*e2e checkout/);
      const job = await env.client.get(
        'batch/v1',
        'Job',
        `web-smoke-e2e-checkout-r${ok.revision}`,
        NAMESPACE,
      );
      const jobEnv = (
        job!.spec as {
          template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } };
        }
      ).template.spec.containers[0]!.env;
      assert.equal(
        jobEnv.find((e) => e.name === 'SLIPWAY_TARGET_URL')?.value,
        url,
        'the Job is told where to test',
      );

      // A failing post-deploy hook: the new version ran, so the previous revision is re-applied.
      web.hooks = { postDeploy: [{ name: 'warm-cache', ...crashing }] };
      const hookFailed = await release('v11');
      assert.equal(hookFailed.status, RELEASE_STATUS.failed);
      assert.match(
        hookFailed.failure!.reason,
        /post-deploy hook warm-cache failed \(Job web-warm-cache-r\d+\); its log ends: .*crashing/,
      );
      assert.equal(
        hookFailed.steps.find((s) => s.name === `rollback to revision ${ok.revision}`)?.outcome,
        'ok',
      );
      assert.ok(!hookFailed.steps.some((s) => s.name === 'smoke tests'), 'smoke tests come after the hooks');
      assert.equal(await info(), 'v10');

      // A failing Job smoke test: rolled back the same way.
      delete web.hooks;
      web.smokeTests = [{ name: 'e2e checkout', job: { ...crashing } }];
      const smokeFailed = await release('v12');
      assert.equal(smokeFailed.status, RELEASE_STATUS.failed);
      assert.match(smokeFailed.failure!.reason, /smoke test "e2e checkout" against web failed .*crashing/);
      assert.equal(
        smokeFailed.steps.find((s) => s.name === `rollback to revision ${ok.revision}`)?.outcome,
        'ok',
      );
      assert.equal(await info(), 'v10');
    } finally {
      delete web.hooks;
      if (saved.hooks) web.hooks = saved.hooks;
      delete web.smokeTests;
      if (saved.smokeTests) web.smokeTests = saved.smokeTests;
    }
  });
});
