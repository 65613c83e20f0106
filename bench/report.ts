// Shared output for benchmarks: a human line per figure, and one machine-readable BENCH line.
export function report(figures: Record<string, number | string | boolean>): void {
  for (const [k, v] of Object.entries(figures)) {
    process.stdout.write(`  ${k.padEnd(44)} ${typeof v === 'number' ? round(v) : v}\n`);
  }
  process.stdout.write(`BENCH ${JSON.stringify(figures)}\n`);
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 3 : 1);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
