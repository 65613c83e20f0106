// `slipway promote <service>|--all --from A --to B`: checks the promotion rules, and when B needs no
// approvals writes B's desired state (one git commit with --commit) and releases each service with the
// release engine; otherwise prints the request id and who may approve it.
// `slipway promote <service> --env E` advances a paused canary (the gates command's operation).
import { pathToFileURL } from 'node:url';
import type { Command } from '@commander-js/extra-typings';
import { type LoadedPlatform, loadPlatform } from '../../config/load.ts';
import {
  actorName,
  currentUser,
  describeUser,
  eligibleApprovers,
  gitUser,
  type OperationContext,
  requestPromotion,
  whoMay,
} from '../../promotion/index.ts';
import { type PromotionRunResult, type ReleaseRunner, runPromotion } from '../../promotion/run.ts';
import { SlipwayError, usageError } from '../../shared/errors.ts';
import { openStore } from '../../store/index.ts';
import type { PromotionRecord } from '../../store/types.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { connectEnvironment } from '../target.ts';
import { consoleEvents } from './deploy.ts';

let userAnnounced = false;

/** The platform, the store and the (unauthenticated) user of one CLI invocation. */
export interface CliSession {
  ctx: OperationContext;
  platform: LoadedPlatform;
  close(): Promise<void>;
}

export async function openSession(
  command: { optsWithGlobals(): unknown },
  store?: string,
): Promise<CliSession> {
  const globals = command.optsWithGlobals() as { dir?: string };
  const platform = await loadPlatform(globals.dir ?? '.');
  const user = currentUser(process.env, await gitUser(platform.dir));
  if (!userAnnounced) {
    process.stderr.write(`${color.dim(describeUser(user))}\n`);
    userAnnounced = true;
  }
  const s = await openStore(store ?? process.env.SLIPWAY_STORE, platform.dir);
  return {
    ctx: { store: s, platform, user: user.name, now: new Date() },
    platform,
    close: () => s.close(),
  };
}

