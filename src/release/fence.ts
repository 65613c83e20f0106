// Fencing: every write a release makes is conditional on still holding its lock. The engine hands the
// strategies, the step recorder and the history a KubeClient whose mutating calls first make sure
// the Lease is still this process's (lock.ts `ensureHeld`: renewed with its resourceVersion). A
// holder that was stopped past the lease's duration and finds it taken stops at its first write,
// before making it: the new holder owns the release, its objects and its record from then on.
//
// Cheap: an ordinary write renews at most every FENCE_MAX_AGE_MS (wall clock, so a process that was
// stopped always renews first); deletes and prunes, and the start of every step, always renew.
import type { KubeClient } from '../kube/client.ts';
import { guardWrites } from '../kube/guarded.ts';
import type { Lock } from './lock.ts';
import { type ServiceTarget, serviceTarget } from './target.ts';

export const FENCE_MAX_AGE_MS = 1000;

/** `client` whose writes fail with the lock's lost error, and are not sent, once `lock` is not ours. */
export function fencedClient(client: KubeClient, lock: Lock): KubeClient {
  return guardWrites(client, {
    write: () => lock.ensureHeld({ maxAgeMs: FENCE_MAX_AGE_MS }),
    destructive: () => lock.ensureHeld(),
  });
}

/** The client and the service target (its history) a release writes through while `lock` is held. */
export function fenced(
  client: KubeClient,
  t: ServiceTarget,
  lock: Lock,
): { client: KubeClient; target: ServiceTarget } {
  const f = fencedClient(client, lock);
  return { client: f, target: serviceTarget(f, t) };
}
