// The leader's background work in `slipway serve`: while this replica leads (leader.ts), it looks every
// `intervalMs` in every environment for releases whose process is gone (pending record, lock holder
// dead or expired) and resumes each as a server run, as the system identity `slipway-server`, through
// operations' resumeRelease (gated and audited as `slipway resume` is); it schedules recorded
// blue-green scale-downs, and runs the notifier. Followers do none of it: every replica serves the API,
// and a release started through a replica's API runs on that replica, fenced by its release lock.
//
// The leader's own runs write through a client fenced by leadership: once this replica stops leading
// (lease lost, renew deadline passed) their next write fails before it is sent, and the release stays
// pending for the next leader — as a release lock that is lost stops its holder (fence.ts).
import { namespaceFor } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { guardWrites } from '../kube/guarded.ts';
import { type ClusterAccess, operationContext } from '../operations/context.ts';
import { interruptedReleases, resumeRecordedScaleDowns } from '../operations/recovery.ts';
import { resumeRelease } from '../operations/release.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { Caller } from './auth.ts';
import type { ServerDeps } from './deps.ts';
import { LeaderElector, type Leadership } from './leader.ts';
import { Notifier, storeNotifierIO } from './notify/notifier.ts';
import type { Run } from './runs.ts';

/** Who resumes releases: the server itself, authenticated by being the elected leader. */
export const SERVER_USER = 'slipway-server';
export const SERVER_CALLER: Caller = { name: SERVER_USER, authenticated: true, source: 'server' };

/** A refused resume (a role, a freeze) is tried again after this long, not on every pass. */
const REFUSED_RETRY_MS = 5 * 60_000;

export interface WorkerOptions {
  leadership: Leadership;
  /** How often the leader looks for interrupted releases (default 10 s). */
  intervalMs?: number;
  log?: (line: string) => void;
  /** Run the notifier on the leader (default true). */
  notifier?: boolean;
}

function stoppedLeading(): SlipwayError {
  return new SlipwayError(
    'locked',
    'this server stopped leading; its release work stopped without further changes',
    { hint: 'The new leader resumes the release from its record.', data: { leaderLost: true } },
  );
}

/** `client` whose writes are refused, unsent, once `leadership` is not ours. */
export function leaderFenced(client: KubeClient, leadership: Leadership): KubeClient {
  return guardWrites(client, {
    write: async () => {
      if (!leadership.isLeader()) throw stoppedLeading();
    },
  });
}

export class ReleaseWorkers {
  private readonly inFlight = new Map<string, Run>();
  private readonly refused = new Map<string, { revision: number; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private notifier: Notifier | undefined;
  private active = false;
  private readonly connect: ClusterAccess['connect'];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: ServerDeps,
    private readonly o: WorkerOptions,
  ) {
    this.connect = async (p, env, c) => {
      const client = await deps.connect(p, env, c);
      return client ? leaderFenced(client, o.leadership) : undefined;
    };
    this.unsubscribe = o.leadership.onLeadershipChange((leading) => (leading ? this.start() : this.stop()));
  }

  /** The releases this replica resumes now, by `<environment>/<service>`. */
  running(): string[] {
    return [...this.inFlight.keys()];
  }

  /** Stops for good (server shutdown); leadership's own stop also ends the work. */
  async close(): Promise<void> {
    this.unsubscribe();
    await this.stop();
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private start(): void {
    if (this.active) return;
    this.active = true;
    if (this.o.notifier !== false) {
      this.notifier = new Notifier({ platform: this.deps.platform, ...storeNotifierIO(this.deps.store) });
      this.notifier.start();
    }
    const loop = () => {
      if (!this.active) return;
      this.pass = this.resumeInterrupted().finally(() => {
        if (this.active) this.timer = setTimeout(loop, this.o.intervalMs ?? 10_000);
      });
    };
    loop();
  }

  private async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    await Promise.all([this.pass, this.notifier?.stop()]);
    this.notifier = undefined;
    // Runs still going are fenced by leadership: their next write fails and the next leader resumes.
  }

  private context(run?: Run) {
    return operationContext({
      platform: this.deps.platform(),
      store: this.deps.store,
      identity: SERVER_CALLER,
      now: new Date(),
      cluster: {
        connect: this.connect,
        events: (service) =>
          run ? run.releaseEvents(service) : { step: () => {}, progress: () => {}, log: () => {} },
      },
    });
  }

