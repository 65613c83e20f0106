// Overview: services × environments in promotion order. Each cell: the running version (tag and short
// digest), health, a release in progress and its state, drift/sync, and the soak left before the version
// of the environment before may be promoted here. Environments show their freeze and emergency stop.
// Services needing attention sort first; a filter narrows by service name. Pure: data → HTML.
import { html } from 'hono/html';
import type { ServiceStatus } from '../../release/inspect.ts';
import { age, badge, duration, type Html } from './layout.ts';

export interface OverviewEnvironment {
  name: string;
  /** The freeze in force, as words ("declared freeze #3 by ada: …", a window's name). */
  freeze?: string | undefined;
  /** Every environment is under a declared freeze: an emergency stop. */
  emergencyStop?: boolean | undefined;
  /** GitOps sync state of the environment when it is followed. */
  sync?: { state: string; outOfSync: string[]; drift: string[] } | undefined;
  /** The watch-fed status is not in yet. */
  syncing?: boolean | undefined;
  promotion?: { from?: string | undefined; soakMs?: number | undefined } | undefined;
}

export interface OverviewData {
  environments: OverviewEnvironment[];
  /** Per service, per environment name: its status (undefined while that environment syncs). */
  services: Array<{ name: string; statuses: Record<string, ServiceStatus | undefined> }>;
  filter: string;
  now: Date;
}

/** Why a cell needs attention, or undefined. */
export function attentionOf(s: ServiceStatus | undefined, drifted: boolean): string | undefined {
  if (!s) return undefined;
  if (s.inProgress?.stale) return 'interrupted release';
  if (s.inProgress) return 'release in progress';
  if (s.latest && s.latest.status !== 'pending') return `latest release ${s.latest.status}`;
  if (s.health.status === 'Degraded') return 'degraded';
  if (s.imagesDiffer) return 'running another image than recorded';
  if (drifted) return 'drifted';
  return undefined;
}

/** Soak left before `service`'s version in `from` may be promoted into `env`, in ms (0: allowed). */
export function soakRemaining(
  env: OverviewEnvironment,
  statuses: Record<string, ServiceStatus | undefined>,
  now: Date,
): number | undefined {
  const from = env.promotion?.from;
  const soak = env.promotion?.soakMs;
  if (!from || !soak) return undefined;
  const src = statuses[from];
  if (!src?.deployedAt || src.version === statuses[env.name]?.version) return undefined;
  return Math.max(0, Date.parse(src.deployedAt) + soak - now.getTime());
}

function cell(
  env: OverviewEnvironment,
  service: string,
  statuses: Record<string, ServiceStatus | undefined>,
  now: Date,
): Html {
  const s = statuses[env.name];
  if (!s) return html`<td><span class="muted">${env.syncing ? 'loading…' : '—'}</span></td>`;
  const drifted = env.sync?.drift.includes(service) ?? false;
  const outOfSync = env.sync?.outOfSync.includes(service) ?? false;
  const soak = soakRemaining(env, statuses, now);
  const release = `/releases/${encodeURIComponent(env.name)}/${encodeURIComponent(service)}`;
  return html`<td>
<a href="${release}"><code>${s.version ?? 'not deployed'}</code></a>${s.revision ? html` <small>r${s.revision}</small>` : ''}<br>
${badge(s.health.status.toLowerCase())}
${s.inProgress ? badge(s.inProgress.stale ? 'interrupted' : 'in progress', s.inProgress.stale ? 'bad' : 'warn') : ''}
${s.latest ? badge(`r${s.latest.revision} ${s.latest.status}`) : ''}
${drifted ? badge('drifted', 'bad') : ''}${outOfSync ? badge('out-of-sync', 'warn') : ''}
${soak !== undefined ? html`<br><small>${soak > 0 ? `soak ${duration(soak)} left` : 'soak done: may promote'}</small>` : ''}
${s.deployedAt ? html`<br><small>deployed ${age(s.deployedAt, now)}</small>` : ''}
</td>`;
}

export function overviewRows(data: OverviewData): Html {
  const needle = data.filter.trim().toLowerCase();
  const rows = data.services
    .filter((s) => !needle || s.name.toLowerCase().includes(needle))
    .map((s) => {
      const reasons = data.environments
        .map((e) => {
          const why = attentionOf(s.statuses[e.name], e.sync?.drift.includes(s.name) ?? false);
          return why ? `${e.name}: ${why}` : undefined;
        })
        .filter((x): x is string => x !== undefined);
      return { ...s, reasons };
    })
    .sort(
      (a, b) => Number(b.reasons.length > 0) - Number(a.reasons.length > 0) || a.name.localeCompare(b.name),
    );
  return html`<tbody id="overview-rows">${rows.map(
    (s) => html`<tr data-service="${s.name}"${s.reasons.length ? html` class="attention"` : ''}>
<th scope="row"><a href="/services/${encodeURIComponent(s.name)}">${s.name}</a>${
      s.reasons.length ? html`<br><small class="bad">needs attention: ${s.reasons.join('; ')}</small>` : ''
    }</th>
${data.environments.map((e) => cell(e, s.name, s.statuses, data.now))}
</tr>`,
  )}</tbody>`;
}

export function environmentHeader(e: OverviewEnvironment): Html {
  return html`<th scope="col">${e.name}
${e.emergencyStop ? html`<br>${badge('EMERGENCY STOP', 'bad')}` : ''}
${e.freeze && !e.emergencyStop ? html`<br>${badge('frozen', 'bad')}` : ''}
${e.freeze ? html`<br><small>${e.freeze}</small>` : ''}
${e.sync ? html`<br>${badge(e.sync.state)}` : ''}
${e.promotion?.from ? html`<br><small>from ${e.promotion.from}${e.promotion.soakMs ? `, soak ${duration(e.promotion.soakMs)}` : ''}</small>` : ''}
</th>`;
}

export function overviewPage(data: OverviewData): Html {
  return html`<h1>Overview</h1>
<form class="filters" method="get" action="/" role="search">
<label>Service <input type="search" name="q" value="${data.filter}" placeholder="filter by name"></label>
<button type="submit">Filter</button>
</form>
<p class="muted">${data.services.length} services × ${data.environments.length} environments, in promotion order; those needing attention first. Updates live.</p>
<div class="scroll" tabindex="0" role="region" aria-label="Services by environment" data-live="/events/overview?q=${encodeURIComponent(data.filter)}">
<table id="overview" style="--envs:${data.environments.length}">
<caption class="muted" style="text-align:left">Version, health and release state per environment</caption>
<thead><tr><th scope="col">Service</th>${data.environments.map(environmentHeader)}</tr></thead>
${overviewRows(data)}
</table>
</div>`;
}
