// Job, PodDisruptionBudget and HorizontalPodAutoscaler controllers against the in-memory store, with
// the test playing kubelet (pod phases) and metrics source (CPU seconds per pod).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { type Controllers, startControllers } from '../../src/localcluster/controllers/index.ts';
import { type Kinds, nowIso, resolveKinds } from '../../src/localcluster/controllers/util.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { ObjectStore } from '../../src/localcluster/store/types.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

type Obj = Record<string, unknown>;
const settle = async (c: Controllers) => {
  await new Promise((r) => setTimeout(r, 5));
  await c.idle();
};

describe('workload controllers', () => {
  let store: ObjectStore;
  let kinds: Kinds;
  let controllers: Controllers | undefined;
  const cpu = new Map<string, number>();
  afterEach(() => controllers?.stop());

  function start(hpaSyncMs = 60_000): void {
    store = createMemoryStore();
    kinds = resolveKinds(store);
    controllers = startControllers({
      store,
      kinds,
      hpaSyncMs,
      cpu: { cpuSeconds: (ns, name) => cpu.get(`${ns}/${name}`) },
      onError: (c, k, e) => {
        throw new Error(`${c} ${k}: ${String(e)}`);
      },
    });
  }
  const pods = () => store.list(kinds.pod, { namespace: 'default' }).items;
  const setPhase = (p: KubeObject, phase: string, ready = false) =>
    store.update(
      kinds.pod,
      {
        ...p,
        status: {
          phase,
          podIP: '127.1.0.9',
          conditions: [
            {
              type: 'Ready',
              status: ready ? 'True' : 'False',
              lastTransitionTime: nowIso(Date.now() - 60_000),
            },
          ],
        },
      },
      { subresource: 'status' },
    );
  const job = (extra: Obj = {}) =>
    store.create(kinds.job, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', namespace: 'default' },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'm:1' }] } },
        ...extra,
      },
    });
  const jobStatus = () => (store.get(kinds.job, 'default', 'migrate')!.status ?? {}) as Obj;

  it('runs a Job to completion', async () => {
    start();
    job({ completions: 2, parallelism: 1 });
    await settle(controllers!);
    assert.equal(pods().length, 1);
    assert.equal(pods()[0]!.metadata.labels?.['job-name'], 'migrate');
    setPhase(pods()[0]!, 'Succeeded');
    await settle(controllers!);
    assert.equal(pods().length, 2);
    setPhase(pods().find((p) => (p.status as Obj).phase !== 'Succeeded')!, 'Succeeded');
    await settle(controllers!);
    const s = jobStatus();
    assert.equal(s.succeeded, 2);
    assert.ok(s.completionTime);
    assert.deepEqual(
      ((s.conditions as Obj[]) ?? []).map((c) => [c.type, c.status]),
      [['Complete', 'True']],
    );
  });

  it('fails a Job after backoffLimit failed pods', async () => {
    start();
    job({ backoffLimit: 1 });
    for (let i = 0; i < 2; i++) {
      await settle(controllers!);
      setPhase(pods().find((p) => (p.status as Obj).phase !== 'Failed')!, 'Failed');
    }
    await settle(controllers!);
    const c = ((jobStatus().conditions as Obj[]) ?? [])[0]!;
    assert.equal(c.type, 'Failed');
    assert.equal(c.reason, 'BackoffLimitExceeded');
    assert.equal(jobStatus().failed, 2);
  });

  it('fails a Job that runs longer than activeDeadlineSeconds', async () => {
    start();
    job({ activeDeadlineSeconds: 1 });
    await settle(controllers!);
    await new Promise((r) => setTimeout(r, 1_200));
    await settle(controllers!);
    assert.equal(((jobStatus().conditions as Obj[]) ?? [])[0]?.reason, 'DeadlineExceeded');
    assert.ok(pods().every((p) => p.metadata.deletionTimestamp) || pods().length === 0);
  });

  it('reports PodDisruptionBudget status', async () => {
    start();
    store.create(kinds.pdb, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'default' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    });
    for (let i = 0; i < 3; i++) {
      const p = store.create(kinds.pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `web-${i}`, namespace: 'default', labels: { app: 'web' } },
        spec: { containers: [] },
      });
      setPhase(p, 'Running', i < 3);
    }
    await settle(controllers!);
    const s = store.get(kinds.pdb, 'default', 'web')!.status as Obj;
    assert.deepEqual(
      [s.expectedPods, s.currentHealthy, s.desiredHealthy, s.disruptionsAllowed],
      [3, 3, 2, 1],
    );
  });

  it('scales a Deployment on the CPU its pods use, within min/max', async () => {
    start(200);
    store.create(kinds.deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'a', image: 'a', resources: { requests: { cpu: '100m' } } }] },
        },
      },
    });
    store.create(kinds.hpa, {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
        ],
      },
    });
    await settle(controllers!);
    for (const p of pods()) setPhase(p, 'Running', true);
    // Each pod burns a whole core: 1000 % of its 100m request, 20x the target → capped at maxReplicas.
    const started = Date.now();
    const burn = setInterval(() => {
      for (const p of pods()) cpu.set(`default/${p.metadata.name}`, (Date.now() - started) / 1000);
    }, 20);
    let hpa: Obj = {};
    try {
      const end = Date.now() + 5_000;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        const d = store.get(kinds.deployment, 'default', 'web')!;
        hpa = store.get(kinds.hpa, 'default', 'web')!.status as Obj;
        if ((d.spec as Obj).replicas === 5) break;
      }
    } finally {
      clearInterval(burn);
    }
    assert.equal((store.get(kinds.deployment, 'default', 'web')!.spec as Obj).replicas, 5);
    assert.equal(hpa.desiredReplicas, 5);
    const util = (((hpa.currentMetrics as Obj[])[0]!.resource as Obj).current as Obj)
      .averageUtilization as number;
    assert.ok(util > 500, `utilization ${util}`);
    const events = store
      .list(kinds.event, { namespace: 'default' })
      .items.filter((e) => e.reason === 'SuccessfulRescale');
    assert.match(
      String(events[0]?.message),
      /New size: 5; reason: cpu resource utilization \(percentage of request\) above target/,
    );
  });
});
