// The freeze calendar of the settings page: the next days × environments, each cell saying in words
// when releases are frozen that day (UTC) and by what. Windows are found with the gates' own cron code
// (promotion/freeze.ts lastStart, walked backwards window by window), so the calendar cannot disagree
// with what a deploy is told; declared freezes come from the store as `slipway freeze` wrote them.
import { html } from 'hono/html';
import type { EnvironmentConfig } from '../../config/schema.ts';
import { type DeclaredFreeze, lastStart, parseCron } from '../../promotion/freeze.ts';
import { parseDuration } from '../../shared/duration.ts';
import { badge, type Html } from './layout.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
/** A cron firing every few minutes with a long duration is one long freeze: enough spans to show it. */
const MAX_SPANS_PER_WINDOW = 400;

export interface FreezeSpan {
  name: string;
  start: Date;
  /** Undefined: until someone lifts it. */
  end: Date | undefined;
  declared: boolean;
}

/** Every opening of the environment's windows that overlaps [from, to), oldest first. */
export function windowSpans(env: EnvironmentConfig, from: Date, to: Date): FreezeSpan[] {
  const spans: FreezeSpan[] = [];
  (env.freezeWindows ?? []).forEach((w, i) => {
    const spec = parseCron(w.cron);
    const duration = parseDuration(w.duration);
    const zone = w.timezone ?? 'UTC';
    const name = w.name ?? `freeze window ${i + 1} (${w.cron})`;
    const found: FreezeSpan[] = [];
    // lastStart answers the start at or before its `now`: step back from the end, one start at a time.
    let t = new Date(to.getTime() - MINUTE);
    const notBefore = new Date(from.getTime() - duration);
    while (found.length < MAX_SPANS_PER_WINDOW) {
      const start = lastStart(spec, zone, t, notBefore);
      if (!start) break;
      const end = new Date(start.getTime() + duration);
      if (end > from) found.push({ name, start, end, declared: false });
      t = new Date(start.getTime() - MINUTE);
    }
    spans.push(...found.reverse());
  });
  return spans;
}

/** Declared freezes overlapping [from, to): a lifted one ends when it was lifted. */
export function declaredSpans(declared: readonly DeclaredFreeze[], from: Date, to: Date): FreezeSpan[] {
  return declared
    .map((f) => {
      const ends = [f.endsAt, f.liftedAt].filter((x): x is string => x !== undefined).sort();
      return {
        name: `declared freeze #${f.id} by ${f.createdBy}: ${f.reason}`,
        start: new Date(f.startsAt),
        end: ends[0] === undefined ? undefined : new Date(ends[0]),
        declared: true,
      };
    })
    .filter((s) => s.start < to && (s.end === undefined || s.end > from));
}

export interface CalendarCell {
  /** What holds that day, clipped to the day: `18:00–24:00`. */
  spans: Array<{ name: string; from: string; to: string; declared: boolean }>;
}

export interface FreezeCalendar {
  environments: string[];
  days: Array<{ date: string; label: string; cells: CalendarCell[] }>;
}

const hhmm = (d: Date, dayStart: number) =>
  d.getTime() - dayStart >= DAY ? '24:00' : d.toISOString().slice(11, 16);

/** `days` UTC days from the day of `now`, one cell per environment. */
export function freezeCalendar(
  envs: ReadonlyArray<{ config: EnvironmentConfig; declared: readonly DeclaredFreeze[] }>,
  now: Date,
  days = 14,
): FreezeCalendar {
  const first = Math.floor(now.getTime() / DAY) * DAY;
  const from = new Date(first);
  const to = new Date(first + days * DAY);
  const spans = envs.map((e) => [...declaredSpans(e.declared, from, to), ...windowSpans(e.config, from, to)]);
  return {
    environments: envs.map((e) => e.config.name),
    days: Array.from({ length: days }, (_, i) => {
      const start = first + i * DAY;
      const end = start + DAY;
      const date = new Date(start);
      return {
        date: date.toISOString().slice(0, 10),
        label: date.toLocaleDateString('en-GB', {
          weekday: 'short',
          day: 'numeric',
          month: 'short',
          timeZone: 'UTC',
        }),
        cells: spans.map((list) => ({
          spans: list
            .filter((s) => s.start.getTime() < end && (s.end === undefined || s.end.getTime() > start))
            .map((s) => ({
              name: s.name,
              from: hhmm(new Date(Math.max(s.start.getTime(), start)), start),
              to: hhmm(new Date(Math.min(s.end?.getTime() ?? end, end)), start),
              declared: s.declared,
            })),
        })),
      };
    }),
  };
}

export function calendarTable(cal: FreezeCalendar): Html {
  return html`<div class="scroll" tabindex="0" role="region" aria-label="Freeze calendar"><table id="freeze-calendar">
<caption class="muted" style="text-align:left">Releases frozen in the next ${cal.days.length} days, by environment (times in UTC; hotfixes may still pass a window)</caption>
<thead><tr><th scope="col">Day</th>${cal.environments.map((e) => html`<th scope="col">${e}</th>`)}</tr></thead>
<tbody>${cal.days.map(
    (d) =>
      html`<tr data-date="${d.date}"><th scope="row" style="white-space:nowrap"><time datetime="${d.date}">${d.label}</time></th>${d.cells.map(
        (c) =>
          html`<td>${
            c.spans.length
              ? c.spans.map(
                  (s) =>
                    html`<div>${badge('frozen', 'bad')} ${s.from}–${s.to} <small>${s.name}${s.declared ? '' : ' (window)'}</small></div>`,
                )
              : html`<span class="muted">open</span>`
          }</td>`,
      )}</tr>`,
  )}</tbody>
</table></div>`;
}
