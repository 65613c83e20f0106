// Approvals inbox: promotions waiting for approval, each with the change it would apply to the target's
// desired state, the requester, the rule that asks for approval and who may give it, and approve /
// reject forms with a reason. A request of the caller's own says so in words: the four-eyes rule is
// enforced by the operation (which refuses and audits the attempt), and the page tells why beforehand.
import { html } from 'hono/html';
import type { PromotionView } from '../../promotion/index.ts';
import { age, badge, csrfField, type Html, type PageContext } from './layout.ts';

export interface ApprovalItem {
  view: PromotionView;
  /** Per service: the version the target runs in its desired state now, and the one it would get. */
  changes: Array<{ service: string; from: string; to: string }>;
  /** The environment's rule, in words: "prod needs 1 approval, promoted from dev". */
  rule: string;
  /** Who may approve, in words (roles and members). */
  approvers: string;
}

export interface ApprovalsData {
  items: ApprovalItem[];
  /** The caller as the four-eyes rule sees them (the people: key when known). */
  actor: string;
  now: Date;
}

function item(ctx: PageContext, data: ApprovalsData, it: ApprovalItem): Html {
  const p = it.view.promotion;
  const own = p.requester === data.actor;
  const approvedBy = it.view.approvals.filter((a) => a.decision === 'approved').map((a) => a.approver);
  const idAttr = `promotion-${p.id}`;
  return html`<article class="card" id="${idAttr}" aria-labelledby="${idAttr}-title">
<h2 id="${idAttr}-title">#${p.id} ${p.service}: ${p.from} → ${p.to} ${p.hotfix ? badge('hotfix', 'bad') : ''}</h2>
<p>Requested by <strong>${p.requester}</strong> ${age(p.createdAt, data.now)}${p.reason ? html` — “${p.reason}”` : ''}</p>
<p><strong>Rule:</strong> ${it.rule}. ${approvedBy.length}/${p.approvalsNeeded} approvals${approvedBy.length ? ` (${approvedBy.join(', ')})` : ''}.<br>
<small>May approve: ${it.approvers}</small>${p.expiresAt ? html`<br><small>Expires ${p.expiresAt}</small>` : ''}</p>
<p><strong>Would change</strong> environments/${p.to}.yaml:</p>
<pre class="diff">${it.changes.map(
    (c) =>
      html`<span class="del">- ${c.service}: ${c.from}</span>\n<span class="add">+ ${c.service}: ${c.to}</span>\n`,
  )}</pre>
${
  own
    ? html`<p class="warn" role="note"><strong>You requested this promotion, so you cannot approve it:</strong> four eyes — another approver must. You may withdraw it.</p>`
    : ''
}
<form method="post" action="/approvals/${p.id}/approve">
${csrfField(ctx)}
<label for="${idAttr}-comment">Comment (optional)</label><br>
<input id="${idAttr}-comment" name="comment" size="30">
<button type="submit" class="primary">Approve #${p.id}</button>
</form>
<form method="post" action="/approvals/${p.id}/reject" style="margin-top:.5rem">
${csrfField(ctx)}
<label for="${idAttr}-reason">Reason for rejecting${own ? ' / withdrawing' : ''}</label><br>
<input id="${idAttr}-reason" name="reason" size="30" required>
<button type="submit" class="danger">${own ? 'Withdraw' : 'Reject'} #${p.id}</button>
</form>
</article>`;
}

export function approvalsPage(ctx: PageContext, data: ApprovalsData): Html {
  return html`<h1>Approvals</h1>
${
  data.items.length === 0
    ? html`<p>No promotion waits for approval.</p>`
    : html`<p class="muted">${data.items.length} waiting. Approving the last needed approval runs the promotion.</p>
<div class="cards">${data.items.map((it) => item(ctx, data, it))}</div>`
}`;
}
