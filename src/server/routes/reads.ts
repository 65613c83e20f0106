// What runs and what happened, through the API: status of an environment, a service's release history,
// the audit log, and the server's runs with their live events (server-sent events). Reads need the
// viewer role of the environment, as the CLI's reads do.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { getService } from '../../config/model.ts';
import { readAudit } from '../../promotion/index.ts';
import { authorize } from '../../promotion/roles.ts';
import { releaseStatus } from '../../release/inspect.ts';
import { serviceTarget } from '../../release/target.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { AuditAction } from '../../store/types.ts';
import type { AuthVariables } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import type { RunEvent } from '../runs.ts';
import {
  Anything,
  AuditQuery,
  EnvParam,
  ERRORS,
  json,
  RunIdParam,
  RunView,
  ServiceParams,
} from '../schemas.ts';

export function readRoutes(deps: ServerDeps): OpenAPIHono<{ Variables: AuthVariables }> {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();

  const clientOf = async (env: string) => {
    const client = await deps.connect(deps.platform(), env, { start: false });
    if (!client)
      throw new SlipwayError('unreachable', `the cluster of ${env} is not running`, {
        hint: 'Start it (`slipway cluster up` for the local cluster) and try again.',
      });
    return client;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/environments/{env}/status',
      summary: 'What runs in an environment, per service (as `slipway status`)',
      request: { params: EnvParam },
      responses: { 200: json(z.array(Anything), 'Per service'), ...ERRORS },
    }),
    async (c) => {
      const { env } = c.req.valid('param');
      const ctx = contextFor(deps, c.get('caller'));
      await authorize(ctx, env, 'view', { operation: 'status' });
      const status =
        deps.statusCache?.statuses(ctx.platform, env) ??
        (await releaseStatus(await clientOf(env), { platform: ctx.platform, environment: env }));
      return c.json(status as unknown as Record<string, unknown>[], 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/environments/{env}/services/{service}/history',
      summary: 'The release history of a service, newest first (as `slipway history`)',
      request: { params: ServiceParams },
      responses: { 200: json(z.array(Anything), 'Release records'), ...ERRORS },
    }),
    async (c) => {
      const { env, service } = c.req.valid('param');
      const ctx = contextFor(deps, c.get('caller'));
      getService(ctx.platform, service);
      await authorize(ctx, env, 'view', { service, operation: 'history' });
      const t = serviceTarget(await clientOf(env), { platform: ctx.platform, service, environment: env });
      return c.json((await t.history.list(service)) as unknown as Record<string, unknown>[], 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      summary: 'Audit entries of the environments the caller may view, oldest first',
      request: { query: AuditQuery },
      responses: { 200: json(z.array(Anything), 'Entries'), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const entries = await readAudit(contextFor(deps, c.get('caller')), {
        ...(q.env ? { environment: q.env } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.action ? { action: q.action as AuditAction } : {}),
        ...(q.since ? { since: q.since } : {}),
      });
      return c.json(entries as unknown as Record<string, unknown>[], 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/runs',
      summary: 'Operations the server runs or ran, newest first',
      responses: { 200: json(z.array(RunView), 'Runs'), ...ERRORS },
    }),
    (c) => c.json(deps.runs.list() as Array<typeof RunView._output>, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/runs/{id}',
      summary: 'One run',
      request: { params: RunIdParam },
      responses: { 200: json(RunView, 'The run'), ...ERRORS },
    }),
    (c) => {
      const run = deps.runs.get(c.req.valid('param').id);
      if (!run) throw new SlipwayError('notFound', `no run ${c.req.valid('param').id}`);
      return c.json(run.view as typeof RunView._output, 200);
    },
  );

  // Server-sent events: every event kept so far (after Last-Event-ID), then live ones until the end.
  app.get('/runs/:id/events', (c) => {
    const run = deps.runs.get(c.req.param('id'));
    if (!run) throw new SlipwayError('notFound', `no run ${c.req.param('id')}`);
    const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      const queue: RunEvent[] = run.events.filter((e) => e.seq > after);
      let wake: (() => void) | undefined;
      const off = run.subscribe((e) => {
        if (e.seq > after) queue.push(e);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      try {
        for (;;) {
          while (queue.length > 0) {
            const e = queue.shift()!;
            await stream.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify(e) });
            if (e.type === 'end') return;
          }
          if (stream.aborted) return;
          if (run.done && queue.length === 0) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        off();
      }
    });
  });
  return app;
}
