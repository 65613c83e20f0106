// Durations as slipway.yaml writes them (90s, 5m, 1h30m, 2d) and as messages print them.

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration like `1h30m`; the schema has already checked its form. */
export function parseDuration(text: string): number {
  const re = /(\d+)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    consumed += m[0].length;
  }
  if (consumed !== text.length || text.length === 0) throw new Error(`not a duration: ${text}`);
  return total;
}

/** `1h5m`, `12m`, `45s`: the largest unit and the next one when it is not zero, for messages. */
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

/** `2026-03-01 15:42 UTC`: minutes are enough for "try again after". */
export function formatTime(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
