// The pure views: data → HTML. Escaping, the overview's attention order and soak, the weight series of
// a canary and of an aborted one, the four-eyes statement, the audit filter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReleaseRecord } from '../../release/history.ts';
import type { ServiceStatus } from '../../release/inspect.ts';
import type { AuditRecord } from '../../store/types.ts';
import { approvalsPage } from './approvals.ts';
import { filterAudit } from './audit.ts';
import type { PageContext } from './layout.ts';
import { overviewRows, soakRemaining } from './overview.ts';
import { weightSeries } from './release.ts';

const ctx: PageContext = { user: 'dana', csrf: 'tok', path: '/' };
const now = new Date('2026-12-05T12:00:00Z');
const status = (service: string, over: Partial<ServiceStatus> = {}): ServiceStatus => ({
  service,
  environment: 'dev',
  version: 'v1',
  revision: 1,
  deployedAt: '2026-12-05T11:00:00Z',
  health: { status: 'Healthy', message: '' },
  ...over,
});

describe('dashboard views', () => {
  test('the overview escapes names and puts services needing attention first', async () => {
    const html = (
      await overviewRows({
        environments: [{ name: 'dev' }],
        services: [
          { name: 'a<script>', statuses: { dev: status('a<script>') } },
          { name: 'zed', statuses: { dev: status('zed', { health: { status: 'Degraded', message: '' } }) } },
        ],
        filter: '',
        now,
      })
    ).toString();
    assert.ok(!html.includes('<script>'), 'escaped');
    assert.ok(html.indexOf('data-service="zed"') < html.indexOf('data-service="a&lt;script&gt;"'));
    assert.match(html, /needs attention: dev: degraded/);
  });

  test('soak left before the version of the environment before may be promoted', () => {
    const env = { name: 'prod', promotion: { from: 'dev', soakMs: 2 * 3_600_000 } };
    const left = soakRemaining(env, { dev: status('s', { version: 'v2' }), prod: status('s') }, now);
    assert.equal(left, 3_600_000);
    assert.equal(soakRemaining(env, { dev: status('s'), prod: status('s') }, now), undefined, 'same version');
  });

  test('the weight series follows setWeight steps and drops to 0 when aborted', () => {
    const r = {
      startedAt: '2026-12-05T11:59:00Z',
      status: 'aborted',
      endedAt: '2026-12-05T11:59:40Z',
      steps: [
        { name: 'step 1/4: setWeight 20', startedAt: '2026-12-05T11:59:10Z', outcome: 'ok' },
        { name: 'step 3/4: setWeight 60', startedAt: '2026-12-05T11:59:20Z', outcome: 'ok' },
        {
          name: 'step 4/4: pause',
          startedAt: '2026-12-05T11:59:21Z',
          endedAt: '2026-12-05T11:59:30Z',
          outcome: 'failed',
        },
      ],
    } as unknown as ReleaseRecord;
    assert.deepEqual(
      weightSeries(r, now).map((p) => p.weight),
      [0, 20, 60, 0, 0],
    );
  });

  test('the approvals inbox says in words that a requester cannot approve their own request', async () => {
    const view = {
      promotion: {
        id: 7,
        service: 'web',
        versions: { web: { version: 'v2' } },
        from: 'dev',
        to: 'prod',
        requester: 'dana',
        reason: undefined,
        hotfix: false,
        status: 'requested',
        approvalsNeeded: 1,
        createdAt: '2026-12-05T11:00:00Z',
        decidedAt: undefined,
        expiresAt: undefined,
      },
      approvals: [],
    } as never;
    const item = {
      view,
      changes: [{ service: 'web', from: 'v1', to: 'v2' }],
      rule: 'prod needs 1 approval',
      approvers: 'approver: april',
    };
    const own = (await approvalsPage(ctx, { items: [item], actor: 'dana', now })).toString();
    assert.match(own, /You requested this promotion, so you cannot approve it/);
    assert.match(own, /name="_csrf" value="tok"/);
    const other = (await approvalsPage(ctx, { items: [item], actor: 'april', now })).toString();
    assert.doesNotMatch(other, /You requested this promotion/);
  });

  test('the audit filter selects by who, environment, action and time', () => {
    const e = (actor: string, action: string, at: string) =>
      ({
        seq: 1,
        at,
        actor,
        action,
        environment: 'dev',
        service: 'web',
        detail: {},
        prevHash: '',
        hash: '',
      }) as AuditRecord;
    const all = [e('dana', 'deploy', '2026-12-05T10:00:00Z'), e('april', 'approve', '2026-12-05T11:00:00Z')];
    assert.deepEqual(
      filterAudit(all, { who: 'april' }).map((x) => x.actor),
      ['april'],
    );
    assert.deepEqual(
      filterAudit(all, { since: '2026-12-05T10:30:00Z' }).map((x) => x.action),
      ['approve'],
    );
    assert.deepEqual(
      filterAudit(all, { action: 'deploy', env: 'dev' }).map((x) => x.actor),
      ['dana'],
    );
  });
});
