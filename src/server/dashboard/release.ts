// Release view: one service in one environment, its newest release live. The steps with their timings,
// a chart of the canary weight over time (server-rendered SVG, redrawn with every update the SSE stream
// sends), the share of requests each track answered next to the configured weight, every analysis
// metric's measurements against its conditions with the verdicts (release-analysis.ts), the pods of
// each track with readiness and restarts, the run's events, and the gate buttons: enabled for a caller
// the environment's roles allow, disabled with the reason otherwise.
import { html, raw } from 'hono/html';
import type { ReleaseRecord, ReleaseStep } from '../../release/history.ts';
import { age, badge, csrfField, duration, type Html, type PageContext, versionLabel } from './layout.ts';
import { type AnalysisRunView, analysisSection, trafficSection } from './release-analysis.ts';
import type { SharePoint, TrafficShare } from './traffic.ts';

export interface PodRow {
  name: string;
  track: string;
  version: string;
  ready: boolean;
  restarts: number;
  phase: string;
}

export interface ReleaseViewData {
  environment: string;
  service: string;
  /** The newest release record, if any. */
  record: ReleaseRecord | undefined;
  pods: PodRow[];
  /** Requests each track answered lately (proxy or Prometheus); undefined when neither can be asked. */
  traffic?: TrafficShare | undefined;
  /** The newest release's analysis runs with their measurements (from this server's run events). */
  analysis?: AnalysisRunView[] | undefined;
  /** The server run's log lines for this service (newest last). */
  events: Array<{ at: string; text: string }>;
  /** Whether the caller may use the gates; the reason when not. */
  gates: { allowed: true } | { allowed: false; reason: string };
  now: Date;
}

/** The canary weight over the release: points (ms since epoch, weight %) from the recorded steps. */
export function weightSeries(r: ReleaseRecord, now: Date): Array<{ at: number; weight: number }> {
  const points: Array<{ at: number; weight: number }> = [{ at: Date.parse(r.startedAt), weight: 0 }];
  for (const s of r.steps) {
    const m = /setWeight (\d+)/.exec(s.name);
    if (m) points.push({ at: Date.parse(s.startedAt), weight: Number(m[1]) });
    else if (s.name === 'promote') points.push({ at: Date.parse(s.startedAt), weight: 100 });
  }
  const end = r.endedAt ? Date.parse(r.endedAt) : now.getTime();
  // A release without a canary step (an install, a rolling update) carries everything once deployed.
  if (r.status === 'deployed' && points.at(-1)!.weight !== 100) points.push({ at: end, weight: 100 });
  if (['aborted', 'failed', 'rolled-back'].includes(r.status)) {
    const failedStep = r.steps.find((s) => s.outcome === 'failed');
    points.push({ at: failedStep?.endedAt ? Date.parse(failedStep.endedAt) : end, weight: 0 });
  }
  points.push({ at: Math.max(end, points.at(-1)!.at), weight: points.at(-1)!.weight });
  return points;
}

/** The weight a release has now: the last point of its series. */
export const currentWeight = (r: ReleaseRecord, now: Date) => weightSeries(r, now).at(-1)!.weight;

/** The canary's share of the traffic answered, per slice, as a dashed path: gaps where none was seen. */
export function sharePath(
  series: readonly SharePoint[],
  x: (t: number) => number,
  y: (w: number) => number,
): string {
  let d = '';
  let open = false;
  for (const p of series) {
    if (p.canaryPercent === undefined) {
      open = false;
      continue;
    }
    const yy = y(p.canaryPercent).toFixed(1);
    d += `${open ? ' L' : `${d ? ' ' : ''}M`}${x(p.from).toFixed(1)},${yy} L${x(p.to).toFixed(1)},${yy}`;
    open = true;
  }
  return d;
}

export function weightChart(r: ReleaseRecord, now: Date, series?: readonly SharePoint[]): Html {
  const pts = weightSeries(r, now);
  const W = 640;
  const H = 180;
  const pad = { l: 36, r: 10, t: 10, b: 24 };
  const t0 = pts[0]!.at;
  const span = Math.max(1000, pts.at(-1)!.at - t0);
  const x = (t: number) => pad.l + ((t - t0) / span) * (W - pad.l - pad.r);
  const y = (w: number) => pad.t + (1 - w / 100) * (H - pad.t - pad.b);
  let d = `M${x(pts[0]!.at).toFixed(1)},${y(pts[0]!.weight).toFixed(1)}`;
  for (let i = 1; i < pts.length; i++) d += ` H${x(pts[i]!.at).toFixed(1)} V${y(pts[i]!.weight).toFixed(1)}`;
  const weight = pts.at(-1)!.weight;
  const share = series ? sharePath(series, x, y) : '';
  const grid = [0, 25, 50, 75, 100]
    .map(
      (w) =>
        `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(w)}" y2="${y(w)}" stroke="#d0d7de"/><text x="4" y="${y(w) + 4}">${w}%</text>`,
    )
    .join('');
  return html`<figure style="margin:0">
<svg viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px" role="img" aria-labelledby="weight-title">
<title id="weight-title">Canary weight over time: now ${weight} %${share ? '; dashed: the share of requests the canary answered' : ''}</title>
${raw(grid)}
<path d="${d}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>
${share ? html`<path d="${share}" fill="none" stroke="#bf3989" stroke-width="2" stroke-dasharray="5 3" data-testid="share-series"/>` : ''}
<text x="${W - pad.r - 150}" y="${H - 6}">${duration(span)} since start</text>
</svg>
<figcaption>Canary weight now <strong data-testid="weight">${weight}</strong> %, stable ${100 - weight} %${
    share
      ? html`<br><small><span style="color:#bf3989" aria-hidden="true">- - -</span> share of requests the canary answered</small>`
      : ''
  }</figcaption>
</figure>`;
}

