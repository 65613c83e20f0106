// The Deployment controller, following kube-controller-manager's deployment sync: one ReplicaSet per
// pod template (`<name>-<pod-template-hash>`), RollingUpdate (maxSurge up, maxUnavailable down) or
// Recreate, revisions and rollback by reusing an equal ReplicaSet, revisionHistoryLimit cleanup,
// pause, and status with the Progressing / Available conditions `kubectl rollout status` reads.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore } from '../store/types.ts';
import type { EventRecorder } from './events.ts';
import { errorCode, WorkQueue } from './queue.ts';
import { ownedPods } from './replicaset.ts';
import {
  type Condition,
  canonicalJson,
  controllerOf,
  intOrPercent,
  type Kinds,
  key,
  nowIso,
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

export const REVISION = 'deployment.kubernetes.io/revision';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
const HASH = 'pod-template-hash';
/** Deployment annotations Kubernetes does not copy to its ReplicaSets. */
const SKIP_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  DESIRED,
  MAX,
  'deprecated.deployment.rollback.to',
]);

const replicasOf = (o: KubeObject) => Number(spec(o).replicas ?? 1);
const statusNum = (o: KubeObject | undefined, f: string) => (o ? Number(status(o)[f] ?? 0) : 0);
const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[REVISION] ?? 0);
const byCreation = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
  (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

export interface Fenceposts {
  surge: number;
  unavailable: number;
}

/** maxSurge rounds up, maxUnavailable down; both zero becomes unavailable 1 (validation rejects it). */
export function resolveFenceposts(d: KubeObject): Fenceposts {
  const replicas = replicasOf(d);
  const strategy = (spec(d).strategy as Obj | undefined) ?? {};
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return { surge: 0, unavailable: 0 };
  const ru = (strategy.rollingUpdate as Obj | undefined) ?? {};
  const surge = intOrPercent(ru.maxSurge ?? '25%', replicas, true, 0);
  let unavailable = intOrPercent(ru.maxUnavailable ?? '25%', replicas, false, 0);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

/** The field errors Kubernetes' validation gives for a Deployment's strategy. */
export function validateDeploymentStrategy(o: KubeObject): Array<{ path: string; message: string }> {
  if (o.kind !== 'Deployment') return [];
  const strategy = (spec(o).strategy as Obj | undefined) ?? {};
  const ru = strategy.rollingUpdate as Obj | undefined;
  if (!ru || (strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return [];
  const isZero = (v: unknown) => v === 0 || v === '0' || v === '0%';
  if (isZero(ru.maxSurge) && isZero(ru.maxUnavailable)) {
    return [
      {
        path: 'spec.strategy.rollingUpdate.maxUnavailable',
        message: 'Invalid value: 0: may not be 0 when `maxSurge` is 0',
      },
    ];
  }
  return [];
}

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
    const all = this.store
      .list(this.kinds.replicaSet, { namespace: ns })
      .items.filter((rs) => ownedBy(rs, d));
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
    const updated = this.store.update(this.kinds.deployment, {
      ...fresh,
      metadata: {
        ...fresh.metadata,
        annotations: { ...(fresh.metadata.annotations ?? {}), [REVISION]: rev },
      },
    });
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
    const all = nrs ? [nrs, ...olds] : olds;
    const want = replicasOf(d);
    const prev = status(d);
    const st: Obj = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: all.reduce((s, rs) => s + statusNum(rs, 'replicas'), 0),
      updatedReplicas: statusNum(nrs, 'replicas'),
      readyReplicas: all.reduce((s, rs) => s + statusNum(rs, 'readyReplicas'), 0),
      availableReplicas: all.reduce((s, rs) => s + statusNum(rs, 'availableReplicas'), 0),
    };
    const specTotal = all.reduce((s, rs) => s + replicasOf(rs), 0);
    st.unavailableReplicas = Math.max(0, specTotal - Number(st.availableReplicas));
    if (prev.collisionCount !== undefined) st.collisionCount = prev.collisionCount;
    const now = nowIso();
    let conds = [...((prev.conditions as Condition[] | undefined) ?? [])];
    const available = Number(st.availableReplicas) >= want - this.maxUnavailable(d);
    conds = setConditionK8s(
      conds,
      {
        type: 'Available',
        status: available ? 'True' : 'False',
        reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: available
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
      },
      now,
    );
    const rsName = nrs?.metadata.name ?? '';
    const paused = spec(d).paused === true;
    const deadline = spec(d).progressDeadlineSeconds;
    const progressing = conds.find((c) => c.type === 'Progressing');
    if (paused) {
      if (progressing?.reason !== 'DeploymentPaused') {
        conds = setConditionK8s(
          conds,
          {
            type: 'Progressing',
            status: 'Unknown',
            reason: 'DeploymentPaused',
            message: 'Deployment is paused',
          },
          now,
        );
      }
    } else if (progressing?.reason === 'DeploymentPaused') {
      conds = setConditionK8s(
        conds,
        {
          type: 'Progressing',
          status: 'Unknown',
          reason: 'DeploymentResumed',
          message: 'Deployment is resumed',
        },
        now,
      );
    }
    if (!paused && created && typeof deadline === 'number') {
      conds = setConditionK8s(
        conds,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetCreated',
          message: `Created new replica set "${rsName}"`,
        },
        now,
      );
    } else if (
      !paused &&
      newRS &&
      typeof deadline === 'number' &&
      !conds.find((c) => c.type === 'Progressing')
    ) {
      conds = setConditionK8s(
        conds,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'FoundNewReplicaSet',
          message: `Found new replica set "${rsName}"`,
        },
        now,
      );
    }
    const cur = conds.find((c) => c.type === 'Progressing');
    const complete =
      Number(st.updatedReplicas) === want &&
      Number(st.replicas) === want &&
      Number(st.availableReplicas) === want &&
      Number(st.observedGeneration) >= (d.metadata.generation ?? 1);
    const alreadyComplete = st.replicas === st.updatedReplicas && cur?.reason === 'NewReplicaSetAvailable';
    if (!paused && typeof deadline === 'number' && !alreadyComplete) {
      const oldOld = Number(prev.replicas ?? 0) - Number(prev.updatedReplicas ?? 0);
      const newOld = Number(st.replicas) - Number(st.updatedReplicas);
      const madeProgress =
        Number(st.updatedReplicas) > Number(prev.updatedReplicas ?? 0) ||
        newOld < oldOld ||
        Number(st.readyReplicas) > Number(prev.readyReplicas ?? 0) ||
        Number(st.availableReplicas) > Number(prev.availableReplicas ?? 0);
      if (complete) {
        conds = setConditionK8s(
          conds,
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${rsName}" has successfully progressed.`,
          },
          now,
        );
      } else if (madeProgress) {
        const c: Condition = {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          message: `ReplicaSet "${rsName}" is progressing.`,
          lastUpdateTime: now,
          lastTransitionTime: cur?.status === 'True' ? (cur.lastTransitionTime ?? now) : now,
        };
        conds = [...conds.filter((x) => x.type !== 'Progressing'), c];
      } else if (cur && cur.reason !== 'NewReplicaSetAvailable') {
        const since = Date.parse(cur.lastUpdateTime ?? now);
        const timedOut = cur.reason === 'ProgressDeadlineExceeded' || since + deadline * 1000 < Date.now();
        if (timedOut) {
          conds = setConditionK8s(
            conds,
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet "${rsName}" has timed out progressing.`,
            },
            now,
          );
          if (cur.reason !== 'ProgressDeadlineExceeded') {
            this.recorder.record(
              d,
              'Warning',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rsName}" has timed out progressing.`,
            );
          }
        }
      }
      const last = conds.find((c) => c.type === 'Progressing');
      if (!complete && last && last.reason !== 'ProgressDeadlineExceeded') {
        const since = Date.parse(last.lastUpdateTime ?? now);
        this.queue.addAfter(key(d), Math.max(100, since + deadline * 1000 - Date.now() + 1_100));
      }
    }
    // Available first, then Progressing, as Kubernetes lists them.
    conds.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
    st.conditions = conds;
    if (complete && !paused) this.cleanupHistory(d, olds);
    this.writeStatus(d, st);
  }

  private writeStatus(d: KubeObject, patch: Obj): void {
    const fresh = this.store.get(this.kinds.deployment, d.metadata.namespace, d.metadata.name ?? '');
    if (!fresh) return;
    const next = { ...status(fresh), ...patch };
    if (canonicalJson(next) === canonicalJson(status(fresh))) return;
    this.store.update(this.kinds.deployment, { ...fresh, status: next }, { subresource: 'status' });
  }
}

/** Kubernetes' SetDeploymentCondition: no change when status and reason are equal. */
function setConditionK8s(
  list: Condition[],
  c: Omit<Condition, 'lastUpdateTime' | 'lastTransitionTime'>,
  now: string,
) {
  const cur = list.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return list;
  const next: Condition = {
    ...c,
    lastUpdateTime: now,
    lastTransitionTime: cur && cur.status === c.status ? (cur.lastTransitionTime ?? now) : now,
  };
  return [...list.filter((x) => x.type !== c.type), next];
}

function podFinished(p: KubeObject): boolean {
  const phase = status(p).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
