// One release at a time per service and environment: a coordination.k8s.io/v1 Lease
// `slipway-lock-<service>` in the environment's namespace, renewed while the release runs. Taking
// a lease (new, released or expired) goes through create / replace-with-resourceVersion, so of two
// processes racing for it exactly one wins.
//
// Fencing: a holder that was stopped (SIGSTOP, a suspended laptop) past the lease's duration may find
// its lease taken when it runs again. `ensureHeld()` (through fence.ts, before every write a release
// makes) renews the lease with its resourceVersion: that write only succeeds if nobody changed the
// lease since this process last wrote it, so a holder never writes after another took over.
// SLIPWAY_LOCK_SECONDS sets the lease duration (default 30; tests use a few seconds).
import os from 'node:os';
import type { KubeClient } from '../kube/client.ts';
import { SlipwayError } from '../shared/errors.ts';
import { type KubeObject, LABELS } from '../shared/kube-types.ts';

export interface Lock {
  readonly service: string;
  readonly holder: string;
  /** Resolves (never rejects) when the lock was lost: taken over, deleted, or not renewed in time. */
  readonly lost: Promise<SlipwayError>;
  readonly isLost: boolean;
  onLost(listener: (e: SlipwayError) => void): void;
  /**
   * Resolves when the lease is still ours, renewed with optimistic concurrency (resourceVersion) unless
   * that was done less than `maxAgeMs` ago (default 0: always); rejects with the lost error otherwise.
   */
  ensureHeld(o?: { maxAgeMs?: number }): Promise<void>;
  /** Stops renewing and frees the lease (if it is still ours). */
  release(): Promise<void>;
}

export interface AcquireOptions {
  service: string;
  holder?: string;
  durationSeconds?: number;
  reason?: string;
  /** For messages: "booking in production is being released by …". */
  environment?: string;
  /** Renew every duration/3 (default true). */
  autoRenew?: boolean;
  /**
   * A live lease whose holder this answers true for (e.g. a dead process on this machine) is taken
   * over like an expired one: judged and replaced on the same resourceVersion, so a holder that
   * renewed meanwhile keeps it.
   */
  isGone?: (info: LockInfo) => boolean;
}

export interface LockInfo {
  holder: string;
  acquiredAt: Date | undefined;
  renewedAt: Date | undefined;
  expiresAt: Date | undefined;
  expired: boolean;
  reason: string | undefined;
}

export const DEFAULT_LOCK_SECONDS = 30;

/** The lease duration: SLIPWAY_LOCK_SECONDS when set (tests shorten it), else 30 s. */
export function lockSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.SLIPWAY_LOCK_SECONDS);
  return Number.isFinite(n) && n >= 1 ? n : DEFAULT_LOCK_SECONDS;
}
const REASON_ANNOTATION = 'slipway.dev/lock-reason';

export function lockName(service: string): string {
  return `slipway-lock-${service}`;
}

