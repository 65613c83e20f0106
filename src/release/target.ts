// What every engine entry point starts from: the service in its environment (namespace, history),
// the lock that serialises its releases (who holds it, whether that holder is gone), and the small
// lookups deploy, rollback and resume share.
import os from 'node:os';
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment, getService, namespaceFor, strategyFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { isConnectionRefused } from '../kube/errors.ts';
import { RELEASE_STATUS, type ReleaseHistory, type ReleaseRecord, releaseHistory } from './history.ts';
import { acquireLock, type Lock } from './lock.ts';
import { DEFAULT_TIMEOUT_MS, parseDuration, parseHolder } from './plan.ts';

export interface ServiceTarget {
  platform: LoadedPlatform;
  service: string;
  environment: string;
  namespace: string;
  history: ReleaseHistory;
}

export function serviceTarget(
  client: KubeClient,
  o: { platform: LoadedPlatform; service: string; environment: string },
): ServiceTarget {
  getService(o.platform, o.service);
  const env = getEnvironment(o.platform, o.environment);
  const namespace = namespaceFor(o.platform, o.environment);
  const history = releaseHistory(client, {
    platform: o.platform.platform.name,
    environment: o.environment,
    namespace,
    historyLimit: env.historyLimit,
  });
  return { ...o, namespace, history };
}

export function timeoutFor(t: ServiceTarget, requested: number | undefined): number {
  if (requested !== undefined) return requested;
  const s = strategyFor(t.platform, t.service);
  return s.timeout ? parseDuration(s.timeout) : DEFAULT_TIMEOUT_MS;
}

export function ownershipOf(t: ServiceTarget) {
  return { platform: t.platform.platform.name, environment: t.environment, service: t.service };
}

export function versionText(r: Pick<ReleaseRecord, 'version'>): string {
  const image = r.version.digest
    ? `${r.version.tag ?? ''}@${r.version.digest.slice(0, 19)}`
    : (r.version.tag ?? '?');
  return r.version.chart ? `${image} (chart ${r.version.chart.version})` : image;
}

/** The newest good revision older than `before` (deployed or superseded). */
export async function lastGoodBefore(t: ServiceTarget, before: number): Promise<ReleaseRecord | undefined> {
  return (await t.history.list(t.service)).find(
    (r) =>
      r.revision < before && (r.status === RELEASE_STATUS.deployed || r.status === RELEASE_STATUS.superseded),
  );
}

function holderFor(user: string): string {
  return `${user}@${os.hostname()}:${process.pid}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a lock holder can no longer finish its release: lease expired, or a dead process here. */
export function holderIsGone(info: { holder: string; expired: boolean }): boolean {
  if (info.expired) return true;
  const h = parseHolder(info.holder);
  return h !== undefined && h.host === os.hostname() && !processAlive(h.pid);
}

export async function takeLock(
  client: KubeClient,
  t: ServiceTarget,
  user: string,
  reason: string,
): Promise<Lock> {
  // A gone holder's lease is taken over on the resourceVersion it was judged on (never deleted
  // first): a holder that was only stopped and renewed meanwhile keeps it.
  return await acquireLock(client, {
    service: t.service,
    holder: holderFor(user),
    environment: t.environment,
    reason,
    isGone: holderIsGone,
  });
}

/**
 * Aborted when the lock is lost: the release's waits end and it stops acting. The reason is the lost
 * error, or the refused connection behind it (a cluster that is gone is not a lock taken by another).
 */
export function lockSignal(lock: Lock): AbortSignal {
  const ac = new AbortController();
  lock.onLost((e) => ac.abort(isConnectionRefused(e.cause) ? e.cause : e));
  return ac.signal;
}
