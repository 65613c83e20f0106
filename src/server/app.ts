// The HTTP API of `slipway serve`: /healthz and /readyz (no token), /metrics (Prometheus), and the
// versioned JSON API under /api/v1 (every route needs a bearer token), described by an OpenAPI 3.1
// document at /api/v1/openapi.json. Errors are problem+json, mapped once (problem.ts). Built from
// its dependencies so tests call it in process with `app.request()`.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { SlipwayError } from '../shared/errors.ts';
import { type AuthVariables, requireCaller } from './auth.ts';
import { dashboardRoutes } from './dashboard/index.ts';
import type { ServerDeps } from './deps.ts';
import { gitHookRoutes, syncRoutes } from './gitops/routes.ts';
import { problemResponse } from './problem.ts';
import { decisionRoutes } from './routes/decisions.ts';
import { readRoutes } from './routes/reads.ts';
import { releaseRoutes } from './routes/releases.ts';
import { ProblemSchema } from './schemas.ts';

export const API_PREFIX = '/api/v1';

/** The route's path pattern (not the concrete path), so metrics have few series. */
const routeOf = (c: Context) => c.req.routePath || 'unmatched';

export function createApp(deps: ServerDeps): OpenAPIHono<{ Variables: AuthVariables }> {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>({
    // Invalid bodies, params or queries: 400 problem+json naming each field.
    defaultHook: (result) => {
      if (result.success) return;
      const issues = result.error.issues.map(
        (i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`,
      );
      return new Response(
        JSON.stringify({
          type: 'https://slipway.dev/problems/usage',
          title: 'Usage error',
          status: 400,
          detail: `invalid request: ${issues.join('; ')}`,
          errorType: 'usage',
          details: issues,
        }),
        { status: 400, headers: { 'content-type': 'application/problem+json' } },
      );
    },
  });

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    deps.metrics.api.observe((performance.now() - t0) / 1000, {
      method: c.req.method,
      route: routeOf(c),
      status: String(c.res.status),
    });
  });
  app.onError((err) => problemResponse(err));
  app.notFound((c) =>
    problemResponse(new SlipwayError('notFound', `no route ${c.req.method} ${c.req.path}`)),
  );

  app.get('/healthz', (c) => c.json({ ok: true, version: deps.version }));
  app.get('/readyz', async (c) => {
    try {
      await deps.store.listFreezes({});
      return c.json({
        ready: true,
        running: deps.runs.running(),
        ...(deps.leadership ? { leader: deps.leadership.isLeader() } : {}),
      });
    } catch (e) {
      return c.json({ ready: false, reason: (e as Error).message }, 503);
    }
  });
  app.get('/metrics', (c) =>
    c.text(
      deps.metrics.render([
        '# HELP slipway_runs_running Operations running now.',
        '# TYPE slipway_runs_running gauge',
        `slipway_runs_running ${deps.runs.running()}`,
        ...(deps.leadership
          ? [
              '# HELP slipway_leader 1 while this replica leads the release workers.',
              '# TYPE slipway_leader gauge',
              `slipway_leader ${deps.leadership.isLeader() ? 1 : 0}`,
            ]
          : []),
      ]),
      200,
      { 'content-type': 'text/plain; version=0.0.4' },
    ),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An OIDC access/ID token of the configured issuer, or a slipway API token',
  });
  app.openAPIRegistry.register('Problem', ProblemSchema);
  app.doc31(`${API_PREFIX}/openapi.json`, {
    openapi: '3.1.0',
    info: { title: 'slipway', version: deps.version, description: 'The slipway control plane API' },
    security: [{ bearer: [] }],
  });

  if (deps.login) app.route('/auth', deps.login.routes());

  // Before the bearer check of /api/v1: a git host authenticates its webhook by signing the body.
  app.route(API_PREFIX, gitHookRoutes(deps));
  const api = new OpenAPIHono<{ Variables: AuthVariables }>();
  api.use('*', requireCaller(deps.authenticators));
  api.route('/', readRoutes(deps));
  api.route('/', releaseRoutes(deps));
  api.route('/', decisionRoutes(deps));
  api.route('/', syncRoutes(deps));
  app.route(API_PREFIX, api);
  // The dashboard (server-rendered pages at `/`, browser sessions only).
  app.route('/', dashboardRoutes(deps));
  return app;
}