/** `<user>@<host>:<pid>`: who holds a lock, readable by the person waiting for it. */
export function defaultHolder(): string {
  let user = process.env.USER ?? process.env.USERNAME ?? '';
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}:${process.pid}`;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function lockInfo(lease: KubeObject, now: Date = new Date()): LockInfo | undefined {
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  const holder = typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
  if (!holder) return undefined;
  const date = (v: unknown) =>
    typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined;
  const acquiredAt = date(spec.acquireTime);
  const renewedAt = date(spec.renewTime) ?? acquiredAt;
  const seconds =
    typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : DEFAULT_LOCK_SECONDS;
  const expiresAt = renewedAt ? new Date(renewedAt.getTime() + seconds * 1000) : undefined;
  return {
    holder,
    acquiredAt,
    renewedAt,
    expiresAt,
    expired: expiresAt === undefined || expiresAt.getTime() <= now.getTime(),
    reason: lease.metadata.annotations?.[REASON_ANNOTATION],
  };
}

const clock = (d: Date) => d.toISOString().slice(11, 19);

/** The message for a lock someone else holds (pure, for tests and the HTTP API). */
export function lockedError(
  service: string,
  where: string,
  info: LockInfo,
  now: Date = new Date(),
): SlipwayError {
  const since = info.acquiredAt ?? info.renewedAt;
  const ago = since
    ? ` since ${clock(since)} (${Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000))} s ago)`
    : '';
  const why = info.reason ? ` to ${info.reason}` : '';
  const expires = info.expiresAt ? ` at ${clock(info.expiresAt)}` : '';
  return new SlipwayError(
    'locked',
    `${service} in ${where} is being released by ${info.holder}${ago}${why}`,
    {
      hint: `Wait for it or, if that process died, the lock expires${expires} unless it is renewed; an administrator can remove it with a force unlock.`,
      data: {
        service,
        holder: info.holder,
        ...(since ? { since: since.toISOString() } : {}),
        ...(info.expiresAt ? { expiresAt: info.expiresAt.toISOString() } : {}),
        ...(info.reason ? { reason: info.reason } : {}),
      },
    },
  );
}

function leaseObject(
  client: KubeClient,
  o: AcquireOptions & { holder: string; durationSeconds: number },
  now: Date,
  base?: KubeObject,
): KubeObject {
  const annotations = { ...(base?.metadata.annotations ?? {}) };
  if (o.reason) annotations[REASON_ANNOTATION] = o.reason;
  else delete annotations[REASON_ANNOTATION];
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: lockName(o.service),
      namespace: client.target.namespace,
      labels: { [LABELS.service]: o.service, owner: 'slipway' },
      annotations,
      ...(base?.metadata.resourceVersion ? { resourceVersion: base.metadata.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: o.holder,
      leaseDurationSeconds: o.durationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
    },
  };
}

const isConflict = (e: unknown) => e instanceof SlipwayError && e.type === 'conflict';

export async function acquireLock(client: KubeClient, options: AcquireOptions): Promise<Lock> {
  const o = {
    ...options,
    holder: options.holder ?? defaultHolder(),
    durationSeconds: Math.max(1, Math.round(options.durationSeconds ?? lockSeconds())),
  };
  const where = o.environment ?? `namespace ${client.target.namespace}`;
  const name = lockName(o.service);
  let lease: KubeObject | undefined;
  for (let attempt = 0; attempt < 5 && !lease; attempt++) {
    const now = new Date();
    const current = await client.get('coordination.k8s.io/v1', 'Lease', name, client.target.namespace);
    try {
      if (!current) {
        lease = await client.create(leaseObject(client, o, now));
        break;
      }
      const info = lockInfo(current, now);
      const free = !info || info.holder === o.holder || info.expired || o.isGone?.(info) === true;
      if (info && !free) throw lockedError(o.service, where, info, now);
      lease = await client.replace(leaseObject(client, o, now, current));
    } catch (e) {
      if (!isConflict(e)) throw e; // conflict: someone else wrote it meanwhile; look again
    }
  }
  if (!lease) {
    throw new SlipwayError(
      'locked',
      `${o.service} in ${where}: could not take the lock, other processes keep taking it`,
      {
        hint: 'Wait for the other releases of this service to finish and try again.',
      },
    );
  }
  return heldLock(client, o, lease, where);
}

/** The error of a holder whose lease another process took (or removed): it stops without writing. */
export function lockTakenError(service: string, where: string, holder: string | undefined, cause?: unknown) {
  const by = holder ? `taken by ${holder}` : 'removed';
  return new SlipwayError(
    'locked',
    `the release lock was ${by}; this process stopped without further changes (${service} in ${where})`,
    {
      hint: holder
        ? `${holder} carries the release on now; \`slipway status\` shows where it is.`
        : 'Someone force-unlocked this release; check `slipway status` before continuing.',
      data: { service, lockLost: true, ...(holder ? { holder } : {}) },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

