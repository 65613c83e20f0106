import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURATION_PATTERN, formatDuration, formatTime, isDuration, parseDuration } from './duration.ts';
import { SlipwayError } from './errors.ts';

describe('parseDuration', () => {
  it('reads every unit and combinations of them', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('2d'), 172_800_000);
    assert.equal(parseDuration('62h'), 223_200_000);
    assert.equal(parseDuration('1m500ms'), 60_500);
    assert.equal(parseDuration('0s'), 0);
  });

  it('takes units in any order, as Go does, and ignores surrounding blanks', () => {
    assert.equal(parseDuration('30s1h'), 3_630_000);
    assert.equal(parseDuration('  5m '), 300_000);
  });

  it('reads bare digits as seconds (the CLI flags; the schema asks for a unit)', () => {
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(DURATION_PATTERN.test('90'), false);
  });

  it('refuses anything else with a usage error that says how to write one', () => {
    for (const bad of ['', ' ', '10 minutes', '1.5h', '-5m', '5w', '1h 30m', 'm', '10mss', '5us']) {
      assert.throws(
        () => parseDuration(bad),
        (e: unknown) =>
          e instanceof SlipwayError && e.type === 'usage' && /not a duration/.test(e.message) && !!e.hint,
        bad,
      );
    }
  });
});

describe('isDuration and DURATION_PATTERN', () => {
  it('accept what files may write and nothing else', () => {
    for (const ok of ['90s', '5m', '1h30m', '2d', '250ms']) assert.equal(isDuration(ok), true, ok);
    for (const no of ['90', '2026-03-01', '1.5h', '', 'soon']) assert.equal(isDuration(no), false, no);
  });

  it('agree with parseDuration on every text they accept', () => {
    for (const ok of ['90s', '5m', '1h30m', '2d', '250ms', '1d2h3m4s5ms']) {
      assert.equal(DURATION_PATTERN.test(ok), true);
      assert.equal(typeof parseDuration(ok), 'number');
    }
  });
});

describe('formatDuration', () => {
  it('prints the largest unit and the next when it is not zero', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(45_500), '45s');
    assert.equal(formatDuration(12 * 60_000), '12m');
    assert.equal(formatDuration(3_600_000 + 2 * 60_000 + 5000), '1h2m');
    assert.equal(formatDuration(3_600_000 + 5000), '1h');
    assert.equal(formatDuration(86_400_000 * 2 + 3_600_000), '2d1h');
  });

  it('round-trips through parseDuration when one or two units suffice', () => {
    for (const text of ['250ms', '45s', '12m', '1h2m', '2d1h'])
      assert.equal(formatDuration(parseDuration(text)), text);
  });
});

describe('formatTime', () => {
  it('prints minutes in UTC', () => {
    assert.equal(formatTime(new Date('2026-03-01T15:42:59.123Z')), '2026-03-01 15:42 UTC');
  });
});
