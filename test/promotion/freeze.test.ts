// Freeze windows: cron parsing and whether a window is open, in UTC and in DST-affected zones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { environmentSchema } from '../../src/config/schema.ts';
import { activeFreeze, cronMatches, parseCron, wallClock } from '../../src/promotion/freeze.ts';
import { SlipwayError } from '../../src/shared/errors.ts';

const env = (freezeWindows: unknown) => environmentSchema.parse({ name: 'prod', freezeWindows });
const iso = (d: Date | undefined) => d?.toISOString();

test('parseCron: stars, lists, ranges, steps and names', () => {
  const s = parseCron('*/15 9-17/4 1,15 JAN-mar mon-FRI');
  assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
  assert.deepEqual([...s.hours], [9, 13, 17]);
  assert.deepEqual([...s.days], [1, 15]);
  assert.deepEqual([...s.months], [1, 2, 3]);
  assert.deepEqual([...s.weekdays], [1, 2, 3, 4, 5]);
  assert.equal(s.daysRestricted, true);
  assert.deepEqual([...parseCron('5/20 * * * *').minutes], [5, 25, 45]);
  assert.ok(parseCron('0 0 * * 7').weekdays.has(0), '7 is Sunday too');
});

test('parseCron: bad expressions are config errors that say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['0 18 * *', /has 4 fields, expected 5/],
    ['60 * * * *', /minute 60 is outside 0–59/],
    ['0 25 * * *', /hour 25/],
    ['0 0 * * FUNDAY', /"FUNDAY" is not a valid day of week/],
    ['*/0 * * * *', /step "0"/],
    ['0 0 10-5 * *', /runs backwards/],
  ];
  for (const [expr, message] of cases) {
    assert.throws(
      () => parseCron(expr),
      (e: unknown) => e instanceof SlipwayError && e.type === 'config' && message.test(e.message),
      expr,
    );
  }
});

test('day of month and day of week: either matches when both are restricted (Vixie cron)', () => {
  const s = parseCron('0 0 13 * FRI');
  const w = (day: number, weekday: number) => ({ month: 5, day, hour: 0, minute: 0, weekday });
  assert.equal(cronMatches(s, w(13, 2)), true);
  assert.equal(cronMatches(s, w(3, 5)), true);
  assert.equal(cronMatches(s, w(3, 2)), false);
  const onlyDow = parseCron('0 0 * * FRI');
  assert.equal(cronMatches(onlyDow, w(13, 2)), false);
});

test('wallClock reads the time in a zone, across DST', () => {
  // Copenhagen: CET (+1) in winter, CEST (+2) from 2026-03-29 01:00Z.
  assert.deepEqual(wallClock(new Date('2026-03-28T12:00:00Z'), 'Europe/Copenhagen'), {
    month: 3,
    day: 28,
    hour: 13,
    minute: 0,
    weekday: 6,
  });
  assert.equal(wallClock(new Date('2026-03-29T12:00:00Z'), 'Europe/Copenhagen').hour, 14);
  assert.equal(wallClock(new Date('2026-03-29T00:30:00Z'), 'UTC').hour, 0);
});

