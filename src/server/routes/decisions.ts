// Promotions, approvals and freezes through the API: the same operations as `slipway promote --from
// --to`, `approve`, `reject`, `approvals`, `freeze` and `unfreeze`. A request or approval that runs
// its promotion is a run (202); one that only records a decision answers 200 or 201. POST /freezes and
// /unfreeze are the emergency stop of every environment (`freeze --all`, `unfreeze --all`).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getEnvironment } from '../../config/model.ts';
import { declareFreezeAll, liftFreezesAll } from '../../operations/emergency-stop.ts';
import { declareFreeze, liftFreezes, listDeclaredFreezes } from '../../operations/freeze.ts';
import { approvePromotion, promote, rejectPromotion } from '../../operations/promotion.ts';
import { freezeInForce } from '../../promotion/freeze.ts';
import { expirePromotions, getPromotion, listPromotions } from '../../promotion/index.ts';
import { authorize } from '../../promotion/roles.ts';
import { usageError } from '../../shared/errors.ts';
import { PROMOTION_STATUSES, type PromotionStatus } from '../../store/types.ts';
import type { AuthVariables } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import {
  Anything,
  ApproveBody,
  body,
  EnvParam,
  ERRORS,
  FreezeAllBody,
  FreezeBody,
  IdParam,
  json,
  PromoteBody,
  PromotionsQuery,
  RejectBody,
  RunView,
  UnfreezeAllBody,
  UnfreezeBody,
} from '../schemas.ts';

function statuses(text: string | undefined): PromotionStatus[] {
  if (text === undefined) return ['requested'];
  const list = text.split(',').map((s) => s.trim());
  for (const s of list)
    if (!(PROMOTION_STATUSES as readonly string[]).includes(s))
      throw usageError(`unknown promotion status "${s}"`, {
        hint: `One of ${PROMOTION_STATUSES.join(', ')}.`,
      });
  return list as PromotionStatus[];
}

