// The Deployment status as kube-controller-manager computes it from the ReplicaSets: replica
// counts, the Available and Progressing conditions (with Kubernetes' lastUpdateTime /
// lastTransitionTime rules) and the progress deadline. Pure: the controller writes the result,
// records the event and schedules the deadline check.
import type { KubeObject } from '../../shared/kube-types.ts';
import { replicasOf, setConditionK8s, statusNum } from './deployment-rollout.ts';
import { type Condition, nowIso, type Obj, spec, status } from './util.ts';

export interface DeploymentStatusResult {
  status: Obj;
  /** Every replica updated and available for the current generation. */
  complete: boolean;
  /** The message of a progress deadline passed just now (an event to record), if any. */
  deadlineExceeded: string | undefined;
  /** When to look again for the progress deadline, if it still runs. */
  requeueAfterMs: number | undefined;
}

/** `nrs`/`olds` are the freshly read new and old ReplicaSets. */
export function computeDeploymentStatus(
  d: KubeObject,
  nrs: KubeObject | undefined,
  olds: KubeObject[],
  created: boolean,
  maxUnavailable: number,
): DeploymentStatusResult {
  let deadlineExceeded: string | undefined;
  let requeueAfterMs: number | undefined;
  const newRS = nrs;
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
  const available = Number(st.availableReplicas) >= want - maxUnavailable;
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
          deadlineExceeded = `ReplicaSet "${rsName}" has timed out progressing.`;
        }
      }
    }
    const last = conds.find((c) => c.type === 'Progressing');
    if (!complete && last && last.reason !== 'ProgressDeadlineExceeded') {
      const since = Date.parse(last.lastUpdateTime ?? now);
      requeueAfterMs = Math.max(100, since + deadline * 1000 - Date.now() + 1_100);
    }
  }
  // Available first, then Progressing, as Kubernetes lists them.
  conds.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
  st.conditions = conds;
  return { status: st, complete, deadlineExceeded, requeueAfterMs };
}
