import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditRecord } from '../../store/types.ts';
import { notificationsOf } from './events.ts';
import { signature, verifySignature, webhookRequest } from './payload.ts';

let seq = 0;
const entry = (action: string, detail: Record<string, unknown>, o: Partial<AuditRecord> = {}): AuditRecord =>
  ({
    seq: ++seq,
    at: '2026-12-05T10:00:00.000Z',
    actor: 'dana',
    action,
    environment: 'prod',
    service: 'web',
    detail,
    prevHash: '',
    hash: '',
    ...o,
  }) as AuditRecord;
const events = (e: AuditRecord) => notificationsOf('shop', e).map((n) => n.event);

describe('notifications from audit entries', () => {
  it('a release: started, succeeded; a failure that restored the previous revision is also a rollback', () => {
    assert.deepEqual(events(entry('deploy', { outcome: 'requested' })), ['release.started']);
    assert.deepEqual(events(entry('deploy', { outcome: 'succeeded', version: 'v2' })), ['release.succeeded']);
    assert.deepEqual(
      events(
        entry('deploy', {
          outcome: 'failed',
          status: 'failed',
          revision: 3,
          failure: 'analysis success-rate failed',
        }),
      ),
      ['release.failed', 'release.rolled-back', 'analysis.failed'],
    );
    assert.deepEqual(
      events(entry('deploy', { outcome: 'failed', status: 'failed', revision: 1, failure: 'timed out' })),
      ['release.failed'],
    );
    assert.deepEqual(events(entry('rollback', { outcome: 'succeeded' })), ['release.rolled-back']);
    assert.deepEqual(events(entry('deploy', { outcome: 'refused' })), []);
  });

  it('approvals and freezes; permission refusals are not notified', () => {
    assert.deepEqual(
      events(entry('promote', { outcome: 'requested', status: 'requested', id: 4, approvalsNeeded: 1 })),
      ['approval.requested'],
    );
    assert.deepEqual(events(entry('promote', { outcome: 'requested', status: 'approved', id: 5 })), []);
    assert.deepEqual(events(entry('approve', { id: 4 })), ['approval.given']);
    assert.deepEqual(events(entry('approve', { id: 4, outcome: 'refused' })), []);
    assert.deepEqual(events(entry('reject', { id: 4 })), ['approval.rejected']);
    assert.deepEqual(
      events(entry('freeze', { outcome: 'succeeded', reason: 'INC-1' }, { service: undefined })),
      ['freeze.started'],
    );
    assert.deepEqual(events(entry('unfreeze', { outcome: 'succeeded' })), ['freeze.ended']);
    assert.deepEqual(events(entry('permission-denied', { action: 'deploy' })), []);
  });

  it('a failed GitOps sync is notified with its commit; a successful or requested one is not', () => {
    const failed = notificationsOf(
      'shop',
      entry(
        'sync',
        { outcome: 'failed', commit: '0123456789abcdef0123', error: 'gitops may not deploy to prod' },
        { service: undefined },
      ),
    );
    assert.deepEqual(
      failed.map((n) => n.event),
      ['sync.failed'],
    );
    assert.match(failed[0]!.summary, /sync of prod to 0123456789ab failed: gitops may not deploy/);
    assert.deepEqual(events(entry('sync', { outcome: 'succeeded', commit: 'abc' })), []);
    assert.deepEqual(events(entry('sync', { outcome: 'requested' })), []);
  });

  it('ids are stable per entry and event, so receivers can drop repeated deliveries', () => {
    const e = entry('deploy', { outcome: 'succeeded' });
    assert.equal(notificationsOf('shop', e)[0]!.id, `shop:${e.seq}:release.succeeded`);
    assert.equal(notificationsOf('shop', e)[0]!.id, notificationsOf('shop', e)[0]!.id);
  });

  it('json bodies are signed with HMAC-SHA256 of the exact body; slack bodies are { text }', () => {
    const [n] = notificationsOf('shop', entry('deploy', { outcome: 'succeeded', version: 'v2' }));
    const json = webhookRequest(n!, { format: 'json', secret: 'k3y' });
    assert.equal(json.headers['x-slipway-signature'], signature('k3y', json.body));
    assert.ok(verifySignature('k3y', json.body, json.headers['x-slipway-signature']));
    assert.ok(!verifySignature('other', json.body, json.headers['x-slipway-signature']));
    assert.ok(!verifySignature('k3y', `${json.body} `, json.headers['x-slipway-signature']));
    assert.equal((JSON.parse(json.body) as { event: string }).event, 'release.succeeded');
    const slack = webhookRequest(n!, { format: 'slack' });
    assert.deepEqual(Object.keys(JSON.parse(slack.body) as object), ['text']);
    assert.match(
      (JSON.parse(slack.body) as { text: string }).text,
      /\[shop\] deploy of web in prod succeeded \(v2\)/,
    );
    assert.equal(slack.headers['x-slipway-signature'], undefined);
  });
});
