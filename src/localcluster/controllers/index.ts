// The controller manager: starts every in-process controller against one store and stops them.
import type { ObjectStore } from '../store/types.ts';
import { DeploymentController } from './deployment.ts';
import { EndpointsController } from './endpoints.ts';
import { createEventRecorder, type EventRecorder } from './events.ts';
import { type CpuSource, HpaController } from './hpa.ts';
import { JobController } from './job.ts';
import { PdbController } from './pdb.ts';
import { ReplicaSetController } from './replicaset.ts';
import { type Kinds, resolveKinds } from './util.ts';

export interface ControllerOptions {
  store: ObjectStore;
  kinds?: Kinds;
  recorder?: EventRecorder;
  /** CPU readings for the HPA (the pod runner); without it HPAs report no metrics. */
  cpu?: CpuSource;
  /** HPA resync period (Kubernetes: 15 s). */
  hpaSyncMs?: number;
  onError?: (controller: string, key: string, e: unknown) => void;
}

export interface Controllers {
  stop(): void;
  /** Resolves once no controller has queued work (delayed requeues not counted); for tests. */
  idle(): Promise<void>;
}

export function startControllers(o: ControllerOptions): Controllers {
  const kinds = o.kinds ?? resolveKinds(o.store);
  const recorder = o.recorder ?? createEventRecorder(o.store, kinds.event, 'controller-manager');
  const onError =
    o.onError ??
    ((c: string, k: string, e: unknown) =>
      process.stderr.write(
        `controller ${c} ${k}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      ));
  const cs = [
    new DeploymentController(o.store, kinds, recorder, onError),
    new ReplicaSetController(o.store, kinds, recorder, onError),
    new EndpointsController(o.store, kinds, onError),
    new JobController(o.store, kinds, recorder, onError),
    new PdbController(o.store, kinds, onError),
    new HpaController(
      o.store,
      kinds,
      recorder,
      o.cpu ?? { cpuSeconds: () => undefined },
      o.hpaSyncMs,
      onError,
    ),
  ];
  for (const c of cs) c.start();
  return {
    stop() {
      for (const c of cs) c.stop();
    },
    async idle() {
      for (let round = 0; round < 3; round++) for (const c of cs) await c.queue.idle();
    },
  };
}
