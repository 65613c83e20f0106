// The release view's analysis and traffic parts, as Argo Rollouts' dashboard shows an AnalysisRun: per
// analysis step, each metric's measurements (value, time, verdict) against its success and failure
// conditions, the metric's phase by the runner's own rules (analysis/evaluate.ts) and the run's phase;
// and the share of requests each track answered next to the configured weight. Pure: the measurements
// come from the server run's events, the templates from the platform.
import { html } from 'hono/html';
import {
  type AnalysisPhase,
  addMeasurement,
  emptyTally,
  type MeasurementPhase,
  metricPhase,
  stoppedPhase,
  worstPhase,
} from '../../analysis/evaluate.ts';
import { formatValue, type MeasurementRecord } from '../../analysis/run.ts';
import type { AnalysisTemplate, Metric } from '../../config/schema.ts';
import type { ReleaseRecord } from '../../release/history.ts';
import { badge, duration, type Html } from './layout.ts';
import { shares, type TrafficShare } from './traffic.ts';

export interface MetricView {
  template: string;
  metric: string;
  successCondition?: string | undefined;
  failureCondition?: string | undefined;
  /** count, limits and interval in words, e.g. `every 1s · 3 measurements · failureLimit 0`. */
  rules: string;
  phase: AnalysisPhase;
  message: string;
  measurements: Array<Pick<MeasurementRecord, 'at' | 'value' | 'phase' | 'message'>>;
}

export interface AnalysisRunView {
  /** The release step the run belongs to, or `background analysis`. */
  step: string;
  phase: AnalysisPhase;
  /** The step's own detail once it ended (the runner's summary), else the phase in words. */
  message: string;
  metrics: MetricView[];
}

export type TemplateLookup = (name: string) => AnalysisTemplate | undefined;

const isAnalysisStep = (name: string) => /(^|: )analysis |[Aa]nalysis$|PromotionAnalysis/.test(name);

/** The templates a canary analysis step names (`step 3/4: analysis a, b`); none for other steps. */
const templatesOf = (step: string) => /: analysis (.+)$/.exec(step)?.[1]?.split(', ') ?? [];

function rulesOf(m: Metric | undefined): string {
  if (!m) return 'template not found in slipway.yaml';
  return [
    `every ${m.interval}`,
    m.count !== undefined ? `${m.count} measurement${m.count === 1 ? '' : 's'}` : 'until stopped',
    `failureLimit ${m.failureLimit}`,
    `inconclusiveLimit ${m.inconclusiveLimit}`,
    `noData ${m.noData}`,
  ].join(' · ');
}

function metricView(
  template: string,
  name: string,
  metric: Metric | undefined,
  list: MeasurementRecord[],
  ended: boolean,
): MetricView {
  let tally = emptyTally();
  for (const m of list) tally = addMeasurement(tally, m.phase);
  const limits = metric ?? { failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4 };
  let decided = metricPhase(limits, tally);
  // A run stopped from outside (its step ended, e.g. another metric decided it) judges what it had.
  if (decided.phase === 'Running' && ended) decided = stoppedPhase(tally);
  return {
    template,
    metric: name,
    successCondition: metric?.successCondition,
    failureCondition: metric?.failureCondition,
    rules: rulesOf(metric),
    phase: decided.phase,
    message: decided.message,
    measurements: list.map(({ at, value, phase, message }) => ({ at, value, phase, message })),
  };
}

/**
 * The analysis runs of a release: one per analysis step (its measurements are those taken while it ran),
 * plus `background analysis` for measurements taken outside any analysis step. The metrics of a step
 * that has not measured yet come from its templates, so the page shows what will be judged.
 */
export function analysisRuns(
  r: ReleaseRecord,
  measurements: readonly MeasurementRecord[],
  templates: TemplateLookup,
  now: Date,
): AnalysisRunView[] {
  const steps = r.steps.filter((s) => isAnalysisStep(s.name));
  const spans = steps.map((s) => ({
    step: s,
    templates: templatesOf(s.name),
    from: Date.parse(s.startedAt),
    to: s.endedAt ? Date.parse(s.endedAt) : now.getTime() + 1,
  }));
  const groups = new Map<
    string,
    { ended: boolean; detail?: string | undefined; list: MeasurementRecord[] }
  >();
  for (const s of spans)
    groups.set(s.step.name, { ended: !!s.step.endedAt, detail: s.step.detail, list: [] });
  const background = { ended: r.status !== 'pending', detail: undefined, list: [] as MeasurementRecord[] };
  for (const m of measurements) {
    // Background analysis may measure while a step analyses: the step's templates tell them apart.
    const span = spans.find(
      (s) =>
        m.at >= s.from - 1000 &&
        m.at <= s.to &&
        (s.templates.length === 0 || s.templates.includes(m.template)),
    );
    (span ? groups.get(span.step.name)!.list : background.list).push(m);
  }
  if (background.list.length) groups.set('background analysis', background);
  return [...groups].map(([step, g]) => {
    const names = new Map<string, [string, string]>();
    // The step's templates first (named in the step, `analysis a, b`), then whatever was measured.
    for (const t of templatesOf(step))
      for (const m of templates(t)?.metrics ?? []) names.set(`${t}/${m.name}`, [t, m.name]);
    for (const m of g.list) names.set(`${m.template}/${m.metric}`, [m.template, m.metric]);
    const metrics = [...names.values()].map(([t, name]) =>
      metricView(
        t,
        name,
        templates(t)?.metrics.find((x) => x.name === name),
        g.list.filter((m) => m.template === t && m.metric === name),
        g.ended,
      ),
    );
    const phase = metrics.length
      ? worstPhase(metrics.map((m) => m.phase))
      : g.ended
        ? 'Inconclusive'
        : 'Running';
    return { step, phase, message: g.detail ?? `${phase}`, metrics };
  });
}

