// The dashboard of `slipway serve`, at `/`: server-rendered pages (hono/html, escaped by default) that
// work as plain HTML forms and links; live parts are pushed over server-sent events and swapped in by
// a few lines of inline script (layout.ts). Buttons POST forms to routes here that call the same src/operations functions as the API,
// acting as the session's caller, so every gate (roles, four eyes, freeze, audit) applies. Pages need a
// session (session.ts); forms carry a CSRF token.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import { namespaceFor } from '../../config/model.ts';
import { approvePromotion, rejectPromotion } from '../../operations/promotion.ts';
import { deployService, gateRelease } from '../../operations/release.ts';
import { getPromotion } from '../../promotion/index.ts';
import { historySelector } from '../../release/history.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { oneTimeLoginRoutes } from '../one-time-login.ts';
import { toProblem } from '../problem.ts';
import { approvalsPage } from './approvals.ts';
import { auditPage } from './audit.ts';
import { approvalsData, auditData, overviewData, releaseData, SyncStatusCache } from './data.ts';
import { layout, type PageContext } from './layout.ts';
import { overviewPage, overviewRows } from './overview.ts';
import { pipelineRoutes } from './pipeline.ts';
import { releaseLive, releasePage } from './release.ts';
import { serviceRoutes } from './service-routes.ts';
import { CsrfKeys, type DashboardVariables, requireSession } from './session.ts';
import { settingsRoutes } from './settings-routes.ts';

export type DashboardContext = Context<{ Variables: DashboardVariables }>;

export function pageContext(c: DashboardContext): PageContext {
  const ok = c.req.query('ok');
  const error = c.req.query('error');
  return {
    user: c.get('caller').name,
    csrf: c.get('csrf'),
    path: c.req.path,
    flash: error ? { kind: 'error', text: error } : ok ? { kind: 'ok', text: ok } : undefined,
  };
}

/** Back to `path` with what happened (a 303, so a reload does not post again). */
export function back(c: DashboardContext, path: string, outcome: { ok?: string; error?: unknown }): Response {
  const q = new URLSearchParams();
  if (outcome.error !== undefined) {
    const p = toProblem(outcome.error);
    q.set('error', `${p.detail ?? p.title}${p.hint ? ` — ${p.hint}` : ''}`);
  } else if (outcome.ok) q.set('ok', outcome.ok);
  return c.redirect(`${path}?${q}`, 303);
}

