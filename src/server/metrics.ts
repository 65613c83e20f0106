// The server's own Prometheus metrics, in the text exposition format (version 0.0.4): releases by
// outcome, step and analysis durations, API latency. A few counters and histograms do not need a
// client library.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] as const;

type Labels = Record<string, string>;
const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return out;
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(seconds: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.counts[i]! += 1;
    });
    s.sum += seconds;
    s.count += 1;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const l = (extra: string) => `{${[k, extra].filter(Boolean).join(',')}}`;
      BUCKETS.forEach((b, i) => {
        out.push(`${this.name}_bucket${l(`le="${b}"`)} ${s.counts[i]}`);
      });
      out.push(`${this.name}_bucket${l('le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export class ServerMetrics {
  readonly runs = new Counter('slipway_runs_total', 'Operations run by the server, by kind and outcome.');
  readonly releases = new Counter('slipway_releases_total', 'Releases by environment and final status.');
  readonly steps = new Histogram('slipway_release_step_seconds', 'Duration of release steps.');
  readonly api = new Histogram('slipway_api_request_seconds', 'API request latency by route and status.');

  render(extra: string[] = []): string {
    return `${[...this.runs.render(), ...this.releases.render(), ...this.steps.render(), ...this.api.render(), ...extra].join('\n')}\n`;
  }
}
