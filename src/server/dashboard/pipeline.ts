// The promotion pipeline, at /pipeline: each environment as a stage in promotion order, what version of
// each service sits there and since when, and whether it may move on to the next environment — or why
// not, in checkPromotion's words (order, soak, approvals, freeze, role) plus an open request. A
// "Promote to <env>" form per service POSTs to /pipeline/promote, which calls promote() of
// src/operations as the session's caller, exactly as `slipway promote` and POST /api/v1/promotions do.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { promote } from '../../operations/promotion.ts';
import type { Eligibility } from '../../promotion/eligibility.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { PromotionRecord } from '../../store/types.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { toProblem } from '../problem.ts';
import { back, type DashboardContext, pageContext } from './index.ts';
import { badge, csrfField, duration, type Html, layout, type PageContext, versionLabel } from './layout.ts';
import { type PipelineCell, type PipelineData, type PipelineStage, pipelineData } from './pipeline-data.ts';
import type { DashboardVariables } from './session.ts';

const STATE_BADGE: Record<Eligibility['state'], [string, 'ok' | 'warn' | 'bad' | 'info']> = {
  eligible: ['may promote', 'ok'],
  blocked: ['blocked', 'bad'],
  pending: ['request open', 'warn'],
  current: ['up to date', 'info'],
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function versionText(v: Eligibility['version']): string {
  if (!v) return '—';
  return `${versionLabel({ tag: v.version, digest: v.digest })}${v.chart ? ` (chart ${v.chart.version})` : ''}`;
}

function approvalLine(e: Eligibility): string {
  if (e.approvalsNeeded === 0) return `runs at once: ${e.to} needs no approval`;
  const names = e.approverNames?.length ? e.approverNames.join(', ') : undefined;
  return `needs ${plural(e.approvalsNeeded, 'approval')} in ${e.to} (never the requester) — may approve: ${names ? `${names} (${e.approvers})` : e.approvers}`;
}

/** A request waiting for approvals is in the inbox; one approved or running is on the target's release view. */
const pendingHref = (e: Eligibility) =>
  e.pending?.status === 'requested'
    ? `/approvals#promotion-${e.pending.id}`
    : `/releases/${encodeURIComponent(e.to)}/${encodeURIComponent(e.service)}`;

/** Whether who may approve is still worth saying: nothing is on its way to the target yet. */
const awaitsRequest = (e: Eligibility) =>
  e.state === 'eligible' || e.state === 'blocked' || e.pending?.status === 'requested';

function move(ctx: PageContext, e: Eligibility): Html {
  const id = `move-${e.service}-${e.from}-${e.to}`;
  const [word, tone] = STATE_BADGE[e.state];
  const may = e.state === 'eligible';
  return html`<div class="move" data-to="${e.to}" data-state="${e.state}">
<p>→ <strong>${e.to}</strong> ${badge(word, tone)}${
    e.pending ? html` <a href="${pendingHref(e)}">#${e.pending.id} ${e.pending.status}</a>` : ''
  }</p>
${e.reasons.length ? html`<ul class="reason" id="${id}-why">${e.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
${awaitsRequest(e) ? html`<p class="reason">${approvalLine(e)}</p>` : ''}
${
  may
    ? html`<form method="post" action="/pipeline/promote">
${csrfField(ctx)}
<input type="hidden" name="service" value="${e.service}"><input type="hidden" name="from" value="${e.from}"><input type="hidden" name="to" value="${e.to}">
<label for="${id}-reason">Reason (optional)</label><br>
<input id="${id}-reason" name="reason" size="24">
<button type="submit" class="primary">Promote to ${e.to}</button>
</form>`
    : html`<button type="button" disabled aria-describedby="${id}-why">Promote to ${e.to}</button>`
}
</div>`;
}

function cell(ctx: PageContext, stage: PipelineStage, c: PipelineCell, now: Date): Html {
  return html`<article class="card" data-service="${c.service}" data-env="${stage.name}" aria-labelledby="cell-${stage.name}-${c.service}">
<h3 id="cell-${stage.name}-${c.service}" style="margin:0 0 .3rem">${c.service}</h3>
${
  c.running
    ? html`<p style="margin:0"><code data-testid="version">${versionText(c.running.version)}</code><br><small title="${c.running.since}">running for ${duration(now.getTime() - Date.parse(c.running.since))}</small></p>`
    : html`<p class="muted" style="margin:0">not released here</p>`
}
${c.next.map((e) => move(ctx, e))}
</article>`;
}

function stageRules(s: PipelineStage, last: boolean): string {
  const parts = [s.from ? `promoted from ${s.from}` : 'first stage: deployed directly'];
  if (s.soak) parts.push(`soak ${s.soak}`);
  if (s.from) parts.push(plural(s.approvals, 'approval'));
  if (last) parts.push('last stage');
  return parts.join(' · ');
}

export function pipelinePage(ctx: PageContext, data: PipelineData): Html {
  const isSource = new Set(data.stages.map((s) => s.from));
  return html`<h1>Pipeline</h1>
<form class="filters" method="get" action="/pipeline" role="search">
<label>Service <input type="search" name="q" value="${data.filter}" placeholder="filter by name"></label>
<button type="submit">Filter</button>
</form>
<p class="muted">Each environment in promotion order; under each service, whether what runs there may move on to the next environment, and if not, why — the same rules <code>slipway promote</code> applies.</p>
<style>@media (max-width:600px){#pipeline{grid-auto-flow:row}}</style>
<div class="stages" id="pipeline" tabindex="0" role="region" aria-label="Environments in promotion order">
${data.stages.map(
  (s, i) => html`<section class="stage" aria-labelledby="stage-${s.name}" data-stage="${s.name}">
<h2 id="stage-${s.name}" style="margin-top:0">${i + 1}. ${s.name}</h2>
<p class="muted" style="margin:0 0 .5rem">${stageRules(s, !isSource.has(s.name))}</p>
${s.freeze ? html`<p>${badge('frozen', 'bad')} <small>${s.freeze}</small></p>` : ''}
${s.cells.length ? s.cells.map((c) => html`${cell(ctx, s, c, data.now)}<div style="height:.6rem"></div>`) : html`<p class="muted">No service matches.</p>`}
</section>`,
)}
</div>`;
}

/** What the flash says after a promotion request: where it went and what it waits for. */
export function requestedText(p: PromotionRecord): string {
  return `requested promotion #${p.id} of ${p.service} from ${p.from} to ${p.to}: it needs ${plural(p.approvalsNeeded, 'approval')} before it runs`;
}

export function pipelineRoutes(app: Hono<{ Variables: DashboardVariables }>, deps: ServerDeps): void {
  app.get('/pipeline', async (c) => {
    const ctx = pageContext(c);
    try {
      const data = await pipelineData(deps, c.get('caller'), c.req.query('q') ?? '');
      return c.html(layout(ctx, 'Pipeline', pipelinePage(ctx, data)));
    } catch (e) {
      const p = toProblem(e);
      const body = html`<h1>Pipeline</h1><p class="bad">${p.detail ?? p.title}</p>`;
      return c.html(layout(ctx, 'Pipeline', body), (p.status ?? 500) as 400);
    }
  });

  app.post('/pipeline/promote', (c) => promoteFromPage(c, deps));
}

async function promoteFromPage(c: DashboardContext, deps: ServerDeps): Promise<Response> {
  const caller = c.get('caller');
  try {
    const body = await c.req.parseBody();
    const field = (k: string) => {
      const v = body[k];
      return typeof v === 'string' && v.trim() ? v.trim() : undefined;
    };
    const [service, from, to] = [field('service'), field('from'), field('to')];
    if (!service || !from || !to)
      throw new SlipwayError('usage', 'a promotion names a service, its source and its target');
    const reason = field('reason');
    let requested: PromotionRecord | undefined;
    // As POST /api/v1/promotions: a run of the server, which ends at once when approvals are needed.
    const run = await deps.runs.start(
      { kind: 'promote', environment: to, service, startedBy: caller.name },
      async (r) => {
        const outcome = await promote(contextFor(deps, caller, r), {
          service,
          from,
          to,
          ...(reason ? { reason } : {}),
        });
        if (!outcome.run) requested = outcome.promotion;
        return outcome;
      },
    );
    if (requested && run.done) return back(c, '/approvals', { ok: requestedText(requested) });
    if (run.view.error) return back(c, '/pipeline', { error: run.view.error.detail ?? run.view.error.title });
    return back(c, '/pipeline', {
      ok: run.done
        ? `promoted ${service} from ${from} to ${to}`
        : `promoting ${service} from ${from} to ${to} (run ${run.view.id}); follow it on /releases/${to}/${service}`,
    });
  } catch (error) {
    return back(c, '/pipeline', { error });
  }
}
