// Delivers notifications to the platform's webhooks: follows the audit log by sequence number, one
// cursor per webhook, and moves a cursor only after the receiver answered 2xx — at-least-once, in
// order per webhook. A receiver that is down is retried with exponential back-off (1 s doubling to
// 60 s) and gets everything it missed when it is back. Every attempt goes to the delivery log.
import type { LoadedPlatform } from '../../config/load.ts';
import type { NotificationConfig } from '../../config/schema.ts';
import type { AuditRecord, NotificationDelivery, StateStore } from '../../store/types.ts';
import { type Notification, notificationsOf } from './events.ts';
import { webhookRequest } from './payload.ts';

export type Delivery = NotificationDelivery;

/** Where the notifier keeps its place and its attempts (the state store). */
export interface DeliveryLog {
  cursor(target: string): Promise<number | undefined>;
  advance(target: string, seq: number): Promise<void>;
  record(d: Delivery): Promise<void>;
}

export interface NotifierOptions {
  platform(): LoadedPlatform;
  audit(afterSeq: number): Promise<AuditRecord[]>;
  log: DeliveryLog;
  fetch?: typeof fetch;
  pollMs?: number;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** A pass that failed outside a delivery (the store, the platform); default: one line on stderr. */
  onError?: (e: unknown) => void;
}

const MAX_BACKOFF_MS = 60_000;

function matches(t: NotificationConfig, n: Notification): boolean {
  if (t.events && !t.events.includes(n.event as never)) return false;
  if (t.environments && (!n.environment || !t.environments.includes(n.environment))) return false;
  return true;
}

/** The notifier's place, attempts and input, kept in the state store. */
export function storeNotifierIO(store: StateStore): Pick<NotifierOptions, 'audit' | 'log'> {
  return {
    audit: (afterSeq) => store.listAudit({ afterSeq }),
    log: {
      cursor: (t) => store.notificationCursor(t),
      advance: (t, seq) => store.advanceNotificationCursor(t, seq),
      record: (d) => store.recordDelivery(d),
    },
  };
}

export class Notifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly failures = new Map<string, { attempts: number; retryAt: number }>();
  private stopped = false;

  constructor(private readonly o: NotifierOptions) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.deliverPending()
        .catch(this.o.onError ?? ((e) => process.stderr.write(`notifications: ${(e as Error).message}\n`)))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.pollMs ?? 1000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every webhook; answers when each is up to date or waiting to retry. */
  async deliverPending(now = Date.now()): Promise<void> {
    const p = this.o.platform();
    for (const t of p.platform.notifications ?? []) {
      const f = this.failures.get(t.name);
      if (f && f.retryAt > now) continue;
      await this.deliverTo(p.platform.name, t);
    }
  }

  private async deliverTo(platform: string, t: NotificationConfig): Promise<void> {
    let cursor = await this.o.log.cursor(t.name);
    if (cursor === undefined) {
      // A new webhook starts at the present, not with the whole history.
      const all = await this.o.audit(0);
      cursor = all.at(-1)?.seq ?? 0;
      await this.o.log.advance(t.name, cursor);
    }
    for (const entry of await this.o.audit(cursor)) {
      for (const n of notificationsOf(platform, entry).filter((x) => matches(t, x))) {
        const error = await this.send(t, n);
        const attempt = (this.failures.get(t.name)?.attempts ?? 0) + 1;
        await this.o.log.record({
          target: t.name,
          notificationId: n.id,
          event: n.event,
          seq: n.seq,
          status: error ? 'failed' : 'delivered',
          attempt,
          at: new Date().toISOString(),
          ...(error ? { error } : {}),
        });
        if (error) {
          const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1));
          this.failures.set(t.name, { attempts: attempt, retryAt: Date.now() + backoff });
          return;
        }
        this.failures.delete(t.name);
      }
      await this.o.log.advance(t.name, entry.seq);
    }
  }

  /** Answers undefined when delivered, else why not. */
  private async send(t: NotificationConfig, n: Notification): Promise<string | undefined> {
    const env = this.o.env ?? process.env;
    const url = t.url ?? (t.urlEnv ? env[t.urlEnv] : undefined);
    if (!url) return `environment variable ${t.urlEnv} (the webhook's URL) is not set`;
    const secret = t.secretEnv ? env[t.secretEnv] : undefined;
    if (t.secretEnv && !secret) return `environment variable ${t.secretEnv} (the signing key) is not set`;
    const req = webhookRequest(n, { format: t.format, secret });
    try {
      const res = await (this.o.fetch ?? fetch)(url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
      await res.body?.cancel().catch(() => {});
      return res.ok ? undefined : `${url} answered ${res.status}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      return `${url}: ${cause ?? (e as Error).message}`;
    }
  }
}
