// The page shell of the dashboard: one stylesheet and one small script inline (no build step, no CDN;
// pages work without the script, which only follows the live parts), the navigation, the caller, and a flash line for
// what the last action did. Every value is escaped by hono/html unless it is an Html fragment built here.
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageContext {
  /** The caller's display name. */
  user: string;
  /** The CSRF token every form and htmx request carries. */
  csrf: string;
  /** The current path, to mark the navigation. */
  path: string;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}

const NAV = [
  ['/', 'Overview'],
  // [nav: pipeline]
  ['/pipeline', 'Pipeline'],
  ['/approvals', 'Approvals'],
  ['/audit', 'Audit'],
  ['/settings', 'Settings'],
] as const;

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--ok:#116329;--warn:#7d4e00;--bad:#a40e26;--info:#0550ae;--focus:#0969da}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--info)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
header .brand{font-weight:700;text-decoration:none;color:var(--fg)}header nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none}
header nav a[aria-current=page]{font-weight:700;color:var(--fg)}header .who{margin-left:auto;color:var(--muted)}
main{padding:1rem;max-width:1400px;margin:0 auto}h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.scroll{overflow-x:auto;max-width:100%}#overview{table-layout:fixed;min-width:calc(9rem + var(--envs,4) * 11rem)}#overview th:first-child{width:9rem}#overview td,#overview th{overflow-wrap:anywhere}table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-weight:600}td small,.muted{color:var(--muted)}code{font-size:.9em}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.8rem;border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.info{color:var(--info)}
.flash{padding:.5rem .75rem;border:1px solid currentColor;border-radius:.3rem;margin-bottom:1rem}
form.inline{display:inline}button{font:inherit;padding:.3rem .8rem;border:1px solid var(--line);border-radius:.3rem;background:var(--soft);color:var(--fg);cursor:pointer}
button.primary{background:#1f6feb;color:#fff;border-color:#1f6feb}button.danger{background:#cf222e;color:#fff;border-color:#cf222e}button[disabled]{opacity:.6;cursor:not-allowed}
input,select,textarea{font:inherit;padding:.25rem .4rem;border:1px solid var(--muted);border-radius:.3rem;max-width:100%}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin-bottom:1rem}.filters label{display:flex;flex-direction:column;font-size:.85rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:1rem}.card{border:1px solid var(--line);border-radius:.4rem;padding:.75rem}
.stages{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(220px,1fr);gap:1rem;overflow-x:auto}
pre.diff{background:var(--soft);padding:.5rem;overflow-x:auto;font-size:.85rem}.diff .add{color:var(--ok)}.diff .del{color:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}.reason{font-size:.85rem;color:var(--muted)}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
@media (max-width:600px){main{padding:.6rem}th,td{padding:.3rem}header .who{margin-left:0}}
`;

/**
 * Live parts: an element with data-live="<url>" follows that server-sent event stream; each event's
 * data is HTML whose root id names the element it replaces. EventSource reconnects by itself.
 */
const LIVE_JS = `document.addEventListener('DOMContentLoaded',function(){document.querySelectorAll('[data-live]').forEach(function(el){var es=new EventSource(el.getAttribute('data-live'));es.onmessage=function(e){var t=document.createElement('template');t.innerHTML=e.data;var n=t.content.firstElementChild;var old=n&&document.getElementById(n.id);if(old){old.replaceWith(n);}};window.addEventListener('pagehide',function(){es.close();});});});`;

export function layout(ctx: PageContext, title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrf}">
<title>${title} · slipway</title>
<style>${raw(CSS)}</style>
<script>${raw(LIVE_JS)}</script>
</head>
<body>
<a href="#main" class="muted" style="position:absolute;left:-999px" onfocus="this.style.left='0'" onblur="this.style.left='-999px'">Skip to content</a>
<header>
<a class="brand" href="/">slipway</a>
<nav aria-label="Main"><ul>${NAV.map(
    ([href, label]) =>
      html`<li><a href="${href}"${raw(ctx.path === href ? ' aria-current="page"' : '')}>${label}</a></li>`,
  )}</ul></nav>
<span class="who">Signed in as <strong>${ctx.user}</strong></span>
</header>
<main id="main">
${ctx.flash ? html`<p class="flash ${ctx.flash.kind === 'ok' ? 'ok' : 'bad'}" role="status">${ctx.flash.text}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

/** A hidden CSRF field for a plain form (works without JavaScript). */
export const csrfField = (ctx: PageContext): Html =>
  html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/** A coloured badge for a state word: ok, warn, bad or info by the word. */
export function badge(text: string, kind?: 'ok' | 'warn' | 'bad' | 'info'): Html {
  const k = kind ?? toneOf(text);
  return html`<span class="badge ${k}">${text}</span>`;
}

export function toneOf(text: string): 'ok' | 'warn' | 'bad' | 'info' {
  if (/^(healthy|deployed|succeeded|ok|approved|synced|valid|promoted)$/.test(text)) return 'ok';
  if (/^(degraded|failed|rolled-back|aborted|rejected|missing|broken|error|out-of-sync|frozen)/.test(text))
    return 'bad';
  if (/^(progressing|pending|requested|in progress|syncing|soaking|waiting)/.test(text)) return 'warn';
  return 'info';
}

/** `2m 5s ago` style ages for timestamps, relative to `now`. */
export function age(iso: string | undefined, now: Date): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  return `${duration(s * 1000)} ago`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `v1.2.3 @sha256:abcd1234` — the tag and a short digest. */
export function versionLabel(
  v: { tag?: string | undefined; digest?: string | undefined } | undefined,
): string {
  if (!v) return '—';
  const digest = v.digest ? `@${v.digest.replace(/^sha256:/, '').slice(0, 12)}` : '';
  return `${v.tag ?? '(no tag)'}${digest}`;
}
