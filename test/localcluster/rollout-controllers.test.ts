// The Deployment and ReplicaSet controllers against the in-memory store, with a fake kubelet that
// makes pods ready only when the test says so, so every step of a rollout can be checked.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resolveFenceposts } from '../../src/localcluster/controllers/deployment.ts';
import { type Controllers, startControllers } from '../../src/localcluster/controllers/index.ts';
import { type Kinds, nowIso, resolveKinds } from '../../src/localcluster/controllers/util.ts';
import { validateDeploymentStrategy } from '../../src/localcluster/resources/validation.ts';
import { createMemoryStore } from '../../src/localcluster/store/memory-store.ts';
import type { ObjectStore } from '../../src/localcluster/store/types.ts';
import type { KubeObject } from '../../src/shared/kube-types.ts';

type Obj = Record<string, unknown>;

function deployment(name: string, image: string, extra: Obj = {}, replicas = 3): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
      ...extra,
    },
  };
}

class Harness {
  store: ObjectStore = createMemoryStore();
  kinds: Kinds = resolveKinds(this.store);
  controllers: Controllers = startControllers({
    store: this.store,
    onError: (c, k, e) => {
      throw new Error(`${c} ${k}: ${String(e)}`);
    },
  });

  async settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    await this.controllers.idle();
  }

  pods(filter: (p: KubeObject) => boolean = () => true): KubeObject[] {
    return this.store.list(this.kinds.pod, { namespace: 'default' }).items.filter(filter);
  }

  replicaSets(): KubeObject[] {
    return this.store
      .list(this.kinds.replicaSet, { namespace: 'default' })
      .items.sort(
        (a, b) =>
          Number(a.metadata.annotations?.['deployment.kubernetes.io/revision']) -
          Number(b.metadata.annotations?.['deployment.kubernetes.io/revision']),
      );
  }

  deploy(name: string): KubeObject {
    return this.store.get(this.kinds.deployment, 'default', name)!;
  }

  /** Marks pods ready (the kubelet's job); `limit` caps how many. */
  ready(filter: (p: KubeObject) => boolean = () => true, limit = Number.POSITIVE_INFINITY): number {
    let n = 0;
    for (const p of this.pods((p) => !isReady(p) && filter(p))) {
      if (n >= limit) break;
      const ts = nowIso(Date.now() - 60_000);
      this.store.update(
        this.kinds.pod,
        {
          ...p,
          status: {
            phase: 'Running',
            podIP: `127.1.0.${n + 1}`,
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts }],
          },
        },
        { subresource: 'status' },
      );
      n++;
    }
    return n;
  }

  update(name: string, mutate: (spec: Obj) => void): void {
    const d = this.deploy(name);
    const spec = structuredClone(d.spec as Obj);
    mutate(spec);
    this.store.update(this.kinds.deployment, { ...d, spec });
  }

  stop(): void {
    this.controllers.stop();
  }
}

const isReady = (p: KubeObject) =>
  ((p.status as Obj | undefined)?.conditions as Obj[] | undefined)?.some(
    (c) => c.type === 'Ready' && c.status === 'True',
  ) ?? false;
const st = (o: KubeObject) => (o.status ?? {}) as Obj;
const replicasOf = (o: KubeObject) => Number((o.spec as Obj).replicas);
const cond = (o: KubeObject, type: string) =>
  ((st(o).conditions as Obj[] | undefined) ?? []).find((c) => c.type === type);
const setImage = (image: string) => (s: Obj) => {
  ((s.template as Obj).spec as { containers: Obj[] }).containers[0]!.image = image;
};

async function rolledOut(h: Harness, name: string, maxRounds = 50): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    await h.settle();
    h.ready();
    await h.settle();
    const d = h.deploy(name);
    if (
      cond(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
      st(d).updatedReplicas === replicasOf(d)
    )
      return;
  }
  assert.fail(`deployment ${name} did not finish: ${JSON.stringify(h.deploy(name).status)}`);
}

