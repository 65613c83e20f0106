// Leadership among `slipway serve` replicas: one coordination.k8s.io/v1 Lease (`slipway-leader`), taken
// and renewed as client-go's leaderelection does. Every replica serves the API; only the leader runs
// the background work that must run once (resuming interrupted releases, recorded scale-downs, the
// notifier, the GitOps sync): those subscribe with `onLeadershipChange` or ask `isLeader()`.
//
//   - A replica tries every `retryMs`: the lease is free when it has no holder, or when its record
//     (holder, renewTime) has not changed for leaseDurationSeconds as this replica observed it — the
//     local clock of the observer, never the writer's timestamps, so clock skew cannot steal it.
//   - Every write (create, or replace on the resourceVersion just read) is optimistic: of two replicas
//     racing for a free lease exactly one wins; the other gets a conflict and stays a follower.
//   - The leader renews every `retryMs`; when it has not renewed for `renewDeadlineMs` (a partition, a
//     process stopped by SIGSTOP) it stops leading before anyone else may take the lease
//     (renewDeadline < leaseDuration), and `isLeader()` is false from then on.
//   - stop() ends the workers first, then gives the lease up (empty holder), so a rolling restart
//     hands over at once instead of after a lease duration.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeClient } from '../kube/client.ts';
import { microTime } from '../release/lock.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { KubeObject } from '../shared/kube-types.ts';

export const LEADER_LEASE = 'slipway-leader';
export const DEFAULT_LEADER_LEASE_SECONDS = 15;

/** What the rest of the server sees of leadership. */
export interface Leadership {
  /** True while this replica holds the lease and renewed it within its renew deadline. */
  isLeader(): boolean;
  /**
   * Called with true when this replica starts leading and false when it stops (awaited on stop(),
   * so workers end before the lease is given up). Answers a function that unsubscribes.
   */
  onLeadershipChange(listener: (leading: boolean) => void | Promise<void>): () => void;
  readonly identity: string;
}

export interface LeaderElectionOptions {
  /** A client of the cluster that holds the lease (only its get, create and replace are used). */
  client: Pick<KubeClient, 'get' | 'create' | 'replace'>;
  namespace: string;
  name?: string;
  /** Who this replica is in the lease: `<host>:<pid>:<random>` by default. */
  identity?: string;
  leaseSeconds?: number;
  /** Default 2/3 of the lease duration (client-go: 10 s of 15 s). */
  renewDeadlineMs?: number;
  /** Default 1/5 of the lease duration, at least 200 ms (client-go: 2 s of 15 s). */
  retryMs?: number;
  log?: (line: string) => void;
}

const isConflict = (e: unknown) => e instanceof SlipwayError && e.type === 'conflict';

interface Observed {
  key: string;
  at: number;
}

export class LeaderElector implements Leadership {
  readonly identity: string;
  private readonly name: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly listeners = new Set<(leading: boolean) => void | Promise<void>>();
  private leading = false;
  private lastRenew = 0;
  private observed: Observed | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastError = '';
  /** Changes of leadership run one after another, each awaiting its listeners. */
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly o: LeaderElectionOptions) {
    this.name = o.name ?? LEADER_LEASE;
    this.identity = o.identity ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const seconds = Math.max(1, o.leaseSeconds ?? DEFAULT_LEADER_LEASE_SECONDS);
    this.leaseMs = seconds * 1000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? Math.round((this.leaseMs * 2) / 3);
    this.retryMs = o.retryMs ?? Math.max(200, Math.round(this.leaseMs / 5));
  }

  isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenew < this.renewDeadlineMs;
  }

  onLeadershipChange(listener: (leading: boolean) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts campaigning: tries at once, then every retryMs. */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.tick = this.campaign().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.retryMs);
      });
    };
    loop();
  }

  /** Stops campaigning; when leading, ends the workers (awaited), then gives the lease up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    if (!this.leading) return;
    this.setLeading(false);
    await this.changes;
    await this.release().catch((e) =>
      this.log(`leader: could not give the lease up: ${(e as Error).message}`),
    );
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.log(
      leading
        ? `leader: ${this.identity} leads (Lease ${this.o.namespace}/${this.name})`
        : `leader: ${this.identity} stopped leading`,
    );
    const listeners = [...this.listeners];
    this.changes = this.changes.then(async () => {
      for (const l of listeners) {
        try {
          await l(leading);
        } catch (e) {
          this.log(
            `leader: a ${leading ? 'start' : 'stop'} of the leader's work failed: ${(e as Error).message}`,
          );
        }
      }
    });
  }

  /** One try to acquire or renew (client-go tryAcquireOrRenew); a failure past the deadline ends leading. */
  private async campaign(): Promise<void> {
    // A leader whose renewals stopped (a stopped process, an unreachable cluster) steps down first.
    if (this.leading && Date.now() - this.lastRenew >= this.renewDeadlineMs) this.setLeading(false);
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
      this.lastError = '';
    } catch (e) {
      const m = (e as Error).message;
      if (m !== this.lastError) this.log(`leader: cannot reach the leader lease: ${m}`);
      this.lastError = m;
    }
    if (ok) {
      this.lastRenew = Date.now();
      this.setLeading(true);
    } else if (this.leading && Date.now() - this.lastRenew >= this.renewDeadlineMs) {
      this.setLeading(false);
    }
  }

  private spec(lease: KubeObject | undefined): Record<string, unknown> {
    return (lease?.spec ?? {}) as Record<string, unknown>;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace } = this.o;
    const now = new Date();
    const current = await client.get('coordination.k8s.io/v1', 'Lease', this.name, namespace);
    const seconds = this.leaseMs / 1000;
    if (!current) {
      try {
        await client.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace, labels: { owner: 'slipway' } },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: seconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (e) {
        if (isConflict(e)) return false; // created by another replica meanwhile
        throw e;
      }
    }
    const spec = this.spec(current);
    const holder = typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
    // The record as observed: a change of holder or renewTime restarts its clock, on our clock.
    const key = `${holder}|${String(spec.renewTime)}|${current.metadata.resourceVersion}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const theirMs =
      typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds * 1000 : this.leaseMs;
    if (holder && holder !== this.identity && this.observed.at + theirMs > Date.now()) {
      if (this.leading) this.setLeading(false); // someone else holds it now
      return false;
    }
    const mine = holder === this.identity;
    try {
      await client.replace({
        ...current,
        spec: {
          ...spec,
          holderIdentity: this.identity,
          leaseDurationSeconds: seconds,
          renewTime: microTime(now),
          acquireTime: mine && typeof spec.acquireTime === 'string' ? spec.acquireTime : microTime(now),
          leaseTransitions:
            (typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0) + (mine ? 0 : 1),
        },
      });
      return true;
    } catch (e) {
      if (isConflict(e)) return false; // another replica wrote it since we read it
      throw e;
    }
  }

  /** Gives the lease up if it is still ours (client-go ReleaseOnCancel). */
  private async release(): Promise<void> {
    const current = await this.o.client.get('coordination.k8s.io/v1', 'Lease', this.name, this.o.namespace);
    const spec = this.spec(current);
    if (!current || spec.holderIdentity !== this.identity) return;
    await this.o.client.replace({
      ...current,
      spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
    });
  }
}
