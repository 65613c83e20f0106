// Service page: one service's release history in one environment (newest first) with who, why, the
// outcome and how long it took; a form choosing two revisions whose recorded manifests and values are
// compared as a unified diff; and a rollback form per revision, enabled for a caller the environment's
// roles allow to deploy, disabled with the reason otherwise. Pure: data → HTML.
import { html } from 'hono/html';
import type { ReleaseRecord } from '../../release/history.ts';
import { age, badge, csrfField, duration, type Html, type PageContext, versionLabel } from './layout.ts';
import type { RevisionDiffData, ServiceViewData } from './service-data.ts';
import { releaseDuration } from './service-data.ts';

const enc = encodeURIComponent;
export const servicePath = (service: string) => `/services/${enc(service)}`;

/** Why a revision cannot be rolled back to by this caller, or undefined when it can. */
export function rollbackBlocked(data: ServiceViewData, r: ReleaseRecord): string | undefined {
  if (!data.gates.allowed) return data.gates.reason;
  if (r.status === 'pending') return 'this release is still in progress';
  // A failed or aborted revision never served alone; copying it would skip its strategy's checks.
  if (r.status !== 'superseded' && r.status !== 'deployed')
    return `r${r.revision} ${r.status}: it never ran as a whole; pick one that was deployed`;
  return undefined;
}

function why(r: ReleaseRecord): Html {
  const text = r.reason ?? (r.rollbackOf ? `Rollback to ${r.rollbackOf}` : '');
  return html`${text}${r.failure ? html`${text ? html`<br>` : ''}<small class="bad">${r.failure.reason}${r.failure.detail ? `: ${r.failure.detail}` : ''}</small>` : ''}`;
}

function rollbackForm(ctx: PageContext, data: ServiceViewData, r: ReleaseRecord): Html {
  const blocked = rollbackBlocked(data, r);
  const id = `rollback-${r.revision}`;
  return html`<form method="post" action="${servicePath(data.service)}/rollback">
${csrfField(ctx)}<input type="hidden" name="env" value="${data.environment}"><input type="hidden" name="revision" value="${r.revision}">
<input type="text" name="reason" id="${id}-reason" aria-label="Reason for rolling back to r${r.revision}" placeholder="reason" size="12"${blocked ? ' disabled' : ''}>
<button type="submit"${blocked ? html` disabled aria-describedby="${id}-why"` : ''}>Roll back to r${r.revision}</button>${
    blocked ? html`<br><span class="reason" id="${id}-why">${blocked}</span>` : ''
  }
</form>`;
}

function historyRow(ctx: PageContext, data: ServiceViewData, r: ReleaseRecord): Html {
  const took = releaseDuration(r, data.now);
  return html`<tr data-revision="${r.revision}">
<th scope="row">r${r.revision}</th>
<td><code>${versionLabel(r.version)}</code><br><small>${r.strategy}</small></td>
<td>${badge(r.status === 'pending' ? 'in progress' : r.status)}</td>
<td>${r.startedBy}</td>
<td>${why(r)}</td>
<td><time datetime="${r.startedAt}">${r.startedAt.replace('T', ' ').slice(0, 19)}</time><br><small>${age(r.startedAt, data.now)}</small></td>
<td>${took === undefined ? '—' : duration(took)}</td>
<td>${rollbackForm(ctx, data, r)}</td>
</tr>`;
}

function environmentLinks(data: ServiceViewData): Html {
  return html`<nav aria-label="Environments"><p>Environment: ${data.environments.map(
    (e, i) =>
      html`${i ? ' · ' : ''}<a href="${servicePath(data.service)}?env=${enc(e.name)}"${
        e.name === data.environment ? html` aria-current="page"` : ''
      }>${e.name}</a> <small class="muted">(${e.revisions === undefined ? 'unreachable' : `${e.revisions} revision${e.revisions === 1 ? '' : 's'}`})</small>`,
  )}</p></nav>`;
}

