// Releases through the API: deploy, rollback, resume and apply start runs that the server carries out
// with no client attached (202 and the run; follow it at /runs/{id}/events); abort and promote of a
// paused release answer at once. Every handler calls one function of src/operations/, as the CLI does.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { applyEnvironment } from '../../operations/apply.ts';
import { deployService, gateRelease, resumeRelease, rollbackService } from '../../operations/release.ts';
import { parseDuration } from '../../shared/duration.ts';
import type { AuthVariables } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import type { Run } from '../runs.ts';
import {
  Anything,
  ApplyBody,
  body,
  DeployBody,
  EnvParam,
  ERRORS,
  GateBody,
  json,
  ResumeBody,
  RollbackBody,
  RunView,
  ServiceParams,
} from '../schemas.ts';

const accepted = { 202: json(RunView, 'Started; follow the run at /api/v1/runs/{id}/events'), ...ERRORS };

export function releaseRoutes(deps: ServerDeps): OpenAPIHono<{ Variables: AuthVariables }> {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const started = (run: Run) => ({ ...run.view }) as typeof RunView._output;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/services/{service}/deploy',
      request: { params: ServiceParams, ...body(DeployBody) },
      responses: accepted,
      summary: 'Release a service (as `slipway deploy`)',
    }),
    async (c) => {
      const { env, service } = c.req.valid('param');
      const b = c.req.valid('json');
      const caller = c.get('caller');
      const run = await deps.runs.start(
        { kind: 'deploy', environment: env, service, startedBy: caller.name },
        (r) =>
          deployService(contextFor(deps, caller, r), {
            service,
            environment: env,
            overrides: {
              ...(b.set ? { set: b.set } : {}),
              ...(b.setString ? { setString: b.setString } : {}),
              ...(b.setJson ? { setJson: b.setJson } : {}),
              ...(b.imageTag ? { imageTag: b.imageTag } : {}),
              ...(b.digest ? { digest: b.digest } : {}),
            },
            reason: b.reason,
            hotfix: b.hotfix ?? false,
            overrideFreeze: b.overrideFreeze,
            timeoutMs: b.timeout === undefined ? undefined : parseDuration(b.timeout),
          }),
      );
      return c.json(started(run), 202, { location: `/api/v1/runs/${run.view.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/services/{service}/rollback',
      request: { params: ServiceParams, ...body(RollbackBody) },
      responses: accepted,
      summary: 'Roll back to an earlier revision (as `slipway rollback`)',
    }),
    async (c) => {
      const { env, service } = c.req.valid('param');
      const b = c.req.valid('json');
      const caller = c.get('caller');
      const run = await deps.runs.start(
        { kind: 'rollback', environment: env, service, startedBy: caller.name },
        (r) =>
          rollbackService(contextFor(deps, caller, r), {
            service,
            environment: env,
            toRevision: b.toRevision,
            reason: b.reason,
            overrideFreeze: b.overrideFreeze,
          }),
      );
      return c.json(started(run), 202, { location: `/api/v1/runs/${run.view.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/services/{service}/resume',
      request: { params: ServiceParams, ...body(ResumeBody) },
      responses: accepted,
      summary: 'Finish an interrupted release (as `slipway resume`)',
    }),
    async (c) => {
      const { env, service } = c.req.valid('param');
      const b = c.req.valid('json');
      const caller = c.get('caller');
      const run = await deps.runs.start(
        { kind: 'resume', environment: env, service, startedBy: caller.name },
        async (r) => {
          const record = await resumeRelease(contextFor(deps, caller, r), {
            service,
            environment: env,
            overrideFreeze: b.overrideFreeze,
          });
          return record ?? { resumed: false, message: `nothing to resume for ${service} in ${env}` };
        },
      );
      return c.json(started(run), 202, { location: `/api/v1/runs/${run.view.id}` });
    },
  );

  for (const gate of ['abort', 'promote'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/environments/{env}/services/{service}/${gate}`,
        request: { params: ServiceParams, ...body(GateBody) },
        responses: { 200: json(Anything, 'What the running release did'), ...ERRORS },
        summary:
          gate === 'abort'
            ? 'Abort a running canary or blue-green release (as `slipway abort`)'
            : 'Advance a paused canary or blue-green release (as `slipway promote --env`)',
      }),
      async (c) => {
        const { env, service } = c.req.valid('param');
        const b = c.req.valid('json');
        const outcome = await gateRelease(contextFor(deps, c.get('caller')), {
          service,
          environment: env,
          action: gate === 'abort' ? 'abort' : b.full ? 'promote-full' : 'promote',
          reason: b.reason,
          overrideFreeze: b.overrideFreeze,
        });
        return c.json(outcome as unknown as Record<string, unknown>, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/apply',
      request: { params: EnvParam, ...body(ApplyBody) },
      responses: accepted,
      summary: 'Reconcile an environment to its desired state (as `slipway apply`)',
    }),
    async (c) => {
      const { env } = c.req.valid('param');
      const b = c.req.valid('json');
      const caller = c.get('caller');
      const run = await deps.runs.start({ kind: 'apply', environment: env, startedBy: caller.name }, (r) =>
        applyEnvironment(contextFor(deps, caller, r), {
          environment: env,
          ...(b.targets ? { targets: b.targets } : {}),
          hotfix: b.hotfix ?? false,
          ...(b.reason ? { reason: b.reason } : {}),
          overrideFreeze: b.overrideFreeze,
          onStart: (s) => r.emit('log', s.summary, s.service),
        }),
      );
      return c.json(started(run), 202, { location: `/api/v1/runs/${run.view.id}` });
    },
  );
  return app;
}
