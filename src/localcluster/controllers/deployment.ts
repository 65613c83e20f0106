// The Deployment controller, following kube-controller-manager's deployment sync: one ReplicaSet per
// pod template (`<name>-<pod-template-hash>`), RollingUpdate (maxSurge up, maxUnavailable down) or
// Recreate, revisions and rollback by reusing an equal ReplicaSet, revisionHistoryLimit cleanup,
// pause, and status with the Progressing / Available conditions `kubectl rollout status` reads.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore } from '../store/types.ts';
import {
  byCreation,
  DESIRED,
  HASH,
  MAX,
  podFinished,
  REVISION,
  replicasOf,
  resolveFenceposts,
  revisionOf,
  SKIP_ANNOTATIONS,
  statusNum,
} from './deployment-rollout.ts';
import { computeDeploymentStatus } from './deployment-status.ts';
import type { EventRecorder } from './events.ts';
import { errorCode, WorkQueue } from './queue.ts';
import { ownedPods } from './replicaset.ts';
import {
  canonicalJson,
  controllerOf,
  type Kinds,
  key,
  type Obj,
  ownedBy,
  ownerRef,
  spec,
  splitKey,
  status,
  templateHash,
  templateWithoutHash,
  watchControlled,
} from './util.ts';

export { type Fenceposts, REVISION, resolveFenceposts } from './deployment-rollout.ts';

