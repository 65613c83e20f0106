// Who may do what in an environment. Roles nest: admin can everything; approver approves and views;
// deployer deploys and views; viewer views. A role lists people (keys of `people:` or the name/email a
// user goes by), groups (from `people.<name>.groups`) or `*` for everyone.
// Defaults, chosen to be development-friendly:
// - an environment without `roles:` lets everyone do everything (view, deploy, approve);
// - with `roles:`, a role that is not listed has nobody in it, except `viewer`: when no viewer
//   list is given, everyone may view.
// An authenticated identity may bring more (Grants): groups from the identity provider count as the
// user's groups; a scoped API token holds only its roles, only in its environments, and never more
// than the person who created it may do there. Without grants (the CLI) nothing changes.
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment } from '../config/model.ts';
import { SlipwayError } from '../shared/errors.ts';
import type { StateStore } from '../store/types.ts';
import { appendAudit } from './audit.ts';

export const ACTIONS = ['view', 'deploy', 'approve', 'admin'] as const;
export type Action = (typeof ACTIONS)[number];
export type Role = 'viewer' | 'deployer' | 'approver' | 'admin';

/** The roles that grant an action, most specific first. */
const GRANTED_BY: Record<Action, readonly Role[]> = {
  view: ['viewer', 'deployer', 'approver', 'admin'],
  deploy: ['deployer', 'admin'],
  approve: ['approver', 'admin'],
  admin: ['admin'],
};

const VERB: Record<Action, string> = {
  view: 'view',
  deploy: 'deploy to',
  approve: 'approve promotions to',
  admin: 'administer',
};

export type UserRef = string | { name: string };

/** The limits of a scoped API token (`slipway token create`). */
export interface TokenScope {
  environments: readonly string[];
  roles: readonly string[];
  /** The person who created it: the token may do no more than they may, in each environment. */
  createdBy: string;
}

/** What an authenticated identity brings to role checks beside its name. */
export interface Grants {
  /** Groups from the identity provider: they count as the user's groups, beside `people.<name>.groups`. */
  groups?: readonly string[] | undefined;
  /** Set for a scoped API token: its roles alone count, and only where it is scoped. */
  scope?: TokenScope | undefined;
}
const nameOf = (u: UserRef) => (typeof u === 'string' ? u : u.name);

/** The `people:` key a user name stands for: the key itself, or the person with that email. */
export function personOf(platform: LoadedPlatform, user: UserRef): string | undefined {
  const name = nameOf(user);
  const people = platform.platform.people ?? {};
  if (Object.hasOwn(people, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(people).find((k) => people[k]!.email?.toLowerCase() === lower);
}

/** The names an entry of a role list may match for this user: the name, the person and their groups. */
function identities(platform: LoadedPlatform, user: UserRef, grants?: Grants): Set<string> {
  const ids = new Set<string>([nameOf(user)]);
  // A provider's group never stands for a person (a group named like a `people:` key or an email).
  const people = platform.platform.people ?? {};
  for (const g of grants?.groups ?? []) if (!Object.hasOwn(people, g) && !g.includes('@')) ids.add(g);
  const person = personOf(platform, user);
  if (person !== undefined) {
    ids.add(person);
    for (const g of platform.platform.people?.[person]?.groups ?? []) ids.add(g);
  }
  return ids;
}

/** Members of a role as written (undefined = not restricted). */
function roleMembers(platform: LoadedPlatform, env: string, role: Role): readonly string[] | undefined {
  const roles = getEnvironment(platform, env).roles;
  if (!roles) return undefined; // no roles: everyone has every role
  const members = roles[role];
  if (members === undefined) return role === 'viewer' ? undefined : [];
  return members;
}

export function hasRole(
  platform: LoadedPlatform,
  env: string,
  user: UserRef,
  role: Role,
  grants?: Grants,
): boolean {
  if (grants?.scope) return grants.scope.environments.includes(env) && grants.scope.roles.includes(role);
  const members = roleMembers(platform, env, role);
  if (members === undefined) return true;
  const ids = identities(platform, user, grants);
  return members.some((m) => m === '*' || ids.has(m));
}

export function can(
  platform: LoadedPlatform,
  env: string,
  user: UserRef,
  action: Action,
  grants?: Grants,
): boolean {
  const granted = GRANTED_BY[action].some((role) => hasRole(platform, env, user, role, grants));
  // A token never exceeds its creator: checked on every use, so it loses what they lose.
  if (granted && grants?.scope) return can(platform, env, grants.scope.createdBy, action);
  return granted;
}

/** Who may do the action, for messages: `deployer: a, b; admin: c`, or `everyone`. */
export function whoMay(platform: LoadedPlatform, env: string, action: Action): string {
  const parts: string[] = [];
  for (const role of GRANTED_BY[action]) {
    const members = roleMembers(platform, env, role);
    if (members === undefined) return 'everyone';
    if (members.length > 0) parts.push(`${role}: ${members.join(', ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'nobody (no role grants it)';
}

export function forbidden(
  platform: LoadedPlatform,
  env: string,
  user: UserRef,
  action: Action,
  grants?: Grants,
): SlipwayError {
  const who = whoMay(platform, env, action);
  const scope = grants?.scope;
  return new SlipwayError('forbidden', `${nameOf(user)} may not ${VERB[action]} ${env}`, {
    hint: scope
      ? `This API token holds ${scope.roles.join(', ')} in ${scope.environments.join(', ')} only, and never more than ${scope.createdBy} (who created it) may do; ask an admin for a token scoped to ${env}.`
      : `In ${env}, ${who === 'nobody (no role grants it)' ? 'nobody may' : `these may (${who})`}. Ask one of them, or ask an admin to add you to a role under roles: of ${env} in slipway.yaml.`,
    data: { user: nameOf(user), action, environment: env, allowed: who },
  });
}

export interface AuthorizeContext {
  store: StateStore;
  platform: LoadedPlatform;
  user: UserRef;
  now: Date;
  /** The authenticated identity's groups and scope (absent for the CLI). */
  identity?: Grants | undefined;
}

/**
 * The one permission check every operation calls: returns when allowed; otherwise audits
 * `permission-denied` and throws SlipwayError('forbidden') naming the user, action, environment and
 * who may.
 */
export async function authorize(
  ctx: AuthorizeContext,
  env: string,
  action: Action,
  detail: { service?: string | undefined; operation?: string; reason?: string } = {},
): Promise<void> {
  if (can(ctx.platform, env, ctx.user, action, ctx.identity)) return;
  const error = forbidden(ctx.platform, env, ctx.user, action, ctx.identity);
  await appendAudit(ctx.store, {
    at: ctx.now,
    actor: nameOf(ctx.user),
    action: 'permission-denied',
    environment: env,
    service: detail.service,
    detail: {
      action,
      ...(detail.operation ? { operation: detail.operation } : {}),
      reason: detail.reason ?? error.message,
    },
  });
  throw error;
}
