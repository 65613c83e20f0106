// The promotion rules, pure: may this version of this service go from environment A to B now, and how
// many approvals does it need? Every reason a promotion is refused is collected, so a user sees all of
// them at once. The clock and the deployments the release engine reported are passed in.
//
// - order: B's `promotion.from` must be A. A hotfix may skip environments (A earlier than B's source
//   in the chain) only where B's `promotion.hotfix.allowed` is true;
// - the version must be what A runs now: its latest succeeded release there, with the chart version
//   it was rendered with (a pinned chart goes along with the image, and a chart-only upgrade is a
//   new version too);
// - soak: it must have run in A for B's `promotion.soak`, counted from its first succeeded release in
//   A since another version succeeded there (a redeploy of the same version does not restart it).
//   A hotfix skips the soak;
// - freeze windows of B block everything but a hotfix;
// - the user must be a deployer (or admin) of B;
// - approvals: B's `promotion.approvals`; for a hotfix `promotion.hotfix.approvals`, which defaults
//   to one more than the normal number.
import type { LoadedPlatform } from '../config/load.ts';
import { getEnvironment } from '../config/model.ts';
import type { EnvironmentConfig } from '../config/schema.ts';
import { formatDuration, formatTime, parseDuration } from '../shared/duration.ts';
import type { DeploymentSeen, PromotedVersion } from '../store/types.ts';
import { type DeclaredFreeze, freezeInForce, freezeUntil } from './freeze.ts';
import { can, type Grants, personOf, type UserRef, whoMay } from './roles.ts';

export interface PromotionCheckInput {
  platform: LoadedPlatform;
  from: string;
  to: string;
  service: string;
  /** The version (image tag) to promote; default: what runs in `from`. */
  version?: string | undefined;
  digest?: string | undefined;
  user: UserRef;
  /** The authenticated identity's groups and scope (roles.ts), when it has any. */
  grants?: Grants | undefined;
  hotfix: boolean;
  now: Date;
  /** What ran in `from`, from its in-cluster release history; only `from`'s entries for the service are used. */
  deployments: readonly DeploymentSeen[];
  /** Freezes declared with `slipway freeze` on the target. */
  declaredFreezes?: readonly DeclaredFreeze[];
}

export type PromotionCheck =
  | { allowed: true; approvalsNeeded: number; hotfix: boolean; version: PromotedVersion }
  | { allowed: false; reasons: string[] };

/** The chain of environments B is promoted through, nearest first: [B.from, B.from.from, …]. */
export function promotionSources(platform: LoadedPlatform, env: string): string[] {
  const chain: string[] = [];
  let current = getEnvironment(platform, env).promotion?.from;
  while (current !== undefined && !chain.includes(current) && current !== env) {
    chain.push(current);
    current = platform.environments.find((e) => e.name === current)?.promotion?.from;
  }
  return chain;
}

/** Approvals a promotion to `env` needs. */
export function approvalsNeeded(env: EnvironmentConfig, hotfix: boolean): number {
  const normal = env.promotion?.approvals ?? 0;
  if (!hotfix) return normal;
  return env.promotion?.hotfix?.approvals ?? normal + 1;
}

const label = (v: PromotedVersion) =>
  `${v.version ?? v.digest ?? 'unknown version'}${v.chart ? ` (chart ${v.chart.version})` : ''}`;

/** The chart pins of two releases are the same (both unpinned, or the same version and path). */
const sameChart = (a: DeploymentSeen['chart'], b: DeploymentSeen['chart']) =>
  a?.version === b?.version && a?.path === b?.path;

function sameVersion(d: DeploymentSeen, v: PromotedVersion): boolean {
  if (v.version !== undefined && d.version !== v.version) return false;
  if (v.digest !== undefined && d.digest !== undefined && d.digest !== v.digest) return false;
  return true;
}

interface Running {
  version: PromotedVersion;
  /** The first succeeded release of this version since another version succeeded. */
  since: Date;
}

/** What runs in an environment by the release engine's reports, or undefined. */
export function runningVersion(
  deployments: readonly DeploymentSeen[],
  env: string,
  service: string,
): Running | undefined {
  const succeeded = deployments
    .filter((d) => d.environment === env && d.service === service && d.status === 'succeeded')
    .sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  const last = succeeded.at(-1);
  if (!last) return undefined;
  const version: PromotedVersion = {
    ...(last.version !== undefined ? { version: last.version } : {}),
    ...(last.digest !== undefined ? { digest: last.digest } : {}),
    ...(last.chart !== undefined ? { chart: last.chart } : {}),
  };
  // A chart upgrade is a new version as an image is: its soak starts at its own first release.
  let first = last;
  for (let i = succeeded.length - 2; i >= 0; i--) {
    const d = succeeded[i]!;
    if (d.version !== last.version || d.digest !== last.digest || !sameChart(d.chart, last.chart)) break;
    first = d;
  }
  return { version, since: new Date(first.finishedAt) };
}

