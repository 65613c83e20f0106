// Exponential back-off for API requests: 100 ms doubling, 5 tries, Retry-After honoured (capped).
import { retryDecision } from './errors.ts';

export interface RetryPolicy {
  tries: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After slipway waits for; a server asking for more gets this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  tries: 5,
  firstDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The wait before try number `attempt + 1` (attempt counts from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
  if (retryAfterMs === undefined) return exp;
  return Math.min(policy.maxRetryAfterMs, Math.max(exp, retryAfterMs));
}

/** Runs `fn`, trying again on 429, 5xx, broken connections and (when allowed) retryable 409s. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  o: {
    conflictRetry: boolean;
    idempotent?: boolean;
    policy?: RetryPolicy;
    wait?: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const policy = o.policy ?? DEFAULT_RETRY;
  const wait = o.wait ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const d = retryDecision(e, { conflictRetry: o.conflictRetry, idempotent: o.idempotent ?? true });
      if (!d.retry || attempt >= policy.tries) throw e;
      await wait(backoffDelay(policy, attempt, d.afterMs));
    }
  }
}