function revisionSelect(
  name: 'a' | 'b',
  label: string,
  revisions: number[],
  selected: number | undefined,
): Html {
  return html`<label>${label} <select name="${name}">${revisions.map(
    (n) => html`<option value="${n}"${n === selected ? ' selected' : ''}>r${n}</option>`,
  )}</select></label>`;
}

/** The form choosing two revisions to compare (GET, so the diff has a URL of its own). */
export function compareForm(
  service: string,
  env: string,
  revisions: number[],
  a: number | undefined,
  b: number | undefined,
): Html {
  if (revisions.length < 2) return html`<p class="muted">One revision only: nothing to compare yet.</p>`;
  return html`<form class="filters" method="get" action="${servicePath(service)}/diff" aria-label="Compare revisions">
<input type="hidden" name="env" value="${env}">
${revisionSelect('a', 'From revision', revisions, a)}
${revisionSelect('b', 'To revision', revisions, b)}
<button type="submit">Compare</button>
</form>`;
}

export function servicePage(ctx: PageContext, data: ServiceViewData): Html {
  const env = data.environment;
  const head = html`<h1>Service ${data.service}</h1>${environmentLinks(data)}`;
  if (env === undefined) return html`${head}<p class="muted">You may not view any environment.</p>`;
  const revisions = data.records.map((r) => r.revision);
  return html`${head}
<p><a href="/releases/${enc(env)}/${enc(data.service)}">The newest release in ${env}, live</a></p>
<h2>Compare two revisions</h2>
${compareForm(data.service, env, revisions, revisions[1], revisions[0])}
<h2>History in ${env}</h2>
${
  data.records.length === 0
    ? html`<p class="muted">${data.service} has no releases in ${env}.</p>`
    : html`<div class="scroll" tabindex="0" role="region" aria-label="Release history">
<table id="history" style="min-width:60rem"><thead><tr><th scope="col">Revision</th><th scope="col">Version</th><th scope="col">Outcome</th><th scope="col">Who</th><th scope="col">Why</th><th scope="col">Started</th><th scope="col">Took</th><th scope="col">Rollback</th></tr></thead>
<tbody>${data.records.map((r) => historyRow(ctx, data, r))}</tbody></table></div>`
}`;
}

/** A unified diff as lines, added and removed ones marked. */
export function patchLines(patch: string): Html {
  const lines = patch.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return html`${lines.map((l) =>
    l.startsWith('+') && !l.startsWith('+++')
      ? html`<span class="add">${l}</span>\n`
      : l.startsWith('-') && !l.startsWith('---')
        ? html`<span class="del">${l}</span>\n`
        : l.startsWith('@@')
          ? html`<span class="info">${l}</span>\n`
          : html`${l}\n`,
  )}`;
}

export function diffPage(data: RevisionDiffData): Html {
  const { a, b } = data;
  const side = (r: ReleaseRecord) =>
    html`<strong>r${r.revision}</strong> <code>${versionLabel(r.version)}</code> ${badge(r.status === 'pending' ? 'in progress' : r.status)} by ${r.startedBy}`;
  return html`<h1>${data.service} in ${data.environment}: r${a.revision} → r${b.revision}</h1>
<p><a href="${servicePath(data.service)}?env=${enc(data.environment)}">Back to the history of ${data.service} in ${data.environment}</a></p>
${compareForm(data.service, data.environment, data.revisions, a.revision, b.revision)}
<p>From ${side(a)} to ${side(b)}. Recorded manifests and values; Secret values are never shown, only their references.</p>
${
  data.files.length === 0
    ? html`<p data-testid="no-diff">The two revisions recorded the same manifests and values.</p>`
    : data.files.map(
        (f) => html`<h2>${f.name}</h2>
<pre class="diff" tabindex="0" role="region" aria-label="Changes to ${f.name}">${patchLines(f.patch)}</pre>`,
      )
}`;
}