export function decisionRoutes(deps: ServerDeps): OpenAPIHono<{ Variables: AuthVariables }> {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  const run = { 202: json(RunView, 'Approved and running; follow the run'), ...ERRORS };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/promotions',
      summary: 'Promotions the caller may view (default: those waiting for approval)',
      request: { query: PromotionsQuery },
      responses: { 200: json(z.array(Anything), 'Promotions'), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const ctx = contextFor(deps, c.get('caller'));
      await expirePromotions({ store: ctx.store, now: ctx.now });
      const list = await listPromotions(ctx, { status: statuses(q.status), ...(q.to ? { to: q.to } : {}) });
      return c.json(list as unknown as Record<string, unknown>[], 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/promotions/{id}',
      summary: 'One promotion and its approvals',
      request: { params: IdParam },
      responses: { 200: json(Anything, 'The promotion'), ...ERRORS },
    }),
    async (c) => {
      const view = await getPromotion(contextFor(deps, c.get('caller')), c.req.valid('param').id);
      return c.json(view as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/promotions',
      summary: 'Request a promotion (as `slipway promote --from --to`); runs at once when none must approve',
      request: body(PromoteBody),
      responses: { 201: json(Anything, 'Requested; waits for approvals'), ...run },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const caller = c.get('caller');
      let requested: unknown;
      const r = await deps.runs.start(
        { kind: 'promote', environment: b.to, service: b.service, startedBy: caller.name },
        async (runCtx) => {
          const outcome = await promote(contextFor(deps, caller, runCtx), {
            service: b.service,
            from: b.from,
            to: b.to,
            ...(b.version ? { version: b.version } : {}),
            ...(b.digest ? { digest: b.digest } : {}),
            ...(b.reason ? { reason: b.reason } : {}),
            hotfix: b.hotfix ?? false,
          } as Parameters<typeof promote>[1]);
          if (!outcome.run) requested = outcome.promotion;
          return outcome;
        },
      );
      if (requested !== undefined && r.done) return c.json(requested as Record<string, unknown>, 201);
      return c.json({ ...r.view } as typeof RunView._output, 202, { location: `/api/v1/runs/${r.view.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/promotions/{id}/approve',
      summary: 'Approve a promotion (four eyes); the approval that completes it runs it',
      request: { params: IdParam, ...body(ApproveBody) },
      responses: { 200: json(Anything, 'Approved; more approvals needed'), ...run },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const caller = c.get('caller');
      const pending = await getPromotion(contextFor(deps, caller), id);
      let partial: unknown;
      const r = await deps.runs.start(
        {
          kind: 'approve',
          environment: pending.promotion.to,
          service: pending.promotion.service,
          startedBy: caller.name,
        },
        async (runCtx) => {
          const outcome = await approvePromotion(contextFor(deps, caller, runCtx), id, b.comment);
          if (!outcome.run) partial = outcome.view;
          return outcome;
        },
      );
      if (partial !== undefined && r.done) return c.json(partial as Record<string, unknown>, 200);
      return c.json({ ...r.view } as typeof RunView._output, 202, { location: `/api/v1/runs/${r.view.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/promotions/{id}/reject',
      summary: 'Reject a promotion (an approver), or withdraw it (the requester)',
      request: { params: IdParam, ...body(RejectBody) },
      responses: { 200: json(Anything, 'Rejected'), ...ERRORS },
    }),
    async (c) => {
      const view = await rejectPromotion(
        contextFor(deps, c.get('caller')),
        c.req.valid('param').id,
        c.req.valid('json').reason,
      );
      return c.json(view as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/environments/{env}/freezes',
      summary: 'The freeze in force (declared or a configured window) and the declared freezes',
      request: { params: EnvParam },
      responses: { 200: json(Anything, 'Freezes'), ...ERRORS },
    }),
    async (c) => {
      const { env } = c.req.valid('param');
      const ctx = contextFor(deps, c.get('caller'));
      await authorize(ctx, env, 'view', { operation: 'freeze --list' });
      const declared = await listDeclaredFreezes(ctx, env);
      const now = freezeInForce(getEnvironment(ctx.platform, env), declared, ctx.now);
      return c.json({ inForce: now ?? null, declared } as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/freezes',
      summary: 'Declare a freeze: stop every release into the environment (admins)',
      request: { params: EnvParam, ...body(FreezeBody) },
      responses: { 201: json(Anything, 'Declared'), ...ERRORS },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const f = await declareFreeze(contextFor(deps, c.get('caller')), {
        environment: c.req.valid('param').env,
        reason: b.reason,
        duration: b.for,
      });
      return c.json(f as unknown as Record<string, unknown>, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/unfreeze',
      summary: 'Lift the declared freezes of an environment (admins)',
      request: { params: EnvParam, ...body(UnfreezeBody) },
      responses: { 200: json(z.array(Anything), 'Lifted'), ...ERRORS },
    }),
    async (c) => {
      const lifted = await liftFreezes(contextFor(deps, c.get('caller')), {
        environment: c.req.valid('param').env,
        reason: c.req.valid('json').reason,
      });
      return c.json(lifted.lifted as unknown as Record<string, unknown>[], 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/freezes',
      summary: 'Emergency stop: declare a freeze in every environment (admins of all); running canaries hold',
      request: body(FreezeAllBody),
      responses: { 201: json(z.array(Anything), 'Declared, one per environment'), ...ERRORS },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const declared = await declareFreezeAll(contextFor(deps, c.get('caller')), {
        reason: b.reason,
        duration: b.for,
      });
      return c.json(declared as unknown as Record<string, unknown>[], 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/unfreeze',
      summary: 'Lift the declared freezes of every environment (admins of all)',
      request: body(UnfreezeAllBody),
      responses: { 200: json(z.array(Anything), 'Lifted, per environment'), ...ERRORS },
    }),
    async (c) => {
      const lifted = await liftFreezesAll(contextFor(deps, c.get('caller')), {
        reason: c.req.valid('json').reason,
      });
      return c.json(lifted as unknown as Record<string, unknown>[], 200);
    },
  );
  return app;
}
