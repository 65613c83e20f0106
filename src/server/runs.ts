// Operations that run longer than a request (deploy, rollback, resume, apply, an approval that runs its
// promotion) run here, in the server, with no client attached: the route starts the operation, waits
// until it has passed its gates (its first event) or ended, and answers 202 with the run; progress is
// kept as a bounded list of events that clients follow over server-sent events, from any point.
import type { ReleaseEvents } from '../release/types.ts';
import { type Problem, toProblem } from './problem.ts';

export const RUN_STATUS = { running: 'running', succeeded: 'succeeded', failed: 'failed' } as const;
export type RunStatus = (typeof RUN_STATUS)[keyof typeof RUN_STATUS];

export interface RunEvent {
  /** 1-based, per run: a client resumes with Last-Event-ID. */
  seq: number;
  at: string;
  type: 'step' | 'progress' | 'log' | 'measurement' | 'end';
  service?: string;
  data: unknown;
}

export interface RunMeta {
  kind: string;
  environment: string;
  service?: string;
  startedBy: string;
}

export interface RunView extends RunMeta {
  id: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  result?: unknown;
  error?: Problem;
}

/** Events kept per run; older ones are dropped (a late client sees the end and the run's view). */
const MAX_EVENTS = 5000;

export class Run {
  readonly events: RunEvent[] = [];
  private readonly listeners = new Set<(e: RunEvent) => void>();
  private seq = 0;
  view: RunView;
  /** Resolves when the run has emitted its first event or ended: its gates are behind it. */
  readonly started: Promise<void>;
  private markStarted!: () => void;

  constructor(id: string, meta: RunMeta) {
    this.view = { id, ...meta, status: RUN_STATUS.running, startedAt: new Date().toISOString() };
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  emit(type: RunEvent['type'], data: unknown, service?: string): void {
    const e: RunEvent = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      type,
      ...(service ? { service } : {}),
      data,
    };
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.shift();
    this.markStarted();
    for (const l of this.listeners) l(e);
  }

  /** The engine's progress callbacks of one service, into this run. */
  releaseEvents(service: string): ReleaseEvents {
    return {
      step: (s) => this.emit('step', s, service),
      progress: (p) => this.emit('progress', p, service),
      log: (line) => this.emit('log', line, service),
      measurement: (m) => this.emit('measurement', m, service),
    };
  }

  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** How many clients follow this run now (the metrics and the SSE benchmark read it). */
  get subscribers(): number {
    return this.listeners.size;
  }

  get done(): boolean {
    return this.view.status !== RUN_STATUS.running;
  }

  finish(result: { value?: unknown; error?: unknown }): void {
    const error = result.error === undefined ? undefined : toProblem(result.error);
    this.view = {
      ...this.view,
      status: error ? RUN_STATUS.failed : RUN_STATUS.succeeded,
      endedAt: new Date().toISOString(),
      ...(result.value !== undefined ? { result: result.value } : {}),
      ...(error ? { error } : {}),
    };
    this.emit('end', this.view);
  }
}

export class RunRegistry {
  private readonly runs = new Map<string, Run>();
  private next = 0;
  /** Called when a run ends (metrics, notifications). */
  onEnd: ((run: Run) => void) | undefined;

  constructor(private readonly keep = 500) {}

  /**
   * Starts `fn` as a run. Answers once the run has passed its gates (first event) or ended; a run
   * that failed before any event (refused by a gate, bad input) rejects with its error and is not
   * kept, so the route answers with that error instead of 202.
   */
  async start<T>(meta: RunMeta, fn: (run: Run) => Promise<T>): Promise<Run> {
    const run = new Run(`r${Date.now().toString(36)}-${++this.next}`, meta);
    let failure: { error: unknown } | undefined;
    const work = fn(run).then(
      (value) => run.finish({ value }),
      (error: unknown) => {
        if (run.events.length === 0) failure = { error };
        run.finish({ error });
      },
    );
    await Promise.race([run.started, work]);
    if (failure && run.events.length <= 1) throw failure.error;
    this.runs.set(run.view.id, run);
    void work.then(() => this.onEnd?.(run));
    this.prune();
    return run;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  list(): RunView[] {
    return [...this.runs.values()].map((r) => r.view).reverse();
  }

  running(): number {
    let n = 0;
    for (const r of this.runs.values()) if (!r.done) n++;
    return n;
  }

  private prune(): void {
    if (this.runs.size <= this.keep) return;
    for (const [id, r] of this.runs) {
      if (this.runs.size <= this.keep) break;
      if (r.done) this.runs.delete(id);
    }
  }
}
