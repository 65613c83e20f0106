// PodDisruptionBudget status: expected and healthy pods under the selector, the healthy minimum the
// budget demands, and how many disruptions that leaves.
import { type LabelSelector, selectorMatches } from '../../shared/selector.ts';
import type { ObjectStore } from '../store/types.ts';
import { WorkQueue } from './queue.ts';
import {
  type Condition,
  canonicalJson,
  intOrPercent,
  isPodReady,
  type Kinds,
  key,
  nowIso,
  type Obj,
  setCondition,
  spec,
  splitKey,
  status,
} from './util.ts';

export class PdbController {
  readonly queue: WorkQueue;
  private unwatch: Array<() => void> = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: Kinds,
    onError?: (name: string, key: string, e: unknown) => void,
  ) {
    this.queue = new WorkQueue('pdb', (k) => this.sync(k), onError);
  }

  start(): void {
    this.unwatch.push(this.store.watch(this.kinds.pdb, {}, (e) => this.queue.add(key(e.object))));
    this.unwatch.push(
      this.store.watch(this.kinds.pod, {}, (e) => {
        const ns = e.object.metadata.namespace ?? 'default';
        for (const pdb of this.store.list(this.kinds.pdb, { namespace: ns }).items) {
          if (selectorMatches(spec(pdb).selector as LabelSelector | undefined, e.object.metadata.labels)) {
            this.queue.add(key(pdb));
          }
        }
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch) u();
    this.queue.stop();
  }

  private sync(k: string): void {
    const [ns, name] = splitKey(k);
    const pdb = this.store.get(this.kinds.pdb, ns, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const s = spec(pdb);
    const pods = this.store.list(this.kinds.pod, {
      namespace: ns,
      filter: (p) =>
        !p.metadata.deletionTimestamp &&
        selectorMatches(s.selector as LabelSelector | undefined, p.metadata.labels) &&
        status(p).phase !== 'Succeeded' &&
        status(p).phase !== 'Failed',
    }).items;
    const expected = pods.length;
    const healthy = pods.filter(isPodReady).length;
    let desired: number;
    if (s.minAvailable !== undefined) desired = intOrPercent(s.minAvailable, expected, true, 0);
    else if (s.maxUnavailable !== undefined)
      desired = Math.max(0, expected - intOrPercent(s.maxUnavailable, expected, true, 0));
    else desired = expected;
    const allowed = Math.max(0, healthy - desired);
    const prev = status(pdb);
    const next: Obj = {
      ...prev,
      observedGeneration: pdb.metadata.generation ?? 1,
      expectedPods: expected,
      currentHealthy: healthy,
      desiredHealthy: desired,
      disruptionsAllowed: allowed,
      disruptedPods: prev.disruptedPods ?? {},
    };
    next.conditions = setCondition(
      (prev.conditions as Condition[] | undefined) ?? [],
      allowed > 0
        ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }
        : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' },
      nowIso(),
      false,
    );
    if (canonicalJson(next) === canonicalJson(prev)) return;
    const fresh = this.store.get(this.kinds.pdb, ns, name);
    if (fresh) this.store.update(this.kinds.pdb, { ...fresh, status: next }, { subresource: 'status' });
  }
}
