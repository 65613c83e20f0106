// The Job controller (batch/v1): runs `parallelism` pods at a time until `completions` succeed,
// fails the Job after more than backoffLimit failed pods or after activeDeadlineSeconds, and reports
// active / succeeded / failed, startTime, completionTime and the Complete / Failed conditions.
import type { KubeObject } from '../../shared/kube-types.ts';
import type { ObjectStore } from '../store/types.ts';
import type { EventRecorder } from './events.ts';
import { isNotFound, WorkQueue } from './queue.ts';
import { ownedPods, podFromTemplate } from './replicaset.ts';
import {
  type Condition,
  canonicalJson,
  type Kinds,
  key,
  nowIso,
  type Obj,
  spec,
  splitKey,
  status,
  watchControlled,
} from './util.ts';

export class JobController {
  readonly queue: WorkQueue;
  private unwatch: Array<() => void> = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: Kinds,
    private readonly recorder: EventRecorder,
    onError?: (name: string, key: string, e: unknown) => void,
  ) {
    this.queue = new WorkQueue('job', (k) => this.sync(k), onError);
  }

  start(): void {
    this.unwatch.push(this.store.watch(this.kinds.job, {}, (e) => this.queue.add(key(e.object))));
    this.unwatch.push(watchControlled(this.store, this.kinds.pod, 'Job', (k) => this.queue.add(k)));
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.queue.stop();
  }

  private sync(k: string): void {
    const [ns, name] = splitKey(k);
    const job = this.store.get(this.kinds.job, ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const s = spec(job);
    const prev = status(job);
    const conds = (prev.conditions as Condition[] | undefined) ?? [];
    if (conds.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) return;
    if (s.suspend === true) return;
    const completions = s.completions === undefined || s.completions === null ? 1 : Number(s.completions);
    const parallelism = Number(s.parallelism ?? 1);
    const backoffLimit = Number(s.backoffLimit ?? 6);
    const pods = ownedPods(this.store, this.kinds, job);
    const phase = (p: KubeObject) => status(p).phase;
    const active = pods.filter(
      (p) => !p.metadata.deletionTimestamp && phase(p) !== 'Succeeded' && phase(p) !== 'Failed',
    );
    const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
    const failed =
      pods.filter((p) => phase(p) === 'Failed').length +
      // With restartPolicy OnFailure, container restarts count toward the back-off limit.
      pods.reduce(
        (n, p) =>
          n +
          ((status(p).containerStatuses as Obj[] | undefined) ?? []).reduce(
            (m, c) => m + Number(c.restartCount ?? 0),
            0,
          ),
        0,
      );
    const now = Date.now();
    const startTime = (prev.startTime as string | undefined) ?? nowIso(now);
    const next: Obj = {
      ...prev,
      startTime,
      active: active.length,
      succeeded,
      failed,
      ready: active.filter((p) =>
        ((status(p).conditions as Condition[] | undefined) ?? []).some(
          (c) => c.type === 'Ready' && c.status === 'True',
        ),
      ).length,
    };
    let finish: { type: 'Complete' | 'Failed'; reason?: string; message?: string } | undefined;
    const deadline = s.activeDeadlineSeconds;
    if (succeeded >= completions) {
      finish = { type: 'Complete' };
    } else if (failed > backoffLimit) {
      finish = {
        type: 'Failed',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      };
    } else if (typeof deadline === 'number' && Date.parse(startTime) + deadline * 1000 <= now) {
      finish = {
        type: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
      };
    }
    if (finish) {
      for (const p of active) this.deletePod(ns, p);
      next.active = 0;
      const ts = nowIso(now);
      const c: Condition = { type: finish.type, status: 'True', lastProbeTime: ts, lastTransitionTime: ts };
      if (finish.reason) c.reason = finish.reason;
      if (finish.message) c.message = finish.message;
      next.conditions = [...conds, c];
      if (finish.type === 'Complete') {
        next.completionTime = ts;
        this.recorder.record(job, 'Normal', 'Completed', 'Job completed');
      } else {
        this.recorder.record(job, 'Warning', finish.reason ?? 'Failed', finish.message ?? 'Job failed');
      }
    } else {
      const want = Math.min(parallelism, completions - succeeded) - active.length;
      const template = (s.template as Obj | undefined) ?? {};
      for (let i = 0; i < want; i++) {
        const pod = podFromTemplate(job, template, name, {
          'batch.kubernetes.io/job-name': name,
          'job-name': name,
          'batch.kubernetes.io/controller-uid': job.metadata.uid ?? '',
          'controller-uid': job.metadata.uid ?? '',
        });
        const created = this.store.create(this.kinds.pod, pod);
        this.recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        next.active = Number(next.active) + 1;
      }
      if (typeof deadline === 'number')
        this.queue.addAfter(k, Date.parse(startTime) + deadline * 1000 - now + 50);
    }
    if (canonicalJson(next) !== canonicalJson(prev)) {
      const fresh = this.store.get(this.kinds.job, ns, name);
      if (fresh) this.store.update(this.kinds.job, { ...fresh, status: next }, { subresource: 'status' });
    }
  }

  private deletePod(ns: string, p: KubeObject): void {
    try {
      this.store.delete(this.kinds.pod, ns, p.metadata.name ?? '');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