function stepRow(s: ReleaseStep, now: Date): Html {
  const took = s.endedAt
    ? Date.parse(s.endedAt) - Date.parse(s.startedAt)
    : now.getTime() - Date.parse(s.startedAt);
  const state = s.outcome ?? 'running';
  return html`<tr><td>${s.name}</td><td>${badge(state === 'ok' ? 'ok' : state === 'running' ? 'in progress' : state)}</td>
<td>${duration(took)}</td><td><small>${s.detail ?? ''}</small></td></tr>`;
}

/** The part of the page the SSE stream replaces on every change. */
export function releaseLive(ctx: PageContext, data: ReleaseViewData): Html {
  const r = data.record;
  if (!r)
    return html`<div id="release-live"><p>No release of ${data.service} in ${data.environment} yet.</p></div>`;
  const running = r.status === 'pending';
  return html`<div id="release-live">
${gates(ctx, data)}
<p>Revision <strong>r${r.revision}</strong> · <code>${versionLabel(r.version)}</code> · ${r.strategy} ·
<span data-testid="status">${badge(running ? 'in progress' : r.status)}</span> · started by ${r.startedBy} ${age(r.startedAt, data.now)}${
    r.reason ? html` · “${r.reason}”` : ''
  }${r.failure ? html`<br><span class="bad">${r.failure.reason}${r.failure.detail ? `: ${r.failure.detail}` : ''}</span>` : ''}</p>
<div style="display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:0 1.5rem">
<div>${weightChart(r, data.now, data.traffic?.series)}
${r.strategy === 'canary' ? trafficSection(data.traffic, currentWeight(r, data.now)) : ''}</div>
<div><h2 style="margin-top:0">Analysis</h2>
${analysisSection(r, data.analysis ?? [])}</div>
</div>
<h2>Steps</h2>
<div class="scroll" tabindex="0" role="region" aria-label="table"><table><thead><tr><th scope="col">Step</th><th scope="col">State</th><th scope="col">Took</th><th scope="col">Detail</th></tr></thead>
<tbody>${r.steps.map((s) => stepRow(s, data.now))}</tbody></table></div>
<h2>Pods</h2>
${
  data.pods.length
    ? html`<div class="scroll" tabindex="0" role="region" aria-label="table"><table><thead><tr><th scope="col">Pod</th><th scope="col">Track</th><th scope="col">Version</th><th scope="col">Ready</th><th scope="col">Restarts</th></tr></thead>
<tbody>${data.pods.map(
        (p) =>
          html`<tr><td><code>${p.name}</code></td><td>${p.track}</td><td><code>${p.version}</code></td><td>${badge(p.ready ? 'ready' : p.phase.toLowerCase(), p.ready ? 'ok' : 'warn')}</td><td>${p.restarts}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">No pods.</p>`
}
<h2>Events</h2>
${
  data.events.length
    ? html`<ol class="muted">${data.events.slice(-20).map((e) => html`<li><small>${e.at.slice(11, 19)}</small> ${e.text}</li>`)}</ol>`
    : html`<p class="muted">No events from this server’s runs.</p>`
}
</div>`;
}

function gateButton(
  ctx: PageContext,
  data: ReleaseViewData,
  action: string,
  label: string,
  cls: string,
  applies: boolean,
): Html {
  const why = !data.gates.allowed
    ? data.gates.reason
    : !applies
      ? action === 'retry'
        ? 'only a failed, aborted or rolled-back release can be retried'
        : 'no release is paused or running'
      : undefined;
  const id = `why-${action}`;
  return html`<form class="inline" method="post" action="/releases/${encodeURIComponent(data.environment)}/${encodeURIComponent(data.service)}/${action}">
${csrfField(ctx)}<button type="submit" class="${cls}"${why ? html` disabled aria-describedby="${id}"` : ''}>${label}</button>${why ? html` <span class="reason" id="${id}">${why}</span>` : ''}
</form>`;
}

function gates(ctx: PageContext, data: ReleaseViewData): Html {
  const running = data.record?.status === 'pending';
  const failed =
    data.record !== undefined && ['failed', 'aborted', 'rolled-back'].includes(data.record.status);
  return html`<div class="actions" role="group" aria-label="Release gates">
${gateButton(ctx, data, 'promote', 'Promote', 'primary', running)}
${gateButton(ctx, data, 'promote-full', 'Promote full', '', running)}
${gateButton(ctx, data, 'abort', 'Abort', 'danger', running)}
${gateButton(ctx, data, 'retry', 'Retry', '', failed)}
</div>`;
}

export function releasePage(ctx: PageContext, data: ReleaseViewData): Html {
  const base = `/releases/${encodeURIComponent(data.environment)}/${encodeURIComponent(data.service)}`;
  return html`<h1><a href="/services/${encodeURIComponent(data.service)}?env=${encodeURIComponent(data.environment)}">${data.service}</a> in ${data.environment}</h1>
<div data-live="${base}/events">
${releaseLive(ctx, data)}
</div>`;
}