export function checkPromotion(input: PromotionCheckInput): PromotionCheck {
  const { platform, from, to, service, hotfix, now } = input;
  const source = getEnvironment(platform, from);
  const target = getEnvironment(platform, to);
  const reasons: string[] = [];
  const hotfixAllowed = target.promotion?.hotfix?.allowed === true;

  // Order.
  const expected = target.promotion?.from;
  const before = reasons.length;
  if (from === to) {
    reasons.push(`${from} cannot be promoted to itself`);
  } else if (expected === undefined) {
    reasons.push(
      `${to} is not promoted from another environment (it has no promotion.from); deploy to it directly`,
    );
  } else if (hotfix && !hotfixAllowed) {
    reasons.push(
      `${to} does not accept hotfixes (promotion.hotfix.allowed is not true); promote from ${expected} without --hotfix`,
    );
  } else if (expected !== from) {
    const sources = promotionSources(platform, to);
    if (!sources.includes(from)) {
      reasons.push(
        `${to} is promoted from ${expected}, not from ${from}` +
          (sources.length > 0 ? ` (order: ${[...sources].reverse().join(' → ')} → ${to})` : ''),
      );
    } else if (!hotfix) {
      reasons.push(
        `${to} is promoted from ${expected}, not from ${from}` +
          (hotfixAllowed ? '; only a hotfix (--hotfix) may skip environments' : ''),
      );
    }
  }

  // Soak is measured only along the right order (a refused order would make it noise).
  const orderOk = reasons.length === before;

  // The version must run in the source environment.
  const running = runningVersion(input.deployments, source.name, service);
  const wanted: PromotedVersion = {
    ...(input.version !== undefined ? { version: input.version } : {}),
    ...(input.digest !== undefined ? { digest: input.digest } : {}),
  };
  let version: PromotedVersion | undefined;
  if (!running) {
    const what = wanted.version ?? wanted.digest;
    reasons.push(
      `${service}${what ? ` ${what}` : ''} has no succeeded release in ${from}; release it there first`,
    );
  } else if (
    (wanted.version !== undefined || wanted.digest !== undefined) &&
    !matches(running.version, wanted)
  ) {
    const everSucceeded = input.deployments.some(
      (d) =>
        d.environment === from && d.service === service && d.status === 'succeeded' && sameVersion(d, wanted),
    );
    reasons.push(
      everSucceeded
        ? `${service} ${label(wanted)} no longer runs in ${from} (it runs ${label(running.version)}); promote what runs there`
        : `${service} ${label(wanted)} has no succeeded release in ${from} (it runs ${label(running.version)})`,
    );
  } else {
    version = running.version;
    // Soak.
    const soak = target.promotion?.soak;
    if (soak !== undefined && !hotfix && orderOk) {
      const required = parseDuration(soak);
      const ran = now.getTime() - running.since.getTime();
      if (ran < required) {
        const after = new Date(running.since.getTime() + required);
        reasons.push(
          `${label(version)} has run in ${from} for ${formatDuration(ran)} of the required ${formatDuration(required)}; try again after ${formatTime(after)}`,
        );
      }
    }
  }

  // Freeze windows.
  const freeze = freezeInForce(target, input.declaredFreezes ?? [], now);
  if (freeze && (!hotfix || freeze.declaredBy !== undefined)) {
    reasons.push(
      `${to} is frozen (${freeze.name}) ${freezeUntil(freeze)}; ${freeze.declaredBy !== undefined ? 'nothing may be released until it ends' : 'only a hotfix (--hotfix) may be released now'}`,
    );
  }

  // Permission.
  if (!can(platform, to, input.user, 'deploy', input.grants)) {
    const name = typeof input.user === 'string' ? input.user : input.user.name;
    reasons.push(`${name} may not deploy to ${to} (who may: ${whoMay(platform, to, 'deploy')})`);
  }

  // Approvals that can never be given (too few approvers other than the requester) are refused now
  // rather than left to expire.
  const needed = approvalsNeeded(target, hotfix);
  const requester =
    personOf(platform, input.user) ?? (typeof input.user === 'string' ? input.user : input.user.name);
  const eligible = eligibleApprovers(platform, to, requester);
  if (eligible !== undefined && eligible.length < needed) {
    reasons.push(
      `${to} needs ${needed} approval${needed === 1 ? '' : 's'}${hotfix ? ' for a hotfix' : ''} but only ${eligible.length} ${eligible.length === 1 ? 'person' : 'people'} other than ${requester} may approve there${eligible.length > 0 ? ` (${eligible.join(', ')})` : ''}; add approvers under roles: of ${to}`,
    );
  }

  if (reasons.length > 0 || !version) return { allowed: false, reasons };
  return { allowed: true, approvalsNeeded: needed, hotfix, version };
}

/**
 * The people who may approve promotions to `env`, except `requester`, when they can be counted:
 * undefined when anyone may (no roles, or `*`). Entries that are neither a person nor a group of one
 * count as one person each (someone known only by name or email).
 */
export function eligibleApprovers(
  platform: LoadedPlatform,
  env: string,
  requester: string,
): string[] | undefined {
  const roles = getEnvironment(platform, env).roles;
  if (!roles) return undefined;
  const entries = [...(roles.approver ?? []), ...(roles.admin ?? [])];
  if (entries.includes('*')) return undefined;
  const people = platform.platform.people ?? {};
  const groups = new Set(Object.values(people).flatMap((p) => p.groups ?? []));
  const out = new Set<string>();
  for (const name of Object.keys(people)) if (can(platform, env, name, 'approve')) out.add(name);
  for (const e of entries)
    if (!Object.hasOwn(people, e) && !groups.has(e)) out.add(personOf(platform, e) ?? e);
  out.delete(requester);
  return [...out].sort();
}

function matches(running: PromotedVersion, wanted: PromotedVersion): boolean {
  if (wanted.version !== undefined && running.version !== wanted.version) return false;
  if (wanted.digest !== undefined && running.digest !== undefined && running.digest !== wanted.digest)
    return false;
  return true;
}
