// Settings you can read: each environment's rules (order, promotion source, soak, approvals, hotfix,
// policy, autoDeploy), its roles and who is in them (people: keys and groups as slipway.yaml says), its
// freeze windows on a calendar and declared freezes, the notification targets with their last
// deliveries, and API tokens. Only tokens change here (through operations/tokens.ts, as the CLI does);
// the rest changes by editing slipway.yaml.
import { html } from 'hono/html';
import type { LoadedPlatform } from '../../config/load.ts';
import type { DeclaredFreeze } from '../../promotion/index.ts';
import { badge, type Html, type PageContext } from './layout.ts';
import { calendarTable, type FreezeCalendar } from './settings-calendar.ts';
import {
  type NotificationTarget,
  notificationsSection,
  type TokensData,
  tokensSection,
} from './settings-tokens.ts';

export interface SettingsData {
  platform: LoadedPlatform;
  declared: Record<string, DeclaredFreeze[]>;
  calendar: FreezeCalendar;
  notifications: NotificationTarget[];
  tokens: TokensData;
  now: Date;
}

export function settingsPage(ctx: PageContext, data: SettingsData): Html {
  const people = data.platform.platform.people ?? {};
  return html`<h1>Settings</h1>
<p class="muted">Read-only but for API tokens: edit slipway.yaml to change the rest.</p>
<nav aria-label="On this page"><ul class="actions" style="list-style:none;padding:0">
<li><a href="#environments">Environments</a></li><li><a href="#freeze-calendar-h">Freeze calendar</a></li>
<li><a href="#notifications">Notifications</a></li><li><a href="#tokens">API tokens</a></li><li><a href="#people">People</a></li>
</ul></nav>
${data.tokens.created ? tokensSection(ctx, data.tokens, data.now) : ''}
<h2 id="environments" class="muted" style="font-size:.95rem">Environments, in promotion order</h2>
${data.platform.environments.map((e, i) => {
  const roles = Object.entries(e.roles ?? {});
  return html`<section aria-labelledby="env-${e.name}">
<h2 id="env-${e.name}">${i + 1}. ${e.name}</h2>
<ul>
<li>Policy level ${e.policy}; autoDeploy ${e.autoDeploy ? 'on' : 'off'}</li>
<li>${e.promotion?.from ? `Promoted from ${e.promotion.from}` : 'Deployed directly (no promotion source)'}${e.promotion?.soak ? `, after a soak of ${e.promotion.soak}` : ''}; ${e.promotion?.approvals ?? 0} approval(s), never the requester${e.promotion?.hotfix?.allowed ? `; hotfixes allowed with ${e.promotion.hotfix.approvals ?? e.promotion.approvals ?? 0} approval(s)` : ''}</li>
</ul>
<h3>Roles</h3>
${
  roles.length
    ? html`<ul>${roles.map(([role, members]) => html`<li><strong>${role}</strong>: ${(members ?? []).join(', ') || 'nobody'}</li>`)}</ul>`
    : html`<p>No roles: everyone may do everything here.</p>`
}
<h3>Freezes</h3>
${
  (e.freezeWindows ?? []).length
    ? html`<ul>${(e.freezeWindows ?? []).map((w) => html`<li>${w.name ?? 'window'}: starts at cron <code>${w.cron}</code> (${w.timezone ?? 'UTC'}), lasts ${w.duration}</li>`)}</ul>`
    : html`<p>No freeze windows.</p>`
}
${(data.declared[e.name] ?? []).map((f) => html`<p>${badge('frozen', 'bad')} #${f.id} by ${f.createdBy}: ${f.reason}${f.endsAt ? ` until ${f.endsAt}` : ' until lifted'}</p>`)}
</section>`;
})}
<h2 id="freeze-calendar-h">Freeze calendar</h2>
${calendarTable(data.calendar)}
${notificationsSection(data.notifications, data.now)}
${data.tokens.created ? '' : tokensSection(ctx, data.tokens, data.now)}
<h2 id="people">People</h2>
<ul>${Object.entries(people).map(
    ([name, p]) =>
      html`<li><strong>${name}</strong>${p?.email ? ` <${p.email}>` : ''}${p?.groups?.length ? ` — groups ${p.groups.join(', ')}` : ''}</li>`,
  )}</ul>`;
}