test('activeFreeze: table of windows and instants', () => {
  const cases: Array<{
    title: string;
    windows: unknown;
    now: string;
    expect: { name: string; endsAt: string } | undefined;
  }> = [
    {
      title: 'inside a weekly weekend freeze (UTC default)',
      windows: [{ name: 'weekend', cron: '0 16 * * FRI', duration: '64h' }],
      now: '2026-03-07T10:00:00Z', // Saturday
      expect: { name: 'weekend', endsAt: '2026-03-09T08:00:00.000Z' },
    },
    {
      title: 'before the window opens',
      windows: [{ name: 'weekend', cron: '0 16 * * FRI', duration: '64h' }],
      now: '2026-03-06T15:59:00Z',
      expect: undefined,
    },
    {
      title: 'at the first minute',
      windows: [{ name: 'weekend', cron: '0 16 * * FRI', duration: '64h' }],
      now: '2026-03-06T16:00:00Z',
      expect: { name: 'weekend', endsAt: '2026-03-09T08:00:00.000Z' },
    },
    {
      title: 'the end is exclusive',
      windows: [{ name: 'weekend', cron: '0 16 * * FRI', duration: '64h' }],
      now: '2026-03-09T08:00:00Z',
      expect: undefined,
    },
    {
      title: 'a nightly window crossing midnight, in Copenhagen (CET)',
      windows: [{ name: 'nightly', cron: '0 22 * * *', duration: '4h', timezone: 'Europe/Copenhagen' }],
      now: '2026-02-10T23:30:00Z', // 00:30 local, the next day
      expect: { name: 'nightly', endsAt: '2026-02-11T01:00:00.000Z' }, // 02:00 local
    },
    {
      title: 'after a midnight-crossing window',
      windows: [{ name: 'nightly', cron: '0 22 * * *', duration: '4h', timezone: 'Europe/Copenhagen' }],
      now: '2026-02-11T01:00:00Z',
      expect: undefined,
    },
    {
      title: 'DST: 18:00 local is 17:00Z in winter…',
      windows: [{ name: 'monday', cron: '0 18 * * MON', duration: '1h', timezone: 'Europe/Berlin' }],
      now: '2026-03-23T17:30:00Z',
      expect: { name: 'monday', endsAt: '2026-03-23T18:00:00.000Z' },
    },
    {
      title: '…and 16:00Z after the clocks went forward',
      windows: [{ name: 'monday', cron: '0 18 * * MON', duration: '1h', timezone: 'Europe/Berlin' }],
      now: '2026-03-30T16:30:00Z',
      expect: { name: 'monday', endsAt: '2026-03-30T17:00:00.000Z' },
    },
    {
      title: 'DST: the winter instant is outside the summer window',
      windows: [{ name: 'monday', cron: '0 18 * * MON', duration: '1h', timezone: 'Europe/Berlin' }],
      now: '2026-03-30T17:30:00Z',
      expect: undefined,
    },
    {
      title: 'a window spanning the DST change lasts its elapsed duration',
      windows: [{ name: 'easter', cron: '0 0 28 3 *', duration: '2d', timezone: 'Europe/Berlin' }],
      now: '2026-03-29T12:00:00Z',
      expect: { name: 'easter', endsAt: '2026-03-29T23:00:00.000Z' }, // started 27th 23:00Z
    },
    {
      title: 'US zone, year-end freeze of several days',
      windows: [{ name: 'year end', cron: '0 0 20 12 *', duration: '14d', timezone: 'America/New_York' }],
      now: '2026-12-31T12:00:00Z',
      expect: { name: 'year end', endsAt: '2027-01-03T05:00:00.000Z' },
    },
    {
      title: 'two windows open: the one ending last; unnamed windows get a name',
      windows: [
        { cron: '0 8 * * *', duration: '2h' },
        { name: 'release train', cron: '30 8 * * *', duration: '3h' },
      ],
      now: '2026-05-05T09:00:00Z',
      expect: { name: 'release train', endsAt: '2026-05-05T11:30:00.000Z' },
    },
    {
      title: 'unnamed window',
      windows: [{ cron: '0 8 * * *', duration: '2h' }],
      now: '2026-05-05T09:00:00Z',
      expect: { name: 'freeze window 1 (0 8 * * *)', endsAt: '2026-05-05T10:00:00.000Z' },
    },
    { title: 'no windows', windows: undefined, now: '2026-05-05T09:00:00Z', expect: undefined },
  ];
  for (const c of cases) {
    const got = activeFreeze(env(c.windows), new Date(c.now));
    assert.deepEqual(got && { name: got.name, endsAt: iso(got.endsAt) }, c.expect, c.title);
  }
});

test('activeFreeze: an unknown time zone is a config error', () => {
  assert.throws(
    () => activeFreeze(env([{ cron: '0 0 * * *', duration: '1h', timezone: 'Mars/Olympus' }]), new Date()),
    (e: unknown) => e instanceof SlipwayError && e.type === 'config' && /Mars\/Olympus/.test(e.message),
  );
});