export async function withSession<T>(
  command: { optsWithGlobals(): unknown },
  store: string | undefined,
  fn: (s: CliSession) => Promise<T>,
): Promise<T> {
  const s = await openSession(command, store);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** The release engine and the cluster of the CLI: progress lines on stderr. */
export async function cliRunner(format: 'text' | 'json' = 'text'): Promise<ReleaseRunner> {
  const { deploy } = await import('../../release/index.ts');
  return {
    deploy,
    events: (service) => {
      const e = consoleEvents(format);
      return format === 'json' ? e : { ...e, log: (l) => e.log(`${service}: ${l}`) };
    },
    async connect(platform, environment) {
      const client = await connectEnvironment(platform, environment);
      if (!client) throw new SlipwayError('unreachable', `cannot connect to ${environment}`);
      return client;
    },
  };
}

export function whoMayApprove(ctx: OperationContext, p: PromotionRecord): string {
  const requester = p.requester;
  const eligible = eligibleApprovers(ctx.platform, p.to, requester);
  return eligible ? eligible.join(', ') : `${whoMay(ctx.platform, p.to, 'approve')} (not ${requester})`;
}

/** Prints a finished run: desired-state changes, the commit, each release. Sets exit code 1 on failure. */
export function printRun(r: PromotionRunResult, format: 'text' | 'json'): void {
  if (format === 'json') {
    printJson(r);
  } else {
    const rel = r.file.slice(r.file.lastIndexOf('environments/'));
    if (r.changes.length === 0) process.stdout.write(`${rel} already has these versions\n`);
    for (const c of r.changes)
      process.stdout.write(`${rel}: ${c.service} ${c.key} ${c.from ?? '(none)'} → ${c.to ?? '(removed)'}\n`);
    if (r.commit) process.stdout.write(`committed ${r.commit.slice(0, 12)}\n`);
    for (const s of r.releases) {
      const line = `${s.service}: ${s.status}${s.revision ? ` (revision ${s.revision}${s.version ? `, ${s.version}` : ''})` : ''}${s.reason ? `: ${s.reason}` : ''}`;
      process.stdout.write(
        `${s.status === 'deployed' ? color.green(line) : s.status === 'failed' ? color.red(line) : line}\n`,
      );
    }
    if (r.releases.length === 0 && r.promotion.status === 'succeeded')
      process.stdout.write(
        `desired state written; run \`slipway apply --env ${r.promotion.to}\` to release it\n`,
      );
    process.stdout.write(`promotion #${r.promotion.id} ${r.promotion.status}\n`);
  }
  if (r.promotion.status === 'failed') process.exitCode = 1;
}

/** The canary gate operation of gates.ts, when that command exists. */
async function promoteCanary(args: { service: string; env: string; command: unknown }): Promise<void> {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const url = new URL(`./gates.${ext}`, import.meta.url);
  let mod: Record<string, unknown> | undefined;
  try {
    mod = (await import(pathToFileURL(url.pathname).href)) as Record<string, unknown>;
  } catch {
    mod = undefined;
  }
  const fn = ['promoteCanary', 'promoteGate', 'advanceCanary', 'promoteRelease']
    .map((n) => mod?.[n])
    .find((f): f is (a: unknown) => Promise<void> => typeof f === 'function');
  if (!fn) {
    throw new SlipwayError(
      'usage',
      `advancing a paused canary (promote ${args.service} --env ${args.env}) is not yet available`,
      {
        hint: 'Promote between environments with --from A --to B.',
      },
    );
  }
  await fn(args);
}

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description(
      'promote a version from one environment to the next (--from A --to B), or advance a paused canary (--env E)',
    )
    .argument('[service]', 'service name (or --all)')
    .option('--all', "every service of the source environment's desired state", false)
    .option('--from <env>', 'source environment (what runs there is promoted)')
    .option('--to <env>', 'target environment')
    .option('-e, --env <env>', 'advance the paused canary of <service> in this environment')
    .option('--full', 'with --env: promote the canary fully, skipping its remaining steps', false)
    .option(
      '--tag <version>',
      'the version expected to run in the source (refused if another one runs there)',
    )
    .option('--reason <text>', 'why (kept in the request and the audit log)')
    .option(
      '--hotfix',
      'a hotfix: may skip environments, soak and freeze windows (needs hotfix approvals)',
      false,
    )
    .option('--commit', "commit the desired-state change to git (one commit of the target's file)", false)
    .option('--no-deploy', 'write the desired state only; release later with `slipway apply`')
    .option(
      '--store <url>',
      'state store: a SQLite path or postgres:// URL (default SLIPWAY_STORE, else .slipway/state.db)',
    )
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      if (options.env !== undefined) {
        if (
          options.from !== undefined ||
          options.to !== undefined ||
          options.all ||
          options.hotfix ||
          options.commit
        )
          throw usageError(
            '--env (advance a canary) cannot be combined with --from/--to/--all/--hotfix/--commit',
          );
        if (!service) throw usageError('name the service whose canary to advance');
        await promoteCanary({ service, env: options.env, command });
        return;
      }
      if (options.full) throw usageError('--full only goes with --env (advancing a canary)');
      if (options.from === undefined || options.to === undefined)
        throw usageError('promote needs --from <env> and --to <env> (or --env <env> to advance a canary)', {
          hint: 'e.g. slipway promote booking --from staging --to production',
        });
      if (options.all && service) throw usageError('name a service or give --all, not both');
      if (!options.all && !service) throw usageError('name the service to promote, or give --all');
      const name = options.all ? 'all' : service!;
      await withSession(command, options.store, async ({ ctx }) => {
        const p = await requestPromotion(ctx, {
          service: name,
          from: options.from!,
          to: options.to!,
          version: options.tag,
          hotfix: options.hotfix,
          reason: options.reason,
        });
        const versions = Object.entries(p.versions)
          .map(([s, v]) => `${s} ${v.version ?? ''}${v.digest ? `@${v.digest.slice(0, 19)}` : ''}`.trim())
          .join(', ');
        if (p.status === 'requested') {
          if (format === 'json') {
            printJson({ promotion: p, mayApprove: whoMayApprove(ctx, p) });
            return;
          }
          process.stdout.write(
            `promotion #${p.id} requested: ${versions} from ${p.from} to ${p.to}${p.hotfix ? ' (hotfix)' : ''}\n` +
              `it needs ${p.approvalsNeeded} approval${p.approvalsNeeded === 1 ? '' : 's'} by distinct people other than ${actorName(ctx.platform, ctx.user)}; who may approve: ${whoMayApprove(ctx, p)}\n` +
              `approve with: slipway approve ${p.id}${p.expiresAt ? ` (before ${p.expiresAt})` : ''}\n`,
          );
          return;
        }
        if (format === 'text')
          process.stdout.write(`promotion #${p.id} approved: ${versions} from ${p.from} to ${p.to}\n`);
        const r = await runPromotion(ctx, p.id, {
          commit: options.commit,
          deploy: options.deploy,
          ...(options.deploy ? { runner: await cliRunner(format) } : {}),
        });
        printRun(r, format);
      });
    });
}