export class DeploymentController {
  readonly queue: WorkQueue;
  private unwatch: Array<() => void> = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: Kinds,
    private readonly recorder: EventRecorder,
    onError?: (name: string, key: string, e: unknown) => void,
  ) {
    this.queue = new WorkQueue('deployment', (k) => this.sync(k), onError);
  }

  start(): void {
    const { store, kinds } = this;
    this.unwatch.push(store.watch(kinds.deployment, {}, (e) => this.queue.add(key(e.object))));
    this.unwatch.push(watchControlled(store, kinds.replicaSet, 'Deployment', (k) => this.queue.add(k)));
    // Recreate waits for the old pods to be gone, not just scaled away.
    this.unwatch.push(
      store.watch(kinds.pod, {}, (e) => {
        if (e.type !== 'DELETED') return;
        const ref = controllerOf(e.object);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = store.get(kinds.replicaSet, e.object.metadata.namespace, ref.name);
        const owner = rs && controllerOf(rs);
        if (owner?.kind === 'Deployment') this.queue.add(`${e.object.metadata.namespace}/${owner.name}`);
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.queue.stop();
  }

  private sync(k: string): void {
    const [ns, name] = splitKey(k);
    const d = this.store.get(this.kinds.deployment, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const all = this.store.list(this.kinds.replicaSet, {
      namespace: ns,
      filter: (rs) => ownedBy(rs, d),
    }).items;
    const template = spec(d).template;
    const wanted = canonicalJson(templateWithoutHash(template));
    let newRS = all.find((rs) => canonicalJson(templateWithoutHash(spec(rs).template)) === wanted);
    let old = all.filter((rs) => rs !== newRS);
    const paused = spec(d).paused === true;

    if (paused) {
      // No rollout progress while paused; only follow the replica count when one ReplicaSet is active.
      const active = all.filter((rs) => replicasOf(rs) > 0);
      if (active.length <= 1) {
        const only = active[0] ?? newRS;
        if (only && replicasOf(only) !== replicasOf(d)) this.scale(d, only, replicasOf(d));
      }
      this.syncStatus(d, newRS, old, false);
      return;
    }

    let created = false;
    if (!newRS) {
      const strategy = String((spec(d).strategy as Obj | undefined)?.type ?? 'RollingUpdate');
      const oldActive = old.some((rs) => replicasOf(rs) > 0);
      const initial =
        strategy === 'Recreate'
          ? oldActive
            ? 0
            : replicasOf(d)
          : Math.min(
              replicasOf(d),
              Math.max(
                0,
                replicasOf(d) + resolveFenceposts(d).surge - old.reduce((s, rs) => s + replicasOf(rs), 0),
              ),
            );
      newRS = this.createReplicaSet(d, old, initial);
      created = true;
    } else {
      newRS = this.ensureRevision(d, newRS, old);
    }
    this.setDeploymentRevision(d, newRS);

    const strategy = String((spec(d).strategy as Obj | undefined)?.type ?? 'RollingUpdate');
    if (strategy === 'Recreate') {
      const activeOld = old.filter((rs) => replicasOf(rs) > 0);
      if (activeOld.length > 0) {
        old = old.map((rs) => (replicasOf(rs) > 0 ? this.scale(d, rs, 0) : rs));
      } else if (old.some((rs) => ownedPods(this.store, this.kinds, rs).some((p) => !podFinished(p)))) {
        // Old pods are still terminating: the new ones start only after they are gone.
      } else if (replicasOf(newRS) !== replicasOf(d)) {
        newRS = this.scale(d, newRS, replicasOf(d));
      }
    } else {
      newRS = this.reconcileNew(d, newRS, [newRS, ...old]);
      old = this.reconcileOld(d, newRS, old);
    }
    this.syncStatus(d, newRS, old, created);
  }

  private createReplicaSet(d: KubeObject, old: KubeObject[], replicas: number): KubeObject {
    const ns = d.metadata.namespace ?? 'default';
    const template = structuredClone((spec(d).template as Obj | undefined) ?? {});
    const revision = Math.max(0, ...old.map(revisionOf)) + 1;
    let collisions = Number(status(d).collisionCount ?? 0);
    for (let attempt = 0; attempt < 10; attempt++, collisions++) {
      const hash = templateHash(template, collisions);
      const meta = (template.metadata as Obj | undefined) ?? {};
      const labels = { ...((meta.labels as Record<string, string> | undefined) ?? {}), [HASH]: hash };
      const selector = structuredClone((spec(d).selector as Obj | undefined) ?? {});
      selector.matchLabels = {
        ...((selector.matchLabels as Record<string, string> | undefined) ?? {}),
        [HASH]: hash,
      };
      const rs: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: ns,
          labels,
          annotations: {
            ...this.copiedAnnotations(d),
            [REVISION]: String(revision),
            ...this.sizeAnnotations(d),
          },
          ownerReferences: [ownerRef(d)],
        },
        spec: {
          replicas,
          minReadySeconds: Number(spec(d).minReadySeconds ?? 0),
          selector,
          template: { ...template, metadata: { ...meta, labels } },
        },
      };
      try {
        const created = this.store.create(this.kinds.replicaSet, rs);
        if (collisions !== Number(status(d).collisionCount ?? 0))
          this.writeStatus(d, { collisionCount: collisions });
        if (replicas > 0) {
          this.recorder.record(
            d,
            'Normal',
            'ScalingReplicaSet',
            `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`,
          );
        }
        return created;
      } catch (e) {
        if (errorCode(e) !== 409) throw e;
      }
    }
    throw new Error(`could not create a ReplicaSet for deployment ${ns}/${d.metadata.name}: name collisions`);
  }

  private copiedAnnotations(d: KubeObject): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {}))
      if (!SKIP_ANNOTATIONS.has(k)) out[k] = v;
    return out;
  }

  private sizeAnnotations(d: KubeObject): Record<string, string> {
    return { [DESIRED]: String(replicasOf(d)), [MAX]: String(replicasOf(d) + resolveFenceposts(d).surge) };
  }

  /** A reused ReplicaSet (rollback) gets the next revision number, as Kubernetes does. */
  private ensureRevision(d: KubeObject, rs: KubeObject, old: KubeObject[]): KubeObject {
    const next = Math.max(0, ...old.map(revisionOf)) + 1;
    if (revisionOf(rs) >= next) return rs;
    const fresh = this.store.get(this.kinds.replicaSet, rs.metadata.namespace, rs.metadata.name ?? '') ?? rs;
    return this.store.update(this.kinds.replicaSet, {
      ...fresh,
      metadata: {
        ...fresh.metadata,
        annotations: {
          ...(fresh.metadata.annotations ?? {}),
          ...this.copiedAnnotations(d),
          [REVISION]: String(next),
        },
      },
    });
  }

  private setDeploymentRevision(d: KubeObject, newRS: KubeObject): void {
    const rev = newRS.metadata.annotations?.[REVISION];
    if (!rev || d.metadata.annotations?.[REVISION] === rev) return;
    const fresh = this.store.get(this.kinds.deployment, d.metadata.namespace, d.metadata.name ?? '');
    if (!fresh) return;
    // Through /status, as kube-controller-manager does: the annotation must not bump the generation.
    const updated = this.store.update(
      this.kinds.deployment,
      {
        ...fresh,
        metadata: {
          ...fresh.metadata,
          annotations: { ...(fresh.metadata.annotations ?? {}), [REVISION]: rev },
        },
      },
      { subresource: 'status' },
    );
    d.metadata = updated.metadata;
  }

  private scale(d: KubeObject, rs: KubeObject, replicas: number): KubeObject {
    const fresh = this.store.get(this.kinds.replicaSet, rs.metadata.namespace, rs.metadata.name ?? '') ?? rs;
    const from = replicasOf(fresh);
    if (from === replicas) return fresh;
    const updated = this.store.update(this.kinds.replicaSet, {
      ...fresh,
      metadata: {
        ...fresh.metadata,
        annotations: { ...(fresh.metadata.annotations ?? {}), ...this.sizeAnnotations(d) },
      },
      spec: { ...spec(fresh), replicas },
    });
    this.recorder.record(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
    );
    return updated;
  }

  private reconcileNew(d: KubeObject, newRS: KubeObject, all: KubeObject[]): KubeObject {
    const want = replicasOf(d);
    const have = replicasOf(newRS);
    if (have === want) return newRS;
    if (have > want) return this.scale(d, newRS, want);
    const maxTotal = want + resolveFenceposts(d).surge;
    const current = all.reduce((s, rs) => s + replicasOf(rs), 0);
    if (current >= maxTotal) return newRS;
    const up = Math.min(maxTotal - current, want - have);
    return this.scale(d, newRS, have + up);
  }

  private reconcileOld(d: KubeObject, newRS: KubeObject, oldIn: KubeObject[]): KubeObject[] {
    let old = [...oldIn].sort(byCreation);
    const oldCount = old.reduce((s, rs) => s + replicasOf(rs), 0);
    if (oldCount === 0) return old;
    const allCount = oldCount + replicasOf(newRS);
    const minAvailable = replicasOf(d) - this.maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - statusNum(newRS, 'availableReplicas');
    const maxScaledDown = allCount - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return old;
    // First the old pods that are not available anyway.
    let cleaned = 0;
    old = old.map((rs) => {
      if (cleaned >= maxScaledDown || replicasOf(rs) === 0) return rs;
      const unhealthy = replicasOf(rs) - statusNum(rs, 'availableReplicas');
      if (unhealthy <= 0) return rs;
      const n = Math.min(maxScaledDown - cleaned, unhealthy);
      cleaned += n;
      return this.scale(d, rs, replicasOf(rs) - n);
    });
    // Then available ones, while availability stays at or above the minimum.
    const available = [newRS, ...old].reduce((s, rs) => s + statusNum(rs, 'availableReplicas'), 0);
    if (available <= minAvailable) return old;
    const total = available - minAvailable;
    let done = 0;
    return old.map((rs) => {
      if (done >= total || replicasOf(rs) === 0) return rs;
      const n = Math.min(replicasOf(rs), total - done);
      done += n;
      return this.scale(d, rs, replicasOf(rs) - n);
    });
  }

  private maxUnavailable(d: KubeObject): number {
    if (replicasOf(d) === 0) return 0;
    return resolveFenceposts(d).unavailable;
  }

  private cleanupHistory(d: KubeObject, old: KubeObject[]): void {
    const limit = Number(spec(d).revisionHistoryLimit ?? 10);
    const idle = old
      .filter(
        (rs) => replicasOf(rs) === 0 && statusNum(rs, 'replicas') === 0 && !rs.metadata.deletionTimestamp,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.store.delete(this.kinds.replicaSet, rs.metadata.namespace, rs.metadata.name ?? '');
      } catch (e) {
        if (errorCode(e) !== 404) throw e;
      }
    }
  }

  private syncStatus(
    d: KubeObject,
    newRS: KubeObject | undefined,
    old: KubeObject[],
    created: boolean,
  ): void {
    const fresh = (rs: KubeObject) =>
      this.store.get(this.kinds.replicaSet, rs.metadata.namespace, rs.metadata.name ?? '') ?? rs;
    const nrs = newRS ? fresh(newRS) : undefined;
    const olds = old.map(fresh);
    const r = computeDeploymentStatus(d, nrs, olds, created, this.maxUnavailable(d));
    if (r.deadlineExceeded)
      this.recorder.record(d, 'Warning', 'ProgressDeadlineExceeded', r.deadlineExceeded);
    if (r.requeueAfterMs !== undefined) this.queue.addAfter(key(d), r.requeueAfterMs);
    if (r.complete && spec(d).paused !== true) this.cleanupHistory(d, olds);
    this.writeStatus(d, r.status);
  }

  private writeStatus(d: KubeObject, patch: Obj): void {
    const fresh = this.store.get(this.kinds.deployment, d.metadata.namespace, d.metadata.name ?? '');
    if (!fresh) return;
    const next = { ...status(fresh), ...patch };
    if (canonicalJson(next) === canonicalJson(status(fresh))) return;
    this.store.update(this.kinds.deployment, { ...fresh, status: next }, { subresource: 'status' });
  }
}
