// The settings page's pure parts: the freeze calendar agrees with the gates' activeFreeze at every
// half hour (also across a DST change in a window's zone), clips spans to days and shows declared
// freezes until lifted; tokens and webhooks never show a secret, and a refused action says why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EnvironmentConfig } from '../../config/schema.ts';
import { activeFreeze } from '../../promotion/freeze.ts';
import type { PageContext } from './layout.ts';
import { calendarTable, declaredSpans, freezeCalendar, windowSpans } from './settings-calendar.ts';
import { notificationsSection, redactUrls, tokensSection, urlHost } from './settings-tokens.ts';

const ctx: PageContext = { user: 'ada', csrf: 'tok', path: '/settings' };
const env = (name: string, freezeWindows: EnvironmentConfig['freezeWindows']) =>
  ({ name, policy: 'relaxed', freezeWindows }) as unknown as EnvironmentConfig;

describe('settings: freeze calendar', () => {
  test('the spans hold exactly when the gates say a window is open, half hour by half hour', () => {
    const envs = [
      env('prod', [
        { name: 'weekend', cron: '0 18 * * FRI', duration: '60h' },
        { cron: '30 2 * * *', duration: '90m', timezone: 'Europe/Copenhagen' },
        { name: 'quarter', cron: '*/15 9 1-3 * *', duration: '10m' },
      ]),
    ];
    // 2026-03-29: Copenhagen skips 02:00–03:00, so that day's 02:30 does not fire.
    const from = new Date('2026-03-22T00:00:00Z');
    const to = new Date(from.getTime() + 14 * 86_400_000);
    const spans = windowSpans(envs[0]!, from, to);
    for (let t = from.getTime(); t < to.getTime(); t += 30 * 60_000) {
      const at = new Date(t);
      const inSpan = spans.some((s) => s.start <= at && (s.end === undefined || s.end > at));
      assert.equal(inSpan, activeFreeze(envs[0]!, at) !== undefined, at.toISOString());
    }
    assert.ok(!spans.some((s) => s.start.toISOString().startsWith('2026-03-29T01:30')));
  });

  test('days are UTC, spans are clipped to each day and named, open days say so', async () => {
    const now = new Date('2026-12-03T10:00:00Z'); // a Thursday
    const cal = freezeCalendar(
      [
        { config: env('dev', []), declared: [] },
        {
          config: env('prod', [{ name: 'late saturday', cron: '0 22 * * SAT', duration: '4h' }]),
          declared: [
            {
              id: 7,
              reason: 'incident <b>',
              createdBy: 'ada',
              startsAt: '2026-12-03T09:00:00Z',
              endsAt: undefined,
              liftedAt: '2026-12-04T06:00:00Z',
            },
          ],
        },
      ],
      now,
    );
    assert.equal(cal.days.length, 14);
    assert.equal(cal.days[0]!.date, '2026-12-03');
    const day = (d: string) => cal.days.find((x) => x.date === d)!;
    assert.deepEqual(
      day('2026-12-05').cells[1]!.spans.map((s) => `${s.from}-${s.to}`),
      ['22:00-24:00'],
    );
    assert.deepEqual(
      day('2026-12-06').cells[1]!.spans.map((s) => `${s.from}-${s.to} ${s.name}`),
      ['00:00-02:00 late saturday'],
    );
    assert.deepEqual(
      day('2026-12-04').cells[1]!.spans.map((s) => `${s.from}-${s.to}`),
      ['00:00-06:00'],
      'the declared freeze ends when it was lifted',
    );
    assert.equal(day('2026-12-04').cells[0]!.spans.length, 0);
    const html = (await calendarTable(cal)).toString();
    assert.match(html, /<caption/);
    assert.match(
      html,
      /<th scope="row" style="white-space:nowrap"><time datetime="2026-12-05">Sat 5 Dec<\/time><\/th>/,
    );
    assert.match(html, /frozen<\/span> 22:00–24:00 <small>late saturday \(window\)<\/small>/);
    assert.ok(html.includes('incident &lt;b&gt;') && !html.includes('<b>'), 'escaped');
    assert.ok(html.includes('>open</span>'), 'an open day says so in words');
  });

  test('a declared freeze without an end runs to the end of the calendar', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-15T00:00:00Z');
    const f = { id: 1, reason: 'stop', createdBy: 'ada', startsAt: '2026-11-01T00:00:00Z' };
    assert.equal(
      declaredSpans([{ ...f, endsAt: undefined, liftedAt: undefined }], from, to)[0]!.end,
      undefined,
    );
    assert.equal(
      declaredSpans([{ ...f, endsAt: '2026-11-02T00:00:00Z', liftedAt: undefined }], from, to).length,
      0,
    );
  });
});

