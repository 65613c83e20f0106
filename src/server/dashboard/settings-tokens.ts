// The settings page's API tokens (list, create, revoke through operations/tokens.ts, as `slipway token`
// does) and notification targets with their last deliveries. Nothing secret is ever rendered: a token
// shows its hash to nobody and its secret once, on the page answering its creation; a webhook shows
// the host of its URL only (Slack's and others' URLs carry credentials in their path), never its
// signing key, and an error text of the delivery log is cut down to hosts the same way.
import { html } from 'hono/html';
import type { NotificationDelivery } from '../../store/types.ts';
import { age, badge, csrfField, type Html, type PageContext } from './layout.ts';

export const TOKEN_ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;

/** A token as the page shows it: never the hash. */
export interface TokenRow {
  id: number;
  name: string;
  environments: string[];
  roles: string[];
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | undefined;
  revokedBy: string | undefined;
  state: 'usable' | 'expired' | 'revoked';
  /** Whether the caller may revoke it, else why not. */
  revoke: { allowed: true } | { allowed: false; reason: string };
}

export interface TokensData {
  rows: TokenRow[];
  /** Environments where the caller is admin (a token may be scoped to these only); else why none. */
  create: { environments: string[]; reason?: string | undefined };
  /** Just created: the secret, shown on this answer only. */
  created?: { id: number; name: string; secret: string } | undefined;
}

export interface NotificationTarget {
  name: string;
  format: string;
  /** The URL's host, or where the URL comes from when the server cannot read it. */
  host: string;
  signed: boolean;
  events: string[] | undefined;
  environments: string[] | undefined;
  deliveries: NotificationDelivery[];
}

/** `https://hooks.slack.com/services/T/B/x` → `hooks.slack.com`; undefined when not a URL. */
export function urlHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

/** A delivery error without the URL's path and query (they may hold credentials). */
export function redactUrls(text: string): string {
  return text.replace(
    /\bhttps?:\/\/[^\s"'<>]*?([.,;:]*)(?=[\s"'<>]|$)/g,
    (u, tail: string) => `${urlHost(u.slice(0, u.length - tail.length)) ?? '(url)'}${tail}`,
  );
}

export function tokensSection(ctx: PageContext, data: TokensData, now: Date): Html {
  const canCreate = data.create.environments.length > 0;
  return html`<section aria-labelledby="tokens">
<h2 id="tokens">API tokens</h2>
<p class="muted">For CI calling the API with <code>Authorization: Bearer slw_…</code>, as <code>slipway token</code> makes them. A token holds its role in its environments only, never beyond its creator; the store keeps only a hash. Last use is not recorded.</p>
${
  data.created
    ? html`<div class="card" id="new-token" role="status">
<p><strong>Token #${data.created.id} ${data.created.name} created.</strong> Copy it now: it is shown this once and cannot be read again.</p>
<label for="new-token-secret">Secret</label>
<input id="new-token-secret" readonly value="${data.created.secret}" data-testid="token-secret" style="width:100%;font-family:monospace" onfocus="this.select()">
</div>`
    : ''
}
${
  data.rows.length
    ? html`<div class="scroll" tabindex="0" role="region" aria-label="API tokens"><table id="token-list">
<caption class="muted" style="text-align:left">Tokens of the environments you may view</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Environments</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${data.rows.map(
        (t) => html`<tr data-token="${t.name}">
<td>#${t.id}</td><td>${t.name}</td><td>${t.roles.join(', ')}</td><td>${t.environments.join(', ')}</td>
<td>by ${t.createdBy}<br><small>${age(t.createdAt, now)}</small></td>
<td><time datetime="${t.expiresAt}">${t.expiresAt.slice(0, 16).replace('T', ' ')}</time></td>
<td>${badge(t.state, t.state === 'usable' ? 'ok' : t.state === 'revoked' ? 'bad' : 'warn')}${t.revokedBy ? html`<br><small>by ${t.revokedBy}</small>` : ''}</td>
<td>${
          t.state === 'revoked'
            ? ''
            : html`<form method="post" action="/settings/tokens/${t.id}/revoke" class="inline">${csrfField(ctx)}<button type="submit" class="danger"${t.revoke.allowed ? '' : html` disabled aria-describedby="revoke-${t.id}-why"`}>Revoke #${t.id}</button></form>${t.revoke.allowed ? '' : html`<div class="reason" id="revoke-${t.id}-why">${t.revoke.reason}</div>`}`
        }</td>
</tr>`,
      )}</tbody></table></div>`
    : html`<p>No API tokens.</p>`
}
<h3>Create a token</h3>
<form method="post" action="/settings/tokens" class="filters" id="token-create">
${csrfField(ctx)}
<label for="token-name">Name<input id="token-name" name="name" placeholder="ci-main" pattern="[a-z0-9][a-z0-9._-]{0,62}"></label>
<fieldset style="border:0;padding:0;margin:0"><legend style="font-size:.85rem">Environments</legend>
${data.create.environments.map(
  (e) =>
    html`<label style="flex-direction:row;gap:.3rem"><input type="checkbox" name="env" value="${e}"> ${e}</label>`,
)}</fieldset>
<label for="token-role">Role<select id="token-role" name="role">${TOKEN_ROLES.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
<label for="token-expires">Expires after<input id="token-expires" name="expires" value="30d" size="6" required></label>
<button type="submit" class="primary"${canCreate ? '' : html` disabled aria-describedby="token-create-why"`}>Create token</button>
</form>
${canCreate ? '' : html`<p class="reason" id="token-create-why">${data.create.reason ?? ''}</p>`}
</section>`;
}

export function notificationsSection(targets: readonly NotificationTarget[], now: Date): Html {
  return html`<section aria-labelledby="notifications">
<h2 id="notifications">Notification targets</h2>
${
  targets.length === 0
    ? html`<p>No notification targets (<code>notifications:</code> in slipway.yaml).</p>`
    : targets.map(
        (t) => html`<h3 id="target-${t.name}">${t.name}</h3>
<p>${t.format} to <strong>${t.host}</strong>${t.signed ? ', signed (HMAC-SHA256)' : ', unsigned'}; events: ${t.events?.join(', ') ?? 'all'}; environments: ${t.environments?.join(', ') ?? 'all'}</p>
${
  t.deliveries.length
    ? html`<div class="scroll" tabindex="0" role="region" aria-label="Deliveries to ${t.name}"><table data-target="${t.name}">
<caption class="muted" style="text-align:left">The last ${t.deliveries.length} deliveries to ${t.name}, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempt</th><th scope="col">Error</th></tr></thead>
<tbody>${t.deliveries.map(
        (d) =>
          html`<tr><td><time datetime="${d.at}">${age(d.at, now)}</time></td><td>${d.event} <small>#${d.seq}</small></td><td>${badge(d.status, d.status === 'delivered' ? 'ok' : 'bad')}</td><td>${d.attempt}</td><td>${d.error ? redactUrls(d.error) : ''}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">No deliveries yet.</p>`
}`,
      )
}
</section>`;
}
