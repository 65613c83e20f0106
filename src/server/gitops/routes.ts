// GitOps through the API: the push webhook (POST /hooks/git, outside bearer auth: a git host signs
// its body with the shared secret, HMAC-SHA256 in X-Hub-Signature-256 as GitHub sends it), and per
// environment the sync status (viewer) and an explicit sync/retry (deployer), audited as `sync`.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { actorDetail } from '../../operations/context.ts';
import { appendAudit } from '../../promotion/audit.ts';
import { authorize } from '../../promotion/roles.ts';
import { SlipwayError } from '../../shared/errors.ts';
import type { AuthVariables } from '../auth.ts';
import { contextFor, type ServerDeps } from '../deps.ts';
import { verifySignature } from '../notify/payload.ts';
import { Anything, EnvParam, ERRORS, json } from '../schemas.ts';
import type { GitopsController } from './controller.ts';

function controllerOf(deps: ServerDeps): GitopsController {
  if (!deps.gitops)
    throw new SlipwayError('notFound', 'GitOps is not configured on this server', {
      hint: 'Add a gitops: section to slipway.yaml (docs/server.md) and restart `slipway serve`.',
    });
  return deps.gitops;
}

/** POST /hooks/git: mounted before bearer auth; the signature is the only credential. */
export function gitHookRoutes(deps: ServerDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/hooks/git',
      security: [],
      summary: 'A push webhook of the git host: fetch and sync at once',
      description:
        'Signed with the shared secret of gitops.webhookSecretEnv: X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>. A ping answers 200; a push to another branch, or another event, is ignored (202, sync false).',
      responses: {
        200: json(Anything, 'A ping'),
        202: json(Anything, 'Accepted: a sync was started, or the event ignored'),
        401: ERRORS[401],
        404: ERRORS[404],
      },
    }),
    async (c) => {
      const gitops = controllerOf(deps);
      const secret = gitops.webhookSecret;
      if (!secret)
        throw new SlipwayError('notFound', 'the git webhook is off', {
          hint: 'Set gitops.webhookSecretEnv in slipway.yaml to the environment variable holding its secret.',
        });
      const body = await c.req.text();
      if (!verifySignature(secret, body, c.req.header('x-hub-signature-256')))
        throw new SlipwayError('unauthenticated', 'the webhook signature is missing or wrong', {
          hint: 'Configure the webhook with the secret of gitops.webhookSecretEnv and content type application/json.',
        });
      const event = c.req.header('x-github-event') ?? 'push';
      if (event === 'ping') return c.json({ ok: true }, 200);
      let ref: unknown;
      try {
        ref = (JSON.parse(body) as { ref?: unknown }).ref;
      } catch {
        ref = undefined;
      }
      const wanted = `refs/heads/${gitops.config.branch}`;
      if (event !== 'push' || (typeof ref === 'string' && ref !== wanted))
        return c.json({ sync: false, reason: `not a push to ${wanted}` }, 202);
      void gitops.sync('webhook');
      return c.json({ sync: true }, 202);
    },
  );
  return app;
}

/** GET and POST /environments/{env}/sync (behind bearer auth). */
export function syncRoutes(deps: ServerDeps): OpenAPIHono<{ Variables: AuthVariables }> {
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/environments/{env}/sync',
      summary: 'GitOps sync status: synced, out-of-sync, syncing or failed; the commit, last attempt, drift',
      request: { params: EnvParam },
      responses: { 200: json(Anything, 'The sync status'), ...ERRORS },
    }),
    async (c) => {
      const { env } = c.req.valid('param');
      const gitops = controllerOf(deps);
      await authorize(contextFor(deps, c.get('caller')), env, 'view', { operation: 'sync status' });
      return c.json((await gitops.status(env)) as unknown as Record<string, unknown>, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/environments/{env}/sync',
      summary: 'Sync an autoDeploy environment now, also retrying a commit whose sync failed',
      request: { params: EnvParam },
      responses: {
        202: json(z.object({ environment: z.string(), commit: z.string().nullable() }), 'Started'),
        ...ERRORS,
      },
    }),
    async (c) => {
      const { env } = c.req.valid('param');
      const gitops = controllerOf(deps);
      const ctx = contextFor(deps, c.get('caller'));
      await authorize(ctx, env, 'deploy', { operation: 'sync' });
      if (deps.leadership && !deps.leadership.isLeader())
        throw new SlipwayError('conflict', 'this replica does not lead: only the leader syncs', {
          hint: 'Send the request again (to another replica); `GET /readyz` of each replica says which leads.',
        });
      gitops.retry(env).catch(() => {});
      await appendAudit(ctx.store, {
        at: ctx.now,
        actor: ctx.user,
        action: 'sync',
        environment: env,
        detail: { outcome: 'requested', trigger: 'retry', ...actorDetail(ctx) },
      });
      return c.json({ environment: env, commit: (await gitops.status(env)).commit }, 202);
    },
  );
  return app;
}