describe('settings: tokens and notifications', () => {
  const now = new Date('2026-12-05T12:00:00Z');
  const row = {
    id: 3,
    name: 'ci-main',
    environments: ['dev'],
    roles: ['viewer'],
    createdBy: 'dana',
    createdAt: '2026-12-05T11:00:00Z',
    expiresAt: '2027-01-04T11:00:00Z',
    revokedAt: undefined,
    revokedBy: undefined,
    state: 'usable' as const,
  };

  test('the secret is shown once, revoke and create are disabled with the reason', async () => {
    const html = (
      await tokensSection(
        ctx,
        {
          rows: [{ ...row, revoke: { allowed: false, reason: 'Only its creator (dana) may' } }],
          create: { environments: [], reason: 'you are admin of none' },
          created: { id: 3, name: 'ci-main', secret: 'slw_abc' },
        },
        now,
      )
    ).toString();
    assert.match(html, /value="slw_abc"/);
    assert.match(html, /disabled aria-describedby="revoke-3-why">Revoke #3/);
    assert.match(html, /id="revoke-3-why">Only its creator \(dana\) may/);
    assert.match(html, /disabled aria-describedby="token-create-why">Create token/);
    assert.match(html, /name="_csrf" value="tok"/);
    const plain = (
      await tokensSection(
        ctx,
        { rows: [{ ...row, revoke: { allowed: true } }], create: { environments: ['dev', 'prod'] } },
        now,
      )
    ).toString();
    assert.ok(!plain.includes('slw_abc') && !plain.includes('disabled'));
    assert.match(plain, /action="\/settings\/tokens\/3\/revoke"/);
    assert.match(plain, /name="env" value="prod"/);
  });

  test('a webhook shows its host only; delivery errors lose URL paths', async () => {
    assert.equal(urlHost('https://hooks.slack.com/services/T0/B0/secret'), 'hooks.slack.com');
    assert.equal(urlHost('not a url'), undefined);
    assert.equal(redactUrls('http://127.0.0.1:9/hook?key=s3cret answered 500'), '127.0.0.1:9 answered 500');
    const html = (
      await notificationsSection(
        [
          {
            name: 'chat',
            format: 'slack',
            host: 'hooks.slack.com',
            signed: true,
            events: undefined,
            environments: ['prod'],
            deliveries: [
              {
                target: 'chat',
                notificationId: 'n1',
                event: 'release.failed',
                seq: 12,
                status: 'failed',
                attempt: 2,
                at: '2026-12-05T11:59:00Z',
                error: 'https://hooks.slack.com/services/T0/B0/secret: ECONNRESET',
              },
            ],
          },
        ],
        now,
      )
    ).toString();
    assert.ok(!html.includes('secret:') && !html.includes('/services/'), html);
    assert.match(html, /hooks\.slack\.com: ECONNRESET/);
    assert.match(html, /release\.failed <small>#12<\/small>/);
    assert.match(html, /failed<\/span><\/td><td>2<\/td>/);
    assert.match(html, /1m 0s ago/);
    const none = (await notificationsSection([], now)).toString();
    assert.match(none, /No notification targets/);
  });
});
