// The release record as the memory of a release: each step is written to it (the history Secret)
// before it acts and again when it ends, so a release interrupted anywhere is found and resumed from
// its record by the next command, never from a process's memory.
import type { ReleaseRecord, ReleaseStep } from './history.ts';
import type { ServiceTarget } from './target.ts';
import type { ReleaseEvents } from './types.ts';

export const now = () => new Date().toISOString();

/** Runs `fn` as a step: announced and written to the record before it acts, ended after. */
export class Recorder {
  constructor(
    public record: ReleaseRecord,
    private readonly t: ServiceTarget,
    private readonly events: ReleaseEvents,
    private readonly persist = true,
  ) {}
  async save(): Promise<void> {
    if (this.persist) this.record = await this.t.history.update(this.record);
  }
  async step<T>(name: string, fn: () => Promise<{ detail?: string | undefined; value: T }>): Promise<T> {
    const step: ReleaseStep = { name, startedAt: now() };
    const index = this.record.steps.length;
    this.record = { ...this.record, steps: [...this.record.steps, step] };
    await this.save();
    this.events.step(step);
    try {
      const { detail, value } = await fn();
      this.end(index, step, 'ok', detail);
      await this.save();
      return value;
    } catch (e) {
      this.end(index, step, 'failed', e instanceof Error ? e.message : String(e));
      await this.save().catch(() => {});
      throw e;
    }
  }
  private end(index: number, step: ReleaseStep, outcome: 'ok' | 'failed', detail: string | undefined): void {
    const ended: ReleaseStep = { ...step, endedAt: now(), outcome, ...(detail ? { detail } : {}) };
    this.record = { ...this.record, steps: this.record.steps.map((s, i) => (i === index ? ended : s)) };
    this.events.step(ended);
  }
}
