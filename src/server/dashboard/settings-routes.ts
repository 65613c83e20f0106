// The settings page's routes and what it reads: `/settings`, and the token forms posting to
// `/settings/tokens` and `/settings/tokens/:id/revoke`, which call operations/tokens.ts as the session's
// caller (the same functions as `slipway token`, so admin rights, the creator's limits and the audit
// log apply). A created token's secret is in the answer to the POST only, never in a URL or the store.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { LoadedPlatform } from '../../config/load.ts';
import { getEnvironment } from '../../config/model.ts';
import type { OperationContext } from '../../operations/context.ts';
import { listDeclaredFreezes } from '../../operations/freeze.ts';
import { createToken, listTokens, revokeToken, tokenUsable } from '../../operations/tokens.ts';
import { actorName, can, whoMay } from '../../promotion/index.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { ApiTokenRecord } from '../../store/types.ts';
import type { Caller } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { toProblem } from '../problem.ts';
import { viewableEnvironments } from './data.ts';
import { back, type DashboardContext, pageContext } from './index.ts';
import { layout } from './layout.ts';
import type { DashboardVariables } from './session.ts';
import { settingsPage } from './settings.ts';
import { freezeCalendar } from './settings-calendar.ts';
import { type NotificationTarget, type TokenRow, type TokensData, urlHost } from './settings-tokens.ts';

/** How many deliveries each notification target shows. */
const DELIVERIES_SHOWN = 5;

export function settingsRoutes(app: Hono<{ Variables: DashboardVariables }>, deps: ServerDeps): void {
  const render = async (c: DashboardContext, created?: TokensData['created']) => {
    try {
      const data = await settingsData(deps, c.get('caller'), created);
      return c.html(layout(pageContext(c), 'Settings', settingsPage(pageContext(c), data)));
    } catch (e) {
      const p = toProblem(e);
      return c.html(
        layout(pageContext(c), 'Settings', html`<h1>Settings</h1><p class="bad">${p.detail ?? p.title}</p>`),
        (p.status ?? 500) as 400,
      );
    }
  };

  app.get('/settings', (c) => render(c));

  app.post('/settings/tokens', async (c) => {
    const caller = c.get('caller');
    try {
      const form = await c.req.parseBody({ all: true });
      const text = (k: string) => {
        const v = form[k];
        return typeof v === 'string' && v.trim() ? v.trim() : undefined;
      };
      const envs = [form['env']].flat().filter((v): v is string => typeof v === 'string' && v !== '');
      if (envs.length === 0) throw new SlipwayError('usage', 'choose at least one environment for the token');
      const { token, secret } = await createToken(contextFor(deps, caller), {
        environments: envs,
        role: text('role') ?? 'viewer',
        expires: text('expires') ?? '30d',
        name: text('name'),
      });
      // The answer itself shows the secret: a redirect would put it in a URL and the history.
      c.header('cache-control', 'no-store');
      return render(c, { id: token.id, name: token.name, secret });
    } catch (error) {
      return back(c, '/settings', { error });
    }
  });

  app.post('/settings/tokens/:id/revoke', async (c) => {
    const id = Number(c.req.param('id'));
    try {
      if (!Number.isInteger(id) || id <= 0)
        throw new SlipwayError('usage', `"${c.req.param('id')}" is not a token id`);
      const t = await revokeToken(contextFor(deps, c.get('caller')), id);
      return back(c, '/settings', { ok: `token #${t.id} ${t.name} revoked` });
    } catch (error) {
      return back(c, '/settings', { error });
    }
  });
}

export async function settingsData(
  deps: ServerDeps,
  caller: Caller,
  created?: TokensData['created'],
): Promise<Parameters<typeof settingsPage>[1]> {
  const ctx = contextFor(deps, caller);
  const envs = viewableEnvironments(ctx.platform, caller);
  const declared = Object.fromEntries(
    await Promise.all(envs.map(async (e) => [e, await listDeclaredFreezes(ctx, e)] as const)),
  );
  return {
    platform: {
      ...ctx.platform,
      environments: ctx.platform.environments.filter((e) => envs.includes(e.name)),
    },
    declared,
    calendar: freezeCalendar(
      envs.map((e) => ({ config: getEnvironment(ctx.platform, e), declared: declared[e] ?? [] })),
      ctx.now,
    ),
    notifications: await notificationTargets(ctx, envs),
    tokens: await tokensData(ctx, caller, envs, created),
    now: ctx.now,
  };
}

/** The webhooks touching an environment the caller may view, each with its newest deliveries. */
async function notificationTargets(ctx: OperationContext, viewable: string[]): Promise<NotificationTarget[]> {
  const targets = (ctx.platform.platform.notifications ?? []).filter(
    (t) => !t.environments || t.environments.some((e) => viewable.includes(e)),
  );
  return await Promise.all(
    targets.map(async (t) => ({
      name: t.name,
      format: t.format,
      host: t.url
        ? (urlHost(t.url) ?? '(invalid URL)')
        : (urlHost(t.urlEnv ? process.env[t.urlEnv] : undefined) ?? `the URL in $${t.urlEnv} (not set here)`),
      signed: t.secretEnv !== undefined,
      events: t.events,
      environments: t.environments,
      deliveries: await ctx.store.listDeliveries({ target: t.name, limit: DELIVERIES_SHOWN }),
    })),
  );
}

async function tokensData(
  ctx: OperationContext,
  caller: Caller,
  viewable: string[],
  created: TokensData['created'],
): Promise<TokensData> {
  const platform = ctx.platform;
  const user = actorName(platform, caller.name);
  const adminOf = viewable.filter((e) => can(platform, e, user, 'admin', caller));
  const rows = (await listTokens(ctx)).map((t) => tokenRow(platform, t, user, caller, ctx.now));
  return {
    rows,
    create: {
      environments: adminOf,
      reason:
        adminOf.length > 0
          ? undefined
          : caller.scope
            ? 'An API token may not create API tokens.'
            : `Creating a token needs admin of each of its environments, and you are admin of none (${viewable
                .map((e) => `${e}: ${whoMay(platform, e, 'admin')}`)
                .join('; ')}).`,
    },
    created,
  };
}

/** The same rule as revokeToken: its creator (as a person), or admin of each of its environments. */
function tokenRow(
  platform: LoadedPlatform,
  t: ApiTokenRecord,
  user: string,
  caller: Caller,
  now: Date,
): TokenRow {
  const { hash: _hash, ...rest } = t;
  const notAdmin = t.environments.find((e) => !can(platform, e, user, 'admin', caller));
  const mine = t.createdBy === user && !caller.scope;
  return {
    ...rest,
    state: t.revokedAt ? 'revoked' : tokenUsable(t, now) ? 'usable' : 'expired',
    revoke:
      mine || notAdmin === undefined
        ? { allowed: true }
        : {
            allowed: false,
            reason: `Only its creator (${t.createdBy}) or an admin of ${t.environments.join(', ')} may revoke it; you are not admin of ${notAdmin}.`,
          },
  };
}
