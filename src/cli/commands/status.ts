// `slipway status [--env E]`: services × environments: running revision and version, health, age,
// and any release in progress (or interrupted, which the next deploy or `resume` finishes).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import type { ServiceStatus } from '../../release/index.ts';
import { silentEvents } from '../../release/types.ts';
import { SlipwayError } from '../../shared/errors.ts';
import { consoleEvents } from '../events.ts';
import { color, parseOutputFormat, plainTable, printJson } from '../output.ts';
import { remoteApi } from '../remote/modes.ts';
import { remoteStatus } from '../remote/reads.ts';
import { connectEnvironment } from '../target.ts';

function age(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120
    ? `${s}s`
    : s < 7200
      ? `${Math.round(s / 60)}m`
      : s < 172800
        ? `${Math.round(s / 3600)}h`
        : `${Math.round(s / 86400)}d`;
}

const HEALTH_COLOR: Record<string, (s: string) => string> = {
  Healthy: color.green,
  Progressing: color.yellow,
  Degraded: color.red,
  Missing: color.dim,
};

/**
 * Finishes an interrupted release through the resume operation (its gates: role, freeze, audit). A
 * refusal is reported and status goes on: the release stays interrupted for someone who may resume it.
 */
async function finishInterrupted(
  command: { optsWithGlobals(): unknown },
  service: string,
  environment: string,
  format: 'text' | 'json',
): Promise<void> {
  const { withSession } = await import('../session.ts');
  const { resumeRelease } = await import('../../operations/release.ts');
  try {
    await withSession(command, {}, async ({ ctx }) => {
      const events = format === 'json' ? silentEvents : consoleEvents('text');
      await resumeRelease(
        { ...ctx, cluster: { ...ctx.cluster, events: () => events } },
        { service, environment },
      );
    });
  } catch (e) {
    if (!(e instanceof SlipwayError)) throw e;
    process.stderr.write(`${service} in ${environment}: not finished: ${e.message}\n`);
  }
}

function imageCell(r: ServiceStatus): string {
  const images = r.images?.join(', ') ?? '-';
  return r.imagesDiffer ? `${color.red(images)} (not as recorded)` : images;
}

export type StatusRow = ServiceStatus | { environment: string; unreachable: string };

/** The status table (or JSON) of `slipway status`, local or through a server. */
export function printStatus(rows: StatusRow[], format: string): void {
  if (format === 'json') {
    printJson(rows);
    return;
  }
  const now = Date.now();
  // IMAGE is what the live pod templates run, beside the VERSION the release history recorded.
  const columns = ['SERVICE', 'ENV', 'REVISION', 'VERSION', 'IMAGE', 'HEALTH', 'AGE', 'RELEASE'];
  const table = plainTable(columns);
  for (const r of rows) {
    if ('unreachable' in r) {
      table.push(['*', r.environment, '', '', '', color.dim('unreachable'), '', r.unreachable]);
      continue;
    }
    const release = r.inProgress
      ? `${r.inProgress.stale ? color.red('interrupted') : color.yellow('in progress')} by ${r.inProgress.holder}${r.inProgress.reason ? ` (${r.inProgress.reason})` : ''}${r.inProgress.stale ? ' — run slipway resume' : ''}`
      : r.latest
        ? `revision ${r.latest.revision} ${r.latest.status}${r.latest.failure ? `: ${r.latest.failure.slice(0, 60)}` : ''}`
        : '';
    table.push([
      r.service,
      r.environment,
      r.revision === undefined ? '-' : String(r.revision),
      r.version ? `${r.version}${r.chart ? ` (chart ${r.chart})` : ''}` : '-',
      imageCell(r),
      (HEALTH_COLOR[r.health.status] ?? ((s: string) => s))(r.health.status),
      age(r.deployedAt, now),
      release,
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('every service in every environment: version, health, age, release in progress')
    .option('-e, --env <env>', 'only this environment')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--no-resume', 'only report interrupted releases; do not finish them')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      const api = remoteApi(command);
      if (api) {
        printStatus(await remoteStatus(api, command, options.env), format);
        return;
      }
      const platform = await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
      const { releaseStatus } = await import('../../release/index.ts');
      const envs = options.env ? [options.env] : platform.environments.map((e) => e.name);
      const rows: StatusRow[] = [];
      const flagRows: string[][] = [];
      for (const environment of envs) {
        try {
          const client = await connectEnvironment(platform, environment, { start: false });
          if (!client) {
            rows.push({ environment, unreachable: 'local cluster not running (slipway cluster up)' });
            continue;
          }
          let found = await releaseStatus(client, { platform, environment });
          // An interrupted release (pending, its holder gone) is finished here, as resume would.
          const stale = found.filter((r) => r.inProgress?.stale);
          if (options.resume && stale.length > 0) {
            for (const r of stale) {
              process.stderr.write(
                `${r.service} in ${environment}: finishing interrupted revision ${r.latest?.revision ?? '?'}\n`,
              );
              await finishInterrupted(command, r.service, environment, format as 'text' | 'json');
            }
            found = await releaseStatus(client, { platform, environment });
          }
          rows.push(...found);
          if (Object.keys(platform.platform.flags ?? {}).length > 0) {
            const { flagStatus, describeState } = await import('../../flags/index.ts');
            for (const f of await flagStatus(client, platform, environment))
              flagRows.push([
                f.flag,
                environment,
                f.live ? describeState(f.live) : color.dim('not written'),
                f.latest ? `revision ${f.latest.revision} ${f.latest.status}` : '',
              ]);
          }
        } catch (e) {
          rows.push({ environment, unreachable: e instanceof Error ? e.message : String(e) });
        }
      }
      printStatus(rows, format);
      // Feature flags (docs/flags.md), text only: the JSON rows stay the services' as the API answers them.
      if (format !== 'json' && flagRows.length > 0) {
        const table = plainTable(['FLAG', 'ENV', 'SERVING', 'RELEASE']);
        for (const r of flagRows) table.push(r);
        process.stdout.write(`${table.toString()}\n`);
      }
    });
}
