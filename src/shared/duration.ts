// Durations, one grammar for slipway.yaml (schema), the CLI's flags and the engine, and the way
// messages print them. Smaller than Go's time.ParseDuration on purpose: whole numbers only, no sign,
// no µs/ns, but with days, because freeze windows and soak times are counted in days.
//
//   duration := (digits unit)+      e.g. 90s, 10m, 1h30m, 250ms, 2d
//             | digits              seconds, e.g. --timeout 90 (the schema refuses it in files)
//   unit     := ms | s | m | h | d
//
// Units may come in any order and repeat (as in Go); blanks around the text are ignored.
import { SlipwayError } from './errors.ts';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The form slipway.yaml accepts (always with a unit); the schema and `--since` test text against it. */
export const DURATION_PATTERN = /^(\d+(ms|s|m|h|d))+$/;

/** The hint every "not a duration" error carries. */
export const DURATION_HINT = 'Write digits followed by ms, s, m, h or d, e.g. 90s, 10m, 1h30m or 2d.';

/** Whether `text` is a duration with units (the form of files), e.g. to tell `--since 2d` from a date. */
export function isDuration(text: string): boolean {
  return DURATION_PATTERN.test(text.trim());
}

/** Milliseconds of `90s`, `10m`, `1h30m`, `250ms`, `2d`; bare digits are seconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+)(ms|s|m|h|d)/y;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    consumed = re.lastIndex;
  }
  if (t === '' || consumed !== t.length) {
    throw new SlipwayError('usage', `"${text}" is not a duration`, { hint: DURATION_HINT });
  }
  return total;
}

/** `1h5m`, `12m`, `45s`, `250ms`: the largest unit and the next one when it is not zero, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const counts = units.map(([u, size], i) => {
    const above = i === 0 ? Number.POSITIVE_INFINITY : units[i - 1]![1];
    return [u, Math.floor((ms % above) / size)] as const;
  });
  const first = counts.findIndex(([, n]) => n > 0);
  const [u1, n1] = counts[first]!;
  const next = counts[first + 1];
  return next && next[1] > 0 ? `${n1}${u1}${next[1]}${next[0]}` : `${n1}${u1}`;
}

/** `2026-03-01 15:42 UTC`, the instant a duration ends at ("try again after"): minutes are enough. */
export function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
