// What is worth telling people, read from the audit log: every state change is already written there
// (by the operations layer, from the CLI or the API), so notifications follow the log by sequence
// number and never miss a change made while a receiver was down. Pure.
import { NOTIFICATION_EVENTS } from '../../config/schema.ts';
import type { AuditRecord } from '../../store/types.ts';

export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export { NOTIFICATION_EVENTS };

export interface Notification {
  /** Stable per audit entry and event: receivers deduplicate at-least-once deliveries with it. */
  id: string;
  event: NotificationEvent;
  at: string;
  platform: string;
  environment?: string;
  service?: string;
  actor: string;
  /** One line for people. */
  summary: string;
  /** The audit entry it comes from. */
  seq: number;
  detail: Record<string, unknown>;
}

const RELEASES = new Set(['deploy', 'hotfix', 'rollback', 'resume', 'apply']);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** The notifications one audit entry gives (none for most: reads, refusals, requests of reads). */
export function notificationsOf(platform: string, e: AuditRecord): Notification[] {
  const d = e.detail;
  const outcome = str(d['outcome']);
  const where = `${e.service ? `${e.service} ` : ''}${e.environment ? `in ${e.environment}` : ''}`.trim();
  const version = str(d['version']);
  const out: Array<Pick<Notification, 'event' | 'summary'>> = [];
  if (RELEASES.has(e.action)) {
    const what = e.action === 'apply' ? `apply of ${e.environment}` : `${e.action} of ${where}`;
    if (outcome === 'requested')
      out.push({ event: 'release.started', summary: `${e.actor} started the ${what}` });
    else if (outcome === 'succeeded')
      out.push(
        e.action === 'rollback'
          ? {
              event: 'release.rolled-back',
              summary: `${where} rolled back by ${e.actor}${version ? ` to ${version}` : ''}`,
            }
          : { event: 'release.succeeded', summary: `${what} succeeded${version ? ` (${version})` : ''}` },
      );
    else if (outcome === 'failed') {
      const failure = str(d['failure']) ?? str(d['error']) ?? 'failed';
      out.push({ event: 'release.failed', summary: `${what} failed: ${failure}` });
      // The engine restores the previous revision when a release fails: say so, as Argo Rollouts does.
      if (d['status'] === 'failed' && Number(d['revision'] ?? 0) > 1)
        out.push({ event: 'release.rolled-back', summary: `${where} rolled back automatically: ${failure}` });
      if (/analysis/i.test(failure))
        out.push({ event: 'analysis.failed', summary: `analysis failed for ${where}: ${failure}` });
    }
  } else if (
    (e.action === 'promote' || e.action === 'hotfix') &&
    outcome === 'requested' &&
    d['status'] === 'requested'
  ) {
    out.push({
      event: 'approval.requested',
      summary: `${e.actor} asks to promote ${e.service} from ${str(d['from'])} to ${e.environment} (#${str(d['id'])}, ${str(d['approvalsNeeded'])} approval(s) needed)`,
    });
  } else if (e.action === 'approve' && outcome !== 'refused') {
    out.push({
      event: 'approval.given',
      summary: `${e.actor} approved promotion #${str(d['id'])} of ${where}`,
    });
  } else if (e.action === 'reject') {
    out.push({
      event: 'approval.rejected',
      summary: `${e.actor} rejected promotion #${str(d['id'])} of ${where}`,
    });
  } else if (e.action === 'freeze' && outcome === 'succeeded') {
    out.push({
      event: 'freeze.started',
      summary: `${e.environment} frozen by ${e.actor}: ${str(d['reason']) ?? ''}`.trim(),
    });
  } else if (e.action === 'sync' && outcome === 'failed') {
    const commit = str(d['commit']);
    out.push({
      event: 'sync.failed',
      summary: `GitOps sync of ${e.environment}${commit ? ` to ${commit.slice(0, 12)}` : ''} failed: ${str(d['error']) ?? 'failed'}`,
    });
  } else if (e.action === 'unfreeze' && outcome === 'succeeded') {
    out.push({
      event: 'freeze.ended',
      summary: `${e.environment} unfrozen by ${e.actor}: ${str(d['reason']) ?? ''}`.trim(),
    });
  }
  return out.map((n) => ({
    ...n,
    id: `${platform}:${e.seq}:${n.event}`,
    at: e.at,
    platform,
    ...(e.environment ? { environment: e.environment } : {}),
    ...(e.service ? { service: e.service } : {}),
    actor: e.actor,
    seq: e.seq,
    detail: d,
  }));
}
