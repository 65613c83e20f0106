// The server's status cache: per environment, three watches on the platform's namespace (the release
// history Secrets, the Leases, the Deployments) keep a StatusIndex, so GET …/status answers from
// memory instead of listing every service's history and lock per request. An environment starts
// watching on its first status request; until its first lists are in (and after any watch failure,
// until a fresh relist is in) `statuses()` answers undefined and the route reads the cluster as
// `slipway status` does. An expired resourceVersion (410) is handled inside the watch (kube/watch.ts
// re-lists); any other failure drops the environment's index and starts over from new lists.
import type { LoadedPlatform } from '../config/load.ts';
import { namespaceFor, serviceNames } from '../config/model.ts';
import type { KubeClient } from '../kube/client.ts';
import { historySelector } from '../release/history.ts';
import type { ServiceStatus } from '../release/inspect.ts';
import type { SlipwayError } from '../shared/errors.ts';
import type { WatchEvent } from '../shared/kube-types.ts';
import { StatusIndex } from './status-index.ts';

export type StatusCacheConnect = (
  platform: LoadedPlatform,
  environment: string,
  o?: { start?: boolean },
) => Promise<KubeClient | undefined>;

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/** The watches of one environment of one platform in one namespace. */
class EnvironmentWatch {
  index: StatusIndex | undefined;
  private watches: Array<{ stop(): void }> = [];
  private starting: Promise<void> | undefined;
  private stopped = false;
  private retryMs = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  /** Counts starts, so the events and failures of an abandoned start are ignored. */
  private generation = 0;

  constructor(
    readonly key: string,
    private readonly platform: LoadedPlatform,
    private readonly environment: string,
    private readonly connect: StatusCacheConnect,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts (or restarts) watching unless that is under way; resolves when synced or failed. */
  start(): Promise<void> {
    if (this.stopped || this.index) return Promise.resolve();
    this.starting ??= this.sync().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async sync(): Promise<void> {
    const generation = ++this.generation;
    const index = new StatusIndex(this.environment);
    const watches: Array<{ stop(): void }> = [];
    const onError = (e: SlipwayError) => {
      if (generation === this.generation) this.fail(e);
    };
    const feed = (apply: (e: WatchEvent) => void) => (e: WatchEvent) => {
      if (generation === this.generation) apply(e);
    };
    try {
      const client = await this.connect(this.platform, this.environment, { start: false });
      if (!client) throw new Error(`the cluster of ${this.environment} is not running`);
      const namespace = namespaceFor(this.platform, this.environment);
      const selector = historySelector({
        platform: this.platform.platform.name,
        environment: this.environment,
      });
      const started = await Promise.allSettled([
        client.watch(
          'v1',
          'Secret',
          { namespace, labelSelector: selector, onError },
          feed((e) => index.secret(e.type, e.object)),
        ),
        // The lock Lease lives in the client's namespace (release/lock.ts readLock).
        client.watch(
          'coordination.k8s.io/v1',
          'Lease',
          { namespace: client.target.namespace, onError },
          feed((e) => index.lease(e.type, e.object)),
        ),
        client.watch(
          'apps/v1',
          'Deployment',
          { namespace, onError },
          feed((e) => index.deployment(e.type, e.object)),
        ),
      ]);
      for (const s of started) if (s.status === 'fulfilled') watches.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      if (this.stopped || generation !== this.generation) {
        for (const w of watches) w.stop();
        return;
      }
      this.watches = watches;
      this.index = index;
      this.retryMs = RETRY_MIN_MS;
    } catch (e) {
      for (const w of watches) w.stop();
      if (generation === this.generation) this.retryLater(e);
    }
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.timer);
    for (const w of this.watches) w.stop();
    this.watches = [];
    this.index = undefined;
  }

  /** A watch failed: its index may miss events from now on, so drop it and start over. */
  private fail(e: SlipwayError): void {
    this.generation++;
    for (const w of this.watches) w.stop();
    this.watches = [];
    this.index = undefined;
    this.retryLater(e);
  }

  private retryLater(e: unknown): void {
    if (this.stopped) return;
    this.log(
      `status cache of ${this.environment}: ${(e as Error).message ?? String(e)}; reading the cluster per request, retrying in ${this.retryMs} ms`,
    );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.start(), this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}

export class StatusCache {
  private readonly envs = new Map<string, EnvironmentWatch>();

  constructor(
    private readonly connect: StatusCacheConnect,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /**
   * The status of every service of the environment from memory, or undefined while its watches are
   * not synced (the first call starts them). A platform reloaded with another name or namespace
   * gets new watches; the old ones stop.
   */
  statuses(platform: LoadedPlatform, environment: string): ServiceStatus[] | undefined {
    const w = this.watchOf(platform, environment);
    return w.index?.statuses(serviceNames(platform));
  }

  /** Starts watching the environment and resolves once synced (or its first attempt failed). */
  async warm(platform: LoadedPlatform, environment: string): Promise<boolean> {
    const w = this.watchOf(platform, environment);
    await w.start();
    return w.index !== undefined;
  }

  stop(): void {
    for (const w of this.envs.values()) w.stop();
    this.envs.clear();
  }

  private watchOf(platform: LoadedPlatform, environment: string): EnvironmentWatch {
    const key = `${platform.platform.name}/${namespaceFor(platform, environment)}`;
    let w = this.envs.get(environment);
    if (w && w.key !== key) {
      w.stop();
      w = undefined;
    }
    if (!w) {
      w = new EnvironmentWatch(key, platform, environment, this.connect, this.log);
      this.envs.set(environment, w);
      void w.start();
    }
    return w;
  }
}
