// A keyed work queue like client-go's: a key added while it waits is queued once, a key added while it
// is being processed runs again afterwards, and failures retry with a capped exponential delay.
// Processing is sequential per queue, so a controller never reconciles one key twice at the same time.

export type Reconcile = (key: string) => void | Promise<void>;

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, { t: NodeJS.Timeout; due: number }>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private stopped = false;
  private scheduled = false;

  constructor(
    private readonly name: string,
    private readonly reconcile: Reconcile,
    private readonly onError: (name: string, key: string, e: unknown) => void = () => {},
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.schedule();
  }

  /** Adds the key after `ms`; of several delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.due <= due) return;
    if (existing) clearTimeout(existing.t);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, { t, due });
  }

  stop(): void {
    this.stopped = true;
    for (const x of this.timers.values()) clearTimeout(x.t);
    this.timers.clear();
    this.pending.clear();
  }

  /** Resolves once nothing is pending or running (timers not counted); for tests. */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.running || this.scheduled) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && this.pending.size > 0) {
        const key = this.pending.values().next().value as string;
        this.pending.delete(key);
        try {
          await this.reconcile(key);
          this.failures.delete(key);
        } catch (e) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          if (!isConflict(e)) this.onError(this.name, key, e);
          this.addAfter(key, Math.min(5 * 2 ** n, 5_000));
        }
      }
    } finally {
      this.running = false;
    }
    if (this.pending.size > 0 && !this.stopped) this.schedule();
  }
}

export function errorCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isConflict = (e: unknown): boolean => errorCode(e) === 409;
export const isNotFound = (e: unknown): boolean => errorCode(e) === 404;