const TONE: Record<AnalysisPhase, 'ok' | 'warn' | 'bad' | 'info'> = {
  Successful: 'ok',
  Running: 'info',
  Inconclusive: 'warn',
  Error: 'bad',
  Failed: 'bad',
};
const WORD: Record<MeasurementPhase, string> = {
  Successful: 'passed',
  Failed: 'failed',
  Error: 'error',
  Inconclusive: 'inconclusive',
};

export const phaseBadge = (p: AnalysisPhase): Html => badge(p, TONE[p]);

function conditions(m: MetricView): Html {
  const parts = [
    m.successCondition ? html`success when <code>${m.successCondition}</code>` : '',
    m.failureCondition ? html`failure when <code>${m.failureCondition}</code>` : '',
  ].filter(Boolean);
  return parts.length ? html`${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}` : html`no conditions`;
}

function metricTable(m: MetricView, start: number): Html {
  const id = `metric-${m.template}-${m.metric}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return html`<div class="card" data-testid="metric" data-metric="${m.metric}">
<h4 id="${id}" style="margin:0 0 .3rem">${m.metric} <small class="muted">(${m.template})</small> <span data-testid="metric-phase">${phaseBadge(m.phase)}</span></h4>
<p style="margin:.2rem 0">${conditions(m)}<br><small class="muted">${m.rules}</small><br><small>${m.message}</small></p>
${
  m.measurements.length
    ? html`<div class="scroll" tabindex="0" role="region" aria-labelledby="${id}"><table data-testid="measurements"><thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Value</th><th scope="col">Verdict</th></tr></thead>
<tbody>${m.measurements.map(
        (x, i) =>
          html`<tr><td>${i + 1}</td><td>+${duration(Math.max(0, x.at - start))}</td><td><code data-testid="value">${formatValue(x.value)}</code></td><td>${badge(WORD[x.phase], TONE[x.phase])}${
            // A pass only repeats the condition above; anything else says why.
            x.phase === 'Successful' ? '' : html` <small class="muted">${x.message}</small>`
          }</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">No measurement yet.</p>`
}
</div>`;
}

export function analysisSection(r: ReleaseRecord, runs: readonly AnalysisRunView[]): Html {
  if (runs.length === 0) return html`<p class="muted">No analysis has run in this release (yet).</p>`;
  const start = Date.parse(r.startedAt);
  return html`${runs.map(
    (run) => html`<section data-testid="analysis-run">
<h3 style="font-size:1rem;margin:0 0 .4rem">${run.step} · run <span data-testid="run-phase">${phaseBadge(run.phase)}</span></h3>
${run.message !== run.phase ? html`<p><small>${run.message}</small></p>` : ''}
<div class="cards" style="grid-template-columns:repeat(auto-fill,minmax(min(100%,360px),1fr))">${run.metrics.map((m) => metricTable(m, start))}</div>
</section>`,
  )}`;
}

/** The requests each track answered in the window, as a bar and in words, next to the configured weight. */
export function trafficSection(t: TrafficShare | undefined, weight: number): Html {
  if (!t)
    return html`<p class="muted" data-testid="traffic">Traffic answered: no proxy or Prometheus to ask.</p>`;
  const window = `${t.windowMs / 1000} s`;
  const from = t.source === 'proxy' ? 'the local cluster’s proxy' : 'Prometheus';
  if (t.error)
    return html`<p class="muted" data-testid="traffic">Traffic answered: unknown (${t.error}).</p>`;
  const s = shares(t);
  if (!s)
    return html`<p data-testid="traffic">Traffic answered: <strong>no traffic in the last ${window}</strong> <small class="muted">(${from})</small>; configured canary weight ${weight} %.</p>`;
  const colour = { canary: '#1f6feb', stable: '#57606a' } as const;
  let x = 0;
  const bars = s.map((track) => {
    const w = track.percent;
    const rect = html`<rect x="${x}" y="0" width="${w}" height="10" fill="${colour[track.track]}"/>`;
    x += w;
    return rect;
  });
  return html`<figure style="margin:.5rem 0" data-testid="traffic">
<svg viewBox="0 0 100 10" preserveAspectRatio="none" width="100%" height="14" style="max-width:640px;display:block" role="img" aria-label="Share of requests answered by each track">${bars}</svg>
<figcaption>Traffic answered in the last ${window} (${from}): ${s.map(
    (track, i) =>
      html`${i ? ' · ' : ''}<span data-testid="share-${track.track}"><strong style="color:${colour[track.track]}">${track.track}</strong> ${track.percent} % <small class="muted">(${track.requests} req.)</small></span>`,
  )} — configured canary weight ${weight} %</figcaption>
</figure>`;
}