describe('deployment controller', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('creates a ReplicaSet named by the pod-template-hash and reports a complete rollout', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1'));
    await rolledOut(h, 'web');
    const [rs] = h.replicaSets();
    const hash = rs!.metadata.labels!['pod-template-hash']!;
    assert.equal(rs!.metadata.name, `web-${hash}`);
    assert.equal(
      ((rs!.spec as Obj).selector as Obj & { matchLabels: Obj }).matchLabels['pod-template-hash'],
      hash,
    );
    assert.equal(rs!.metadata.ownerReferences?.[0]?.uid, h.deploy('web').metadata.uid);
    assert.equal(rs!.metadata.ownerReferences?.[0]?.controller, true);
    const d = h.deploy('web');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual(
      { ...st(d), conditions: undefined },
      {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        unavailableReplicas: 0,
        conditions: undefined,
      },
    );
    assert.equal(cond(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(cond(d, 'Progressing')?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    assert.equal(h.pods().length, 3);
    for (const p of h.pods()) assert.equal(p.metadata.ownerReferences?.[0]?.name, rs!.metadata.name);
  });

  it('rolls with maxSurge 1 / maxUnavailable 0 one pod at a time, never below the desired availability', async () => {
    h = new Harness();
    h.store.create(
      h.kinds.deployment,
      deployment('web', 'web:1', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    await rolledOut(h, 'web');
    h.update('web', setImage('web:2'));
    let steps = 0;
    for (; steps < 20; steps++) {
      await h.settle();
      const pods = h.pods((p) => !p.metadata.deletionTimestamp);
      assert.ok(pods.length <= 4, `at most replicas + maxSurge pods, got ${pods.length}`);
      assert.ok(pods.filter(isReady).length >= 3, 'never fewer than 3 ready pods');
      const d = h.deploy('web');
      assert.ok(Number(st(d).availableReplicas) >= 3 || Number(st(d).updatedReplicas) === 0);
      if (st(d).updatedReplicas === 3 && st(d).replicas === 3 && st(d).availableReplicas === 3) break;
      h.ready(() => true, 1);
    }
    assert.equal(steps, 3, 'one step per replica');
    await h.settle();
    const rss = h.replicaSets();
    assert.deepEqual(rss.map(replicasOf), [0, 3]);
    assert.equal(h.deploy('web').metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  it('rounds maxSurge up and maxUnavailable down from percentages', async () => {
    const d = deployment(
      'web',
      'x',
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
      10,
    );
    assert.deepEqual(resolveFenceposts(d), { surge: 3, unavailable: 2 });
    assert.deepEqual(
      resolveFenceposts(
        deployment('w', 'x', { strategy: { rollingUpdate: { maxSurge: '10%', maxUnavailable: '10%' } } }, 5),
      ),
      { surge: 1, unavailable: 0 },
    );
    assert.equal(
      validateDeploymentStrategy(
        deployment('w', 'x', { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }),
      ).length,
      1,
    );
    h = new Harness();
    h.store.create(h.kinds.deployment, d);
    await rolledOut(h, 'web');
    h.update('web', setImage('web:2'));
    await h.settle();
    await h.settle();
    const [old, next] = h.replicaSets();
    assert.equal(replicasOf(next!), 5, 'new RS: 3 surge, then 2 more once old scaled down by maxUnavailable');
    assert.equal(replicasOf(old!), 8, 'old RS: 10 - maxUnavailable 2');
  });

  it('Recreate stops every old pod before starting new ones', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1', { strategy: { type: 'Recreate' } }));
    await rolledOut(h, 'web');
    const oldHash = h.replicaSets()[0]!.metadata.labels!['pod-template-hash'];
    let overlap = false;
    h.store.watch(h.kinds.pod, { namespace: 'default' }, (e) => {
      if (e.type !== 'ADDED' || e.object.metadata.labels?.['pod-template-hash'] === oldHash) return;
      if (h.pods((p) => p.metadata.labels?.['pod-template-hash'] === oldHash).length > 0) overlap = true;
    });
    h.update('web', setImage('web:2'));
    await rolledOut(h, 'web');
    assert.equal(overlap, false);
    assert.deepEqual(h.replicaSets().map(replicasOf), [0, 3]);
  });

  it('reports ProgressDeadlineExceeded when the new pods never become ready', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1', { progressDeadlineSeconds: 1 }));
    await rolledOut(h, 'web');
    h.update('web', setImage('web:broken'));
    await h.settle();
    const newRs = h.replicaSets()[1]!;
    assert.equal(cond(h.deploy('web'), 'Progressing')?.status, 'True');
    await new Promise((r) => setTimeout(r, 2_600));
    await h.settle();
    const c = cond(h.deploy('web'), 'Progressing');
    assert.equal(c?.status, 'False');
    assert.equal(c?.reason, 'ProgressDeadlineExceeded');
    assert.equal(c?.message, `ReplicaSet "${newRs.metadata.name}" has timed out progressing.`);
    assert.equal(cond(h.deploy('web'), 'Available')?.status, 'True', 'old pods keep it available');
  });

  it('a rollback reuses the ReplicaSet with the equal template and gives it the next revision', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1'));
    await rolledOut(h, 'web');
    const first = h.replicaSets()[0]!.metadata.name;
    h.update('web', setImage('web:2'));
    await rolledOut(h, 'web');
    h.update('web', setImage('web:1'));
    await rolledOut(h, 'web');
    const rss = h.replicaSets();
    assert.equal(rss.length, 2);
    const reused = rss.find((r) => r.metadata.name === first)!;
    assert.equal(reused.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(replicasOf(reused), 3);
    assert.equal(h.deploy('web').metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1', { revisionHistoryLimit: 1 }));
    for (const v of ['2', '3', '4']) {
      await rolledOut(h, 'web');
      h.update('web', setImage(`web:${v}`));
    }
    await rolledOut(h, 'web');
    await h.settle();
    const rss = h.replicaSets();
    assert.deepEqual(
      rss.map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']),
      ['3', '4'],
    );
  });

  it('makes no rollout progress while paused', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1'));
    await rolledOut(h, 'web');
    h.update('web', (s) => {
      s.paused = true;
      setImage('web:2')(s);
    });
    await h.settle();
    assert.equal(h.replicaSets().length, 1);
    assert.equal(cond(h.deploy('web'), 'Progressing')?.reason, 'DeploymentPaused');
    h.update('web', (s) => {
      s.paused = false;
    });
    await rolledOut(h, 'web');
    assert.equal(h.replicaSets().length, 2);
  });

  it('scales down not-ready pods first', async () => {
    h = new Harness();
    h.store.create(h.kinds.deployment, deployment('web', 'web:1', {}, 4));
    await h.settle();
    h.ready(() => true, 2);
    h.update('web', (s) => {
      s.replicas = 2;
    });
    await h.settle();
    const left = h.pods();
    assert.equal(left.length, 2);
    assert.ok(left.every(isReady));
  });
});
