// Audit: the log, newest first, filtered by who, environment, action and time; the result of verifying
// the hash chain (edited, removed or inserted rows, checked against the anchors); an export of the same
// selection as JSON lines.
import { html } from 'hono/html';
import type { AuditVerification } from '../../promotion/index.ts';
import type { AuditRecord } from '../../store/types.ts';
import { badge, type Html } from './layout.ts';

export interface AuditFilters {
  who?: string | undefined;
  env?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

export interface AuditData {
  entries: AuditRecord[];
  filters: AuditFilters;
  environments: string[];
  actions: readonly string[];
  verification: AuditVerification;
}

/** The entries a filter selects (who matches the actor; time bounds are ISO strings). */
export function filterAudit(entries: readonly AuditRecord[], f: AuditFilters): AuditRecord[] {
  return entries.filter(
    (e) =>
      (!f.who || e.actor === f.who) &&
      (!f.env || e.environment === f.env) &&
      (!f.action || e.action === f.action) &&
      (!f.since || e.at >= f.since) &&
      (!f.until || e.at <= f.until),
  );
}

export function auditQuery(f: AuditFilters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function summary(e: AuditRecord): string {
  const d = e.detail;
  const parts: string[] = [];
  for (const k of ['operation', 'outcome', 'status', 'version', 'reason', 'id', 'revision'])
    if (d[k] !== undefined && typeof d[k] !== 'object') parts.push(`${k}: ${String(d[k])}`);
  return parts.join(' · ');
}

const select = (name: string, label: string, value: string | undefined, options: readonly string[]): Html =>
  html`<label>${label}<select name="${name}"><option value="">any</option>${options.map(
    (o) => html`<option${o === value ? html` selected` : ''}>${o}</option>`,
  )}</select></label>`;

export function auditPage(data: AuditData): Html {
  const f = data.filters;
  const v = data.verification;
  return html`<h1>Audit</h1>
<p data-testid="verification">${
    v.ok
      ? html`${badge('valid')} Hash chain verified: ${v.entries} entries${v.anchors.length ? `, checked against ${v.anchors.map((a) => `${a.source} (#${a.seq})`).join(', ')}` : ''}.`
      : html`${badge('broken')} Hash chain broken: ${v.problems.map((p) => `#${p.seq} ${p.problem}`).join('; ')}`
  }</p>
<form class="filters" method="get" action="/audit" role="search">
<label>Who <input name="who" value="${f.who ?? ''}" size="12"></label>
${select('env', 'Environment', f.env, data.environments)}
${select('action', 'Action', f.action, data.actions)}
<label>Since <input type="datetime-local" name="since" value="${f.since?.slice(0, 16) ?? ''}"></label>
<label>Until <input type="datetime-local" name="until" value="${f.until?.slice(0, 16) ?? ''}"></label>
<button type="submit">Filter</button>
<a href="/audit.jsonl${auditQuery(f)}" download>Export JSON lines</a>
</form>
<div class="scroll" tabindex="0" role="region" aria-label="table"><table id="audit">
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Environment</th><th scope="col">Service</th><th scope="col">Detail</th></tr></thead>
<tbody>${data.entries.map(
    (e) =>
      html`<tr><td>${e.seq}</td><td><time datetime="${e.at}">${e.at.replace('T', ' ').slice(0, 19)}</time></td><td>${e.actor}</td><td>${e.action}</td><td>${e.environment ?? ''}</td><td>${e.service ?? ''}</td><td><small>${summary(e)}</small></td></tr>`,
  )}</tbody></table></div>
${data.entries.length === 0 ? html`<p>No entries match.</p>` : ''}`;
}