export async function formField(c: DashboardContext, name: string): Promise<string | undefined> {
  const body = await c.req.parseBody();
  const v = body[name];
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** Renders an error of a page read as the page itself (404, 403…), inside the layout. */
async function page(c: DashboardContext, title: string, body: () => Promise<Parameters<typeof layout>[2]>) {
  try {
    return c.html(layout(pageContext(c), title, await body()));
  } catch (e) {
    const p = toProblem(e);
    return c.html(
      layout(pageContext(c), title, html`<h1>${title}</h1><p class="bad">${p.detail ?? p.title}</p>`),
      (p.status ?? 500) as 400,
    );
  }
}

export function dashboardRoutes(deps: ServerDeps): Hono<{ Variables: DashboardVariables }> {
  const app = new Hono<{ Variables: DashboardVariables }>();
  const csrf = new CsrfKeys();
  const sync = new SyncStatusCache(deps);

  // Only the dashboard's own paths: any other path keeps the API's answers (404 problem+json…).
  const session = requireSession(deps.authenticators, csrf, deps.login !== undefined);
  for (const path of [
    '/',
    '/events/*',
    '/releases/*',
    '/approvals',
    '/approvals/*',
    '/audit',
    '/audit.jsonl',
    '/settings',
    '/settings/*',
    '/pipeline',
    '/pipeline/*',
    '/services/*',
  ])
    app.use(path, session);

  app.get('/', (c) =>
    page(c, 'Overview', async () =>
      overviewPage(await overviewData(deps, c.get('caller'), c.req.query('q') ?? '', sync)),
    ),
  );

  // The overview's rows again whenever they change (checked each second; the status cache is memory).
  app.get('/events/overview', (c) => {
    const caller = c.get('caller');
    const filter = c.req.query('q') ?? '';
    return streamSSE(c, async (stream) => {
      let last = '';
      while (!stream.aborted) {
        const data = await overviewData(deps, caller, filter, sync);
        data.now = new Date(Math.floor(Date.now() / 60_000) * 60_000); // ages move once a minute
        const rows = (await overviewRows(data)).toString();
        if (rows !== last) {
          if (last) await stream.writeSSE({ data: rows });
          last = rows;
        }
        await stream.sleep(1000);
      }
    });
  });

  const releasePath = (env: string, service: string) =>
    `/releases/${encodeURIComponent(env)}/${encodeURIComponent(service)}`;

  app.get('/releases/:env/:service', (c) =>
    page(c, `${c.req.param('service')} in ${c.req.param('env')}`, async () =>
      releasePage(
        pageContext(c),
        await releaseData(deps, c.get('caller'), c.req.param('env'), c.req.param('service')),
      ),
    ),
  );

  // The live part of the release view: pushed when the history Secret changes (a step started or
  // ended; the engine writes each before it acts) or a run event arrives, and every 2 s for pods.
  app.get('/releases/:env/:service/events', async (c) => {
    const { env, service } = c.req.param();
    const caller = c.get('caller');
    const live = { user: caller.name, csrf: c.get('csrf'), path: c.req.path };
    await releaseData(deps, caller, env, service); // refuses what the caller may not see
    const platform = deps.platform();
    const client = await deps.connect(platform, env, { start: false });
    return streamSSE(c, async (stream) => {
      let dirty = true;
      let wake: (() => void) | undefined;
      const poke = () => {
        dirty = true;
        wake?.();
      };
      const watch = await client
        ?.watch(
          'v1',
          'Secret',
          {
            namespace: namespaceFor(platform, env),
            labelSelector: historySelector({ platform: platform.platform.name, environment: env, service }),
            onError: () => {},
          },
          poke,
        )
        .catch(() => undefined);
      const offs = deps.runs
        .list()
        .filter((r) => r.environment === env && r.status === 'running')
        .map((r) => deps.runs.get(r.id)?.subscribe(poke));
      const timer = setInterval(poke, 2000);
      stream.onAbort(() => wake?.());
      let last = '';
      try {
        while (!stream.aborted) {
          if (dirty) {
            dirty = false;
            const html = (await releaseLive(live, await releaseData(deps, caller, env, service))).toString();
            if (html !== last) {
              await stream.writeSSE({ data: html });
              last = html;
            }
          }
          if (!dirty)
            await new Promise<void>((r) => {
              wake = r;
            });
          wake = undefined;
        }
      } finally {
        clearInterval(timer);
        watch?.stop();
        for (const off of offs) off?.();
      }
    });
  });

  for (const action of ['promote', 'promote-full', 'abort'] as const) {
    app.post(`/releases/:env/:service/${action}`, async (c) => {
      const { env, service } = c.req.param();
      try {
        await gateRelease(contextFor(deps, c.get('caller')), {
          service,
          environment: env,
          action,
          reason: await formField(c, 'reason'),
        });
        return back(c, releasePath(env, service), { ok: `${action}: done` });
      } catch (error) {
        return back(c, releasePath(env, service), { error });
      }
    });
  }

  // Retry: the failed release's version again, as a new release run by the server.
  app.post('/releases/:env/:service/retry', async (c) => {
    const { env, service } = c.req.param();
    const caller = c.get('caller');
    try {
      const r = (await releaseData(deps, caller, env, service)).record;
      if (!r) throw new SlipwayError('notFound', `no release of ${service} in ${env} to retry`);
      await deps.runs.start({ kind: 'deploy', environment: env, service, startedBy: caller.name }, (run) =>
        deployService(contextFor(deps, caller, run), {
          service,
          environment: env,
          overrides: {
            ...(r.version.tag ? { imageTag: r.version.tag } : {}),
            ...(r.version.digest ? { digest: r.version.digest } : {}),
          },
          reason: `retry of r${r.revision} from the dashboard`,
        }),
      );
      return back(c, releasePath(env, service), { ok: `retrying ${r.version.tag ?? ''}` });
    } catch (error) {
      return back(c, releasePath(env, service), { error });
    }
  });

  app.get('/approvals', (c) =>
    page(c, 'Approvals', async () =>
      approvalsPage(pageContext(c), await approvalsData(deps, c.get('caller'))),
    ),
  );

  app.post('/approvals/:id/approve', async (c) => {
    const id = Number(c.req.param('id'));
    const caller = c.get('caller');
    const comment = await formField(c, 'comment');
    try {
      const pending = (await getPromotion(contextFor(deps, caller), id)).promotion;
      let partial = false;
      const meta = {
        kind: 'approve',
        environment: pending.to,
        service: pending.service,
        startedBy: caller.name,
      };
      const run = await deps.runs.start(meta, async (r) => {
        const outcome = await approvePromotion(contextFor(deps, caller, r), id, comment);
        if (!outcome.run) partial = true;
        return outcome;
      });
      await Promise.race([run.started, new Promise((r) => setTimeout(r, 50))]);
      return back(c, '/approvals', {
        ok: partial ? `approved #${id}; more approvals needed` : `approved #${id}: the promotion runs`,
      });
    } catch (error) {
      return back(c, '/approvals', { error });
    }
  });

  app.post('/approvals/:id/reject', async (c) => {
    const id = Number(c.req.param('id'));
    try {
      const reason = await formField(c, 'reason');
      if (!reason) throw new SlipwayError('usage', 'say why: a reason is required to reject');
      await rejectPromotion(contextFor(deps, c.get('caller')), id, reason);
      return back(c, '/approvals', { ok: `#${id} rejected` });
    } catch (error) {
      return back(c, '/approvals', { error });
    }
  });

  const auditFilters = (c: DashboardContext) => {
    const q = (k: string) => c.req.query(k) || undefined;
    const iso = (v: string | undefined) => (v && /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v) ? `${v}:00.000Z` : v);
    return {
      who: q('who'),
      env: q('env'),
      action: q('action'),
      since: iso(q('since')),
      until: iso(q('until')),
    };
  };
  app.get('/audit', (c) =>
    page(c, 'Audit', async () => auditPage(await auditData(deps, c.get('caller'), auditFilters(c)))),
  );
  app.get('/audit.jsonl', async (c) => {
    const data = await auditData(deps, c.get('caller'), auditFilters(c));
    const body = [...data.entries]
      .reverse()
      .map((e) => JSON.stringify(e))
      .join('\n');
    return c.body(body ? `${body}\n` : '', 200, {
      'content-type': 'application/x-ndjson',
      'content-disposition': 'attachment; filename="slipway-audit.jsonl"',
    });
  });

  // [routes: pipeline]
  pipelineRoutes(app, deps);
  // [routes: service]
  serviceRoutes(app, deps);
  // [routes: settings]
  settingsRoutes(app, deps);
  // [routes: demo]
  oneTimeLoginRoutes(app, deps.oneTimeLogin);
  return app;
}
