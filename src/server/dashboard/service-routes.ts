// The service page's routes: the history (`/services/<service>?env=`), the diff of two revisions
// (`/services/<service>/diff?env=&a=&b=`) and the rollback form, which starts the same server run as
// POST /api/v1/environments/{env}/services/{service}/rollback: rollbackService of src/operations acting
// as the session's caller, so roles, freezes and the audit apply.
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { rollbackService } from '../../operations/release.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { toProblem } from '../problem.ts';
import { back, type DashboardContext, formField, pageContext } from './index.ts';
import { type Html, layout } from './layout.ts';
import { diffPage, servicePage, servicePath } from './service.ts';
import { revisionDiffData, serviceData } from './service-data.ts';
import type { DashboardVariables } from './session.ts';

async function render(c: DashboardContext, title: string, body: () => Promise<Html>) {
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

/** A revision number from the query or the form; undefined when absent, an input error when not a number. */
export function revisionParam(v: string | undefined, which: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v.replace(/^r/, ''));
  if (!Number.isInteger(n) || n < 1)
    throw new SlipwayError(
      'usage',
      `revision ${which} must be a revision number such as 3 or r3, not “${v}”`,
    );
  return n;
}

export function serviceRoutes(app: Hono<{ Variables: DashboardVariables }>, deps: ServerDeps): void {
  app.get('/services/:service', (c) =>
    render(c, `Service ${c.req.param('service')}`, async () =>
      servicePage(
        pageContext(c),
        await serviceData(deps, c.get('caller'), c.req.param('service'), c.req.query('env') || undefined),
      ),
    ),
  );

  app.get('/services/:service/diff', (c) => {
    const service = c.req.param('service');
    return render(c, `${service}: compare revisions`, async () => {
      const env = c.req.query('env');
      if (!env) throw new SlipwayError('usage', 'choose the environment (env=) whose revisions to compare');
      return diffPage(
        await revisionDiffData(
          deps,
          c.get('caller'),
          service,
          env,
          revisionParam(c.req.query('a'), 'A'),
          revisionParam(c.req.query('b'), 'B'),
        ),
      );
    });
  });

  app.post('/services/:service/rollback', async (c) => {
    const service = c.req.param('service');
    const env = await formField(c, 'env');
    const caller = c.get('caller');
    // `back` writes the flash as the path's query; the environment shown is added to it.
    const backHere = (outcome: { ok?: string; error?: unknown }) => {
      const res = back(c, servicePath(service), outcome);
      const where = res.headers.get('location') ?? servicePath(service);
      return env ? c.redirect(`${where}&env=${encodeURIComponent(env)}`, 303) : res;
    };
    try {
      if (!env) throw new SlipwayError('usage', 'the rollback form names no environment');
      const toRevision = revisionParam(await formField(c, 'revision'), 'to roll back to');
      if (toRevision === undefined) throw new SlipwayError('usage', 'choose the revision to roll back to');
      const reason = await formField(c, 'reason');
      // Answers once the run passed its gates: a refusal (role, freeze, no such revision) is the flash.
      await deps.runs.start({ kind: 'rollback', environment: env, service, startedBy: caller.name }, (run) =>
        rollbackService(contextFor(deps, caller, run), { service, environment: env, toRevision, reason }),
      );
      return backHere({ ok: `rolling ${service} in ${env} back to r${toRevision}` });
    } catch (error) {
      return backHere({ error });
    }
  });
}
