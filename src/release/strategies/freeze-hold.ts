// What a declared freeze does to a release that is already running (the emergency stop, issue 11
// item 8): a canary holds at its current weight, a blue-green release holds before its switch, while
// the environment's freeze marker (freeze-marker.ts) is there. Time held is nobody's fault, so it
// runs out no clock: a pause, a step's stepTimeout and the release's timeout are all moved by it.
// A rolling update in flight is not paused: Kubernetes rolls a Deployment by itself, there is no
// weight to hold; the freeze refuses every new release instead (operations/guard.ts).
//
// The per-release total held lives here, keyed like the other per-release run-time state
// (canary-runtime.ts), because the engine hands each step a fresh copy of the context.
import type { StrategyContext } from '../types.ts';

const heldByRelease = new Map<string, number>();
const keyOf = (ctx: Pick<StrategyContext, 'namespace' | 'service' | 'release'>) =>
  `${ctx.namespace}/${ctx.service}/${ctx.release.revision}`;

/** Milliseconds this release has held for freezes so far. */
export function heldSoFar(ctx: Pick<StrategyContext, 'namespace' | 'service' | 'release'>): number {
  return heldByRelease.get(keyOf(ctx)) ?? 0;
}

export function addHeld(ctx: Pick<StrategyContext, 'namespace' | 'service' | 'release'>, ms: number): void {
  if (ms > 0) heldByRelease.set(keyOf(ctx), heldSoFar(ctx) + ms);
}

/** Forgets the release's total (it ended). */
export function forgetHeld(ctx: Pick<StrategyContext, 'namespace' | 'service' | 'release'>): void {
  heldByRelease.delete(keyOf(ctx));
}

/** The context with its release deadline moved by every hold so far. */
export function withHeldDeadline<
  T extends Pick<StrategyContext, 'namespace' | 'service' | 'release' | 'deadline'>,
>(ctx: T): T {
  const held = heldSoFar(ctx);
  return held === 0 ? ctx : { ...ctx, deadline: ctx.deadline + held };
}

/**
 * The holds of one wait, on a clock passed in: `observe` at each look at the marker answers when a
 * hold starts or ends; `held(now)` is the time held so far, the current hold included.
 */
export class HoldClock {
  private since: number | undefined;
  private total = 0;

  get frozen(): boolean {
    return this.since !== undefined;
  }

  observe(frozen: boolean, now: number): { started: true } | { ended: number } | undefined {
    if (frozen && this.since === undefined) {
      this.since = now;
      return { started: true };
    }
    if (!frozen && this.since !== undefined) {
      const ms = now - this.since;
      this.total += ms;
      this.since = undefined;
      return { ended: ms };
    }
    return undefined;
  }

  held(now: number): number {
    return this.total + (this.since === undefined ? 0 : now - this.since);
  }
}

/** `12.3s` for log lines. */
export const heldFor = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