  /** One pass over every environment: resume what is interrupted, schedule recorded scale-downs. */
  async resumeInterrupted(): Promise<void> {
    const ctx = this.context();
    for (const env of ctx.platform.environments) {
      if (!this.o.leadership.isLeader()) return;
      try {
        for (const found of await interruptedReleases(ctx, env.name)) await this.resumeOne(found);
        const n = await resumeRecordedScaleDowns(ctx, env.name);
        if (n > 0) this.log(`workers: ${n} recorded scale-down(s) scheduled in ${env.name}`);
      } catch (e) {
        this.log(`workers: could not look at ${env.name}: ${(e as Error).message}`);
      }
    }
  }

  private async resumeOne(found: {
    service: string;
    environment: string;
    revision: number;
    holder: string | undefined;
    step: string;
  }): Promise<void> {
    const key = `${found.environment}/${found.service}`;
    if (this.inFlight.has(key)) return;
    const refused = this.refused.get(key);
    if (refused && refused.revision === found.revision && refused.until > Date.now()) return;
    this.log(
      `workers: resuming ${found.service} revision ${found.revision} in ${found.environment} at "${found.step}"${found.holder ? ` (${found.holder} is gone)` : ''}`,
    );
    try {
      const run = await this.deps.runs.start(
        { kind: 'resume', environment: found.environment, service: found.service, startedBy: SERVER_USER },
        (r) =>
          resumeRelease(this.context(r), {
            service: found.service,
            environment: found.environment,
            reason: `revision ${found.revision} was interrupted`,
          }),
      );
      this.inFlight.set(key, run);
      const forget = () => this.inFlight.delete(key);
      if (run.done) forget();
      else run.subscribe((e) => e.type === 'end' && forget());
    } catch (e) {
      // Refused by a gate (a role, a freeze) or failed before it began: audited; tried again later.
      this.refused.set(key, { revision: found.revision, until: Date.now() + REFUSED_RETRY_MS });
      this.log(
        `workers: ${found.service} in ${found.environment} was not resumed: ${(e as Error).message}; trying again in ${REFUSED_RETRY_MS / 60_000} min`,
      );
    }
  }
}

export interface LeaderWorkOptions {
  /** Where the `slipway-leader` Lease lives: default the first environment's namespace (its cluster). */
  namespace?: string | undefined;
  leaseSeconds?: number | undefined;
  /** How often the leader looks for interrupted releases: default the lease duration / 3. */
  intervalMs?: number | undefined;
  log?: (line: string) => void;
}

export interface LeaderWork {
  leadership: Leadership;
  workers: ReleaseWorkers;
  /** Ends the workers, then gives the lease up. */
  stop(): Promise<void>;
}

/**
 * Elects a leader among the replicas through a Lease in the first environment's cluster and runs the
 * release workers on it. Until that cluster answers this replica follows, trying again every retry.
 */
export function startLeaderWork(deps: ServerDeps, o: LeaderWorkOptions = {}): LeaderWork {
  const log = o.log ?? (() => {});
  const platform = deps.platform();
  const first = platform.environments[0]!.name;
  const namespace = o.namespace ?? namespaceFor(platform, first);
  const leaseSeconds = o.leaseSeconds ?? 15;
  let client: KubeClient | undefined;
  // The Lease is read and written through a client connected on first use (a cluster may come later).
  const lazy = async (): Promise<KubeClient> => {
    if (client) return client;
    const c = await deps.connect(platform, first);
    if (!c) throw new SlipwayError('unreachable', `cannot connect to the cluster of ${first}`);
    if (o.namespace) await c.ensureNamespace(o.namespace);
    client = c;
    return c;
  };
  const via =
    <A extends unknown[], R>(f: (c: KubeClient, ...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> =>
      f(await lazy(), ...a);
  const leaseClient = {
    get: via((c, ...a: Parameters<KubeClient['get']>) => c.get(...a)),
    create: via((c, ...a: Parameters<KubeClient['create']>) => c.create(...a)),
    replace: via((c, ...a: Parameters<KubeClient['replace']>) => c.replace(...a)),
  };
  const elector = new LeaderElector({ client: leaseClient, namespace, leaseSeconds, log });
  const workers = new ReleaseWorkers(deps, {
    leadership: elector,
    intervalMs: o.intervalMs ?? Math.max(1000, (leaseSeconds * 1000) / 3),
    log,
  });
  elector.start();
  return {
    leadership: elector,
    workers,
    async stop() {
      await elector.stop();
      await workers.close();
    },
  };
}
