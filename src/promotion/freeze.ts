// Freeze windows: a five-field cron expression marks when a window starts (wall-clock time in the
// window's time zone, UTC by default) and `duration` how long it lasts in elapsed time. While a window
// is open, releases to the environment are refused except hotfixes. Pure: the clock is passed in, and
// the zone's wall clock comes from Intl.DateTimeFormat (no time-zone dependency).
// Cron semantics follow Vixie cron: `*`, lists, ranges, steps (`*/15`, `1-5/2`, `5/10`), month and
// weekday names (JAN, MON…), weekday 0 or 7 = Sunday, and when both day-of-month and day-of-week are
// restricted a day matches if either does. A start time that does not exist on a DST change day
// (02:30 when clocks jump from 02:00 to 03:00) does not fire that day.
import type { EnvironmentConfig } from '../config/schema.ts';
import { formatTime, parseDuration } from '../shared/duration.ts';
import { SlipwayError } from '../shared/errors.ts';

export interface CronSpec {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of names[0]. */
  nameBase?: number;
}

const FIELDS: readonly FieldDef[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

function cronError(expr: string, problem: string): SlipwayError {
  return new SlipwayError('config', `freeze window cron "${expr}": ${problem}`, {
    hint: 'Write five fields: minute hour day-of-month month day-of-week, e.g. "0 18 * * FRI" or "0 0 20-31 12 *".',
  });
}

function parseField(expr: string, text: string, def: FieldDef): Set<number> {
  const value = (s: string): number => {
    const named = def.names?.indexOf(s.toLowerCase()) ?? -1;
    if (named >= 0) return named + (def.nameBase ?? 0);
    if (!/^\d+$/.test(s)) throw cronError(expr, `"${s}" is not a valid ${def.name}`);
    const n = Number(s);
    if (n < def.min || n > def.max)
      throw cronError(expr, `${def.name} ${n} is outside ${def.min}–${def.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw cronError(expr, `"${part}" is not a valid ${def.name}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0)
        throw cronError(expr, `step "${stepText}" in ${def.name} must be a positive number`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = def.min;
      hi = def.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b)
        throw cronError(expr, `"${range}" is not a valid ${def.name} range`);
      lo = value(a);
      hi = value(b);
      if (lo > hi) throw cronError(expr, `${def.name} range ${range} runs backwards`);
    } else {
      lo = value(range);
      hi = stepText !== undefined ? def.max : lo; // "5/10": from 5 to the end in steps of 10
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expr: string): CronSpec {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw cronError(expr, `has ${fields.length} fields, expected 5`);
  const sets = fields.map((f, i) => parseField(expr, f, FIELDS[i]!));
  const weekdays = sets[4]!;
  if (weekdays.has(7)) weekdays.add(0);
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    daysRestricted: !fields[2]!.startsWith('*'),
    weekdaysRestricted: !fields[4]!.startsWith('*'),
  };
}

export interface WallClock {
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        weekday: 'short',
      });
    } catch {
      throw new SlipwayError('config', `unknown time zone "${timeZone}" in a freeze window`, {
        hint: 'Use an IANA zone name such as Europe/Copenhagen, America/New_York or UTC.',
      });
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of an instant in a time zone. */
export function wallClock(at: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    month: Number(parts['month']),
    day: Number(parts['day']),
    hour: Number(parts['hour']) % 24,
    minute: Number(parts['minute']),
    weekday: WEEKDAYS.indexOf((parts['weekday'] ?? '').slice(0, 3).toLowerCase()),
  };
}

function dayMatches(spec: CronSpec, w: WallClock): boolean {
  if (!spec.months.has(w.month)) return false;
  const dom = spec.days.has(w.day);
  const dow = spec.weekdays.has(w.weekday);
  if (spec.daysRestricted && spec.weekdaysRestricted) return dom || dow;
  return dom && dow;
}

export function cronMatches(spec: CronSpec, w: WallClock): boolean {
  return dayMatches(spec, w) && spec.hours.has(w.hour) && spec.minutes.has(w.minute);
}

const MINUTE = 60_000;

/** The latest start of the cron at or before `now` and after `notBefore`, or undefined. */
export function lastStart(spec: CronSpec, timeZone: string, now: Date, notBefore: Date): Date | undefined {
  let t = Math.floor(now.getTime() / MINUTE) * MINUTE;
  const stop = notBefore.getTime();
  while (t > stop) {
    const w = wallClock(new Date(t), timeZone);
    if (cronMatches(spec, w)) return new Date(t);
    // Skip to the previous wall-clock hour when this hour cannot match; otherwise step one minute.
    // Stepping back `minute + 1` elapsed minutes never overshoots a matching minute.
    t -= dayMatches(spec, w) && spec.hours.has(w.hour) ? MINUTE : (w.minute + 1) * MINUTE;
  }
  return undefined;
}

export interface ActiveFreeze {
  name: string;
  /** Undefined for a declared freeze that lasts until someone lifts it. */
  endsAt: Date | undefined;
  /** Declared by a person (`slipway freeze`), not a window of slipway.yaml. */
  declaredBy?: string;
}

/** `until 2026-12-24 18:00 UTC` or `until lifted`, for messages. */
export function freezeUntil(f: ActiveFreeze): string {
  return f.endsAt ? `until ${formatTime(f.endsAt)}` : 'until it is lifted (slipway unfreeze)';
}

/** A declared freeze as the store keeps it (see store/types.ts FreezeRecord). */
export interface DeclaredFreeze {
  id: number;
  reason: string;
  createdBy: string;
  startsAt: string;
  endsAt: string | undefined;
  liftedAt: string | undefined;
}

/**
 * The freeze in force at `now`: a declared one (`slipway freeze`, an emergency stop) first, else the
 * configured window ending last.
 */
export function freezeInForce(
  env: EnvironmentConfig,
  declared: readonly DeclaredFreeze[],
  now: Date,
): ActiveFreeze | undefined {
  const iso = now.toISOString();
  const open = declared.filter(
    (f) => f.liftedAt === undefined && f.startsAt <= iso && (f.endsAt === undefined || f.endsAt > iso),
  );
  if (open.length > 0) {
    const f = open.find((x) => x.endsAt === undefined) ?? open.at(-1)!;
    return {
      name: `declared freeze #${f.id} by ${f.createdBy}: ${f.reason}`,
      endsAt: f.endsAt === undefined ? undefined : new Date(f.endsAt),
      declaredBy: f.createdBy,
    };
  }
  return activeFreeze(env, now);
}

/** The freeze window open at `now` (the one ending last when several are), or undefined. */
export function activeFreeze(env: EnvironmentConfig, now: Date): ActiveFreeze | undefined {
  let found: (ActiveFreeze & { endsAt: Date }) | undefined;
  (env.freezeWindows ?? []).forEach((w, i) => {
    const spec = parseCron(w.cron);
    const duration = parseDuration(w.duration);
    const start = lastStart(spec, w.timezone ?? 'UTC', now, new Date(now.getTime() - duration));
    if (!start) return;
    const endsAt = new Date(start.getTime() + duration);
    if (endsAt <= now) return;
    if (!found || endsAt > found.endsAt)
      found = { name: w.name ?? `freeze window ${i + 1} (${w.cron})`, endsAt };
  });
  return found;
}
