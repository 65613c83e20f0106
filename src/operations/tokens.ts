// API tokens for CI (`slipway token create|list|revoke`). A token is `slw_` and 43 random base64url
// characters, shown once; the store keeps only its SHA-256. It is scoped: its role holds only in its
// environments, and never beyond what its creator may do there (roles.ts checks that on every use, so
// a token loses what its creator loses). Creating one needs admin of each of its environments;
// revoking one, admin of each or being its creator. Create and revoke are audited per environment.
import { createHash, randomBytes } from 'node:crypto';
import { getEnvironment } from '../config/model.ts';
import { appendAudit } from '../promotion/audit.ts';
import { authorize, can, type Role, type TokenScope } from '../promotion/roles.ts';
import { parseDuration } from '../shared/duration.ts';
import { SlipwayError, usageError } from '../shared/errors.ts';
import type { ApiTokenRecord } from '../store/types.ts';
import { actorDetail, type Identity, type OperationContext } from './context.ts';

export const TOKEN_PREFIX = 'slw_';
const ROLES: readonly Role[] = ['viewer', 'deployer', 'approver', 'admin'];

/** A new secret: the prefix and 32 random bytes (base64url). */
export function newTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the store keeps of a token: the hex SHA-256 of the whole secret. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Whether a stored token may still be used at `now`: not revoked, not expired. */
export function tokenUsable(t: ApiTokenRecord, now: Date): boolean {
  return t.revokedAt === undefined && t.expiresAt > now.toISOString();
}

/** The identity a token acts as: `token:<name>`, scoped; the credential names the token and its creator. */
export function tokenIdentity(t: ApiTokenRecord): Identity & { scope: TokenScope } {
  return {
    name: `token:${t.name}`,
    authenticated: true,
    source: 'token',
    credential: `api token #${t.id} (${t.name}, created by ${t.createdBy})`,
    scope: { environments: t.environments, roles: t.roles, createdBy: t.createdBy },
  };
}

export interface TokenRequest {
  environments: readonly string[];
  role: string;
  /** How long it lasts, e.g. 30d. */
  expires: string;
  name?: string | undefined;
}

/** A created token: its record and the secret, which is never shown again. */
export interface CreatedToken {
  token: ApiTokenRecord;
  secret: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export async function createToken(ctx: OperationContext, req: TokenRequest): Promise<CreatedToken> {
  if (ctx.identity.scope)
    throw new SlipwayError('forbidden', 'an API token may not create API tokens', {
      hint: 'Create tokens as a person (an admin of each environment).',
    });
  const environments = [...new Set(req.environments)];
  if (environments.length === 0) throw usageError('a token needs at least one environment (--env)');
  for (const e of environments) getEnvironment(ctx.platform, e); // notFound with a suggestion
  if (!ROLES.includes(req.role as Role))
    throw usageError(`--role ${req.role} is not a role`, { hint: `Use one of ${ROLES.join(', ')}.` });
  const ms = parseDuration(req.expires);
  if (ms <= 0) throw usageError(`--expires ${req.expires} must be longer than 0`);
  const name = req.name ?? `${environments.join('-')}-${req.role}`;
  if (!NAME.test(name))
    throw usageError(`--name ${name} is not a token name`, {
      hint: 'Lower-case letters, digits, ".", "_" and "-", at most 63, e.g. ci-main.',
    });
  // Admin of each environment: then the token's role is one its creator holds there.
  for (const env of environments) await authorize(ctx, env, 'admin', { operation: 'token create' });
  const secret = newTokenSecret();
  const token = await ctx.store.insertApiToken({
    name,
    hash: hashToken(secret),
    environments,
    roles: [req.role],
    createdBy: ctx.user,
    createdAt: ctx.now.toISOString(),
    expiresAt: new Date(ctx.now.getTime() + ms).toISOString(),
  });
  await auditEach(ctx, 'token-create', token, { role: req.role, expiresAt: token.expiresAt });
  return { token, secret };
}

export async function revokeToken(ctx: OperationContext, id: number): Promise<ApiTokenRecord> {
  const token = await ctx.store.findApiToken({ id });
  if (!token)
    throw new SlipwayError('notFound', `there is no API token #${id}`, {
      hint: 'List them with `slipway token list`.',
    });
  if (token.createdBy !== ctx.user || ctx.identity.scope)
    for (const env of token.environments)
      await authorize(ctx, env, 'admin', { operation: `token revoke #${id}` });
  if (!(await ctx.store.revokeApiToken(id, ctx.user, ctx.now.toISOString())))
    throw new SlipwayError('conflict', `API token #${id} is already revoked`, { data: { id } });
  await auditEach(ctx, 'token-revoke', token, {});
  return (await ctx.store.findApiToken({ id }))!;
}

/** Tokens scoped to at least one environment the user may view, oldest first. */
export async function listTokens(ctx: OperationContext): Promise<ApiTokenRecord[]> {
  return (await ctx.store.listApiTokens()).filter((t) =>
    t.environments.some((e) => can(ctx.platform, e, ctx.user, 'view', ctx.identity)),
  );
}

async function auditEach(
  ctx: OperationContext,
  action: 'token-create' | 'token-revoke',
  t: ApiTokenRecord,
  more: Record<string, unknown>,
): Promise<void> {
  for (const environment of t.environments)
    await appendAudit(ctx.store, {
      at: ctx.now,
      actor: ctx.user,
      action,
      environment,
      service: undefined,
      detail: {
        outcome: 'succeeded',
        id: t.id,
        name: t.name,
        environments: t.environments,
        ...more,
        ...actorDetail(ctx),
      },
    });
}
