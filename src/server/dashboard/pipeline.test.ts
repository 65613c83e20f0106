// The pipeline view, pure: stages in the given order, each service's version and age, a promote form
// only where the rules allow it, a disabled button tied to its reasons otherwise, escaping.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Eligibility } from '../../promotion/eligibility.ts';
import type { PageContext } from './layout.ts';
import { pipelinePage, requestedText } from './pipeline.ts';
import type { PipelineData } from './pipeline-data.ts';

const ctx: PageContext = { user: 'dana', csrf: 'tok', path: '/pipeline' };
const now = new Date('2026-12-05T12:00:00Z');
const move = (over: Partial<Eligibility>): Eligibility => ({
  from: 'dev',
  to: 'prod',
  service: 'web',
  state: 'eligible',
  version: { version: 'v2', digest: 'sha256:0123456789abcdef0123' },
  reasons: [],
  approvalsNeeded: 1,
  approvers: 'approver: release-managers',
  approverNames: ['april'],
  ...over,
});

const data = (web: Eligibility, can: Eligibility): PipelineData => ({
  filter: '<q>',
  now,
  stages: [
    {
      name: 'dev',
      approvals: 0,
      cells: [
        {
          service: 'web',
          running: {
            version: { version: 'v2', digest: 'sha256:0123456789abcdef0123', chart: { version: '1.2.0' } },
            since: '2026-12-05T11:00:00Z',
          },
          next: [web],
        },
        { service: 'can', next: [can] },
      ],
    },
    { name: 'prod', from: 'dev', approvals: 1, freeze: 'weekend', cells: [] },
  ],
});

describe('pipeline view', () => {
  test('an eligible service has a form posting to /pipeline/promote; a blocked one a disabled button and its reasons', async () => {
    const html = (
      await pipelinePage(
        ctx,
        data(
          move({}),
          move({ service: 'can', state: 'blocked', reasons: ['prod is frozen (<b>weekend</b>)'] }),
        ),
      )
    ).toString();
    assert.ok(html.indexOf('1. dev') < html.indexOf('2. prod'), 'promotion order');
    assert.match(html, /v2@0123456789ab \(chart 1\.2\.0\)/);
    assert.match(html, /running for 1h 0m/);
    assert.match(html, /action="\/pipeline\/promote"/);
    assert.match(html, /name="service" value="web"/);
    assert.match(html, /name="_csrf" value="tok"/);
    assert.match(html, /needs 1 approval in prod \(never the requester\) — may approve: april/);
    assert.match(
      html,
      /<button type="button" disabled aria-describedby="move-can-dev-prod-why">Promote to prod/,
    );
    assert.match(html, /id="move-can-dev-prod-why"><li>prod is frozen \(&lt;b&gt;weekend&lt;\/b&gt;\)/);
    assert.ok(!html.includes('<q>'), 'the filter is escaped');
    assert.match(html, /promoted from dev · 1 approval · last stage/);
    assert.match(html, /frozen<\/span> <small>weekend/);
    assert.match(html, /not released here/);
  });

  test('an open request links to the approvals inbox; a target already running it says so', async () => {
    const html = (
      await pipelinePage(
        ctx,
        data(
          move({ state: 'current', reasons: ['prod already runs this version'] }),
          move({
            service: 'can',
            state: 'pending',
            reasons: ['promotion #4 of can to prod is already requested'],
            pending: { id: 4, status: 'requested', requester: 'dana' },
          }),
        ),
      )
    ).toString();
    assert.match(html, /href="\/approvals#promotion-4">#4 requested/);
    assert.match(html, /up to date/);
    assert.ok(!html.includes('action="/pipeline/promote"'), 'no form when nothing may be requested');
    const running = move({
      state: 'pending',
      reasons: ['…'],
      pending: { id: 5, status: 'running', requester: 'dana' },
    });
    const follow = (await pipelinePage(ctx, data(running, running))).toString();
    assert.match(
      follow,
      /href="\/releases\/prod\/web">#5 running/,
      'a running promotion is followed on its release view',
    );
    assert.ok(!follow.includes('may approve'), 'nobody is asked to approve what already runs');
  });

  test('the flash after a request names it and what it waits for', () => {
    assert.equal(
      requestedText({
        id: 3,
        service: 'can',
        from: 'dev',
        to: 'prod',
        approvalsNeeded: 1,
      } as Parameters<typeof requestedText>[0]),
      'requested promotion #3 of can from dev to prod: it needs 1 approval before it runs',
    );
  });
});
