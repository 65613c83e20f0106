// Who may do what in an environment. Roles nest: admin can everything; approver approves and views;
// deployer deploys and views; viewer views. A role lists people (keys of `people:` or the name/email a
// user goes by), groups (from `people.<name>.groups`) or `*` for everyone.
// Defaults, chosen to be development-friendly:
// - an environment without `roles:` lets everyone do everything (view, deploy, approve);
// - with `roles:`, a role that is not listed has nobody in it, except `viewer`: when no viewer
//   list is given, everyone may view.
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
function identities(platform: LoadedPlatform, user: UserRef): Set<string> {
  const ids = new Set<string>([nameOf(user)]);
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

export function hasRole(platform: LoadedPlatform, env: string, user: UserRef, role: Role): boolean {
  const members = roleMembers(platform, env, role);
  if (members === undefined) return true;
  const ids = identities(platform, user);
  return members.some((m) => m === '*' || ids.has(m));
}

export function can(platform: LoadedPlatform, env: string, user: UserRef, action: Action): boolean {
  return GRANTED_BY[action].some((role) => hasRole(platform, env, user, role));
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
): SlipwayError {
  const who = whoMay(platform, env, action);
  return new SlipwayError('forbidden', `${nameOf(user)} may not ${VERB[action]} ${env}`, {
    hint: `In ${env}, ${who === 'nobody (no role grants it)' ? 'nobody may' : `these may (${who})`}. Ask one of them, or ask an admin to add you to a role under roles: of ${env} in slipway.yaml.`,
    data: { user: nameOf(user), action, environment: env, allowed: who },
  });
}

export interface AuthorizeContext {
  store: StateStore;
  platform: LoadedPlatform;
  user: UserRef;
  now: Date;
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
  if (can(ctx.platform, env, ctx.user, action)) return;
  const error = forbidden(ctx.platform, env, ctx.user, action);
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
