// The bodies a webhook receives, and their signature. Generic receivers get the notification as JSON
// with an HMAC-SHA256 signature of the exact body (X-Slipway-Signature: sha256=<hex>, as GitHub signs
// its webhooks), so they can verify it came from this server; Slack-compatible incoming webhooks get
// `{ text }`. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Notification } from './events.ts';

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): whether `header` is the signature of `body` under `secret`. */
export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(signature(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

const ICON: Record<string, string> = {
  'release.started': ':rocket:',
  'release.succeeded': ':white_check_mark:',
  'release.failed': ':x:',
  'release.rolled-back': ':rewind:',
  'analysis.failed': ':chart_with_downwards_trend:',
  'approval.requested': ':raising_hand:',
  'approval.given': ':+1:',
  'approval.rejected': ':no_entry:',
  'freeze.started': ':snowflake:',
  'freeze.ended': ':sunny:',
  'sync.failed': ':warning:',
};

export function webhookRequest(
  n: Notification,
  o: { format: 'json' | 'slack'; secret?: string | undefined },
): WebhookRequest {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'slipway-notifier',
    'x-slipway-event': n.event,
    'x-slipway-delivery': n.id,
  };
  const body =
    o.format === 'slack'
      ? JSON.stringify({ text: `${ICON[n.event] ?? ''} [${n.platform}] ${n.summary}`.trim() })
      : JSON.stringify(n);
  if (o.secret) headers['x-slipway-signature'] = signature(o.secret, body);
  return { body, headers };
}