function heldLock(
  client: KubeClient,
  o: AcquireOptions & { holder: string; durationSeconds: number },
  first: KubeObject,
  where: string,
): Lock {
  let lease = first;
  /** When this process last confirmed the lease is its own (a renewal that succeeded). */
  let confirmedAt = Date.now();
  let lostError: SlipwayError | undefined;
  let released = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveLost!: (e: SlipwayError) => void;
  const lost = new Promise<SlipwayError>((r) => {
    resolveLost = r;
  });
  const listeners: Array<(e: SlipwayError) => void> = [];

  const markLost = (e: SlipwayError) => {
    if (lostError || released) return;
    lostError = e;
    clearInterval(timer);
    resolveLost(lostError);
    for (const l of listeners) l(lostError);
  };

  // Renewals run one at a time (the timer's and ensureHeld's), each on the resourceVersion the last wrote.
  let chain: Promise<void> = Promise.resolve();
  const renew = (): Promise<void> => {
    const next = chain.then(renewOnce, renewOnce);
    chain = next.catch(() => {});
    return next;
  };
  const renewOnce = async () => {
    if (released || lostError) return;
    const now = new Date();
    const spec = (lease.spec ?? {}) as Record<string, unknown>;
    const next: KubeObject = { ...lease, spec: { ...spec, renewTime: microTime(now) } };
    try {
      lease = await client.replace(next);
      confirmedAt = now.getTime();
    } catch (e) {
      if (released) return;
      if (isConflict(e) || (e instanceof SlipwayError && e.type === 'notFound')) {
        const current = await client
          .get('coordination.k8s.io/v1', 'Lease', lockName(o.service))
          .catch(() => undefined);
        const info = current ? lockInfo(current) : undefined;
        if (current && info?.holder === o.holder) {
          lease = current; // our own write answered late (a retried PUT): still ours, renew next time
          confirmedAt = now.getTime();
          return;
        }
        markLost(lockTakenError(o.service, where, info?.holder, e));
        return;
      }
      if (Date.now() > confirmedAt + o.durationSeconds * 1000)
        markLost(
          new SlipwayError(
            'locked',
            `lost the lock on ${o.service} in ${where}: it could not be renewed before it expired (${(e as Error).message}); this process stopped without further changes`,
            {
              hint: 'Another process may now be releasing this service; check `slipway status` before continuing.',
              data: { service: o.service, lockLost: true },
              cause: e,
            },
          ),
        );
    }
  };

  if (o.autoRenew !== false) {
    timer = setInterval(() => void renew().catch(() => {}), (o.durationSeconds * 1000) / 3);
    timer.unref();
  }

  return {
    service: o.service,
    holder: o.holder,
    lost,
    get isLost() {
      return lostError !== undefined;
    },
    onLost(listener) {
      if (lostError) listener(lostError);
      else listeners.push(listener);
    },
    async ensureHeld(h = {}) {
      if (lostError) throw lostError;
      // Wall-clock age: a process stopped for longer than maxAgeMs always renews before it writes.
      if (Date.now() - confirmedAt >= (h.maxAgeMs ?? 0)) await renew();
      if (lostError) throw lostError;
    },
    async release() {
      if (released) return;
      await chain;
      released = true;
      clearInterval(timer);
      if (lostError) return;
      const spec = { ...((lease.spec ?? {}) as Record<string, unknown>) };
      delete spec.holderIdentity;
      try {
        await client.replace({ ...lease, spec });
      } catch (e) {
        if (!isConflict(e) && !(e instanceof SlipwayError && e.type === 'notFound')) throw e;
        // changed meanwhile: free it only if it is still ours
        const current = await client.get('coordination.k8s.io/v1', 'Lease', lockName(o.service));
        if (current && lockInfo(current)?.holder === o.holder) await forceUnlock(client, o.service);
      }
    },
  };
}

/** Who holds the lock on a service, if anyone (expired locks included, marked `expired`). */
export async function readLock(client: KubeClient, service: string): Promise<LockInfo | undefined> {
  const lease = await client.get(
    'coordination.k8s.io/v1',
    'Lease',
    lockName(service),
    client.target.namespace,
  );
  return lease ? lockInfo(lease) : undefined;
}

/** Removes the lock whoever holds it (for a process that died with a long lease); false if there was none. */
export async function forceUnlock(client: KubeClient, service: string): Promise<boolean> {
  return await client.delete('coordination.k8s.io/v1', 'Lease', lockName(service), client.target.namespace);
}
