// `slipway history <service> --env E`: the revisions kept in the cluster, newest first.
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import type { ReleaseRecord } from '../../release/history.ts';
import { versionText } from '../../release/target.ts';
import { color, parseOutputFormat, plainTable, printJson } from '../output.ts';
import { remoteApi } from '../remote/modes.ts';
import { remoteHistory } from '../remote/reads.ts';
import { connectEnvironment } from '../target.ts';

const STATUS_COLOR: Record<string, (s: string) => string> = {
  deployed: color.green,
  failed: color.red,
  pending: color.yellow,
  superseded: color.dim,
};

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('the release history of a service in an environment, newest first')
    .argument('<service>', 'service name')
    .requiredOption('-e, --env <env>', 'environment')
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output);
      const api = remoteApi(command);
      if (api) {
        printHistory(await remoteHistory(api, service, options.env), service, options.env, format);
        return;
      }
      const platform = await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
      const { serviceTarget } = await import('../../release/index.ts');
      const client = await connectEnvironment(platform, options.env);
      const records = await serviceTarget(client!, {
        platform,
        service,
        environment: options.env,
      }).history.list(service);
      printHistory(records, service, options.env, format);
    });
}

/** The history table (or JSON, without manifests and values) of `slipway history`, local or remote. */
export function printHistory(records: ReleaseRecord[], service: string, env: string, format: string): void {
  if (format === 'json') {
    printJson(records.map(({ manifests: _m, values: _v, ...r }) => r));
    return;
  }
  if (records.length === 0) {
    process.stdout.write(`${service} has no releases in ${env}\n`);
    return;
  }
  const table = plainTable(['REVISION', 'STATUS', 'VERSION', 'STARTED', 'BY', 'DESCRIPTION']);
  for (const r of records) {
    const desc = r.failure?.reason ?? r.reason ?? (r.rollbackOf ? `Rollback to ${r.rollbackOf}` : '');
    table.push([
      String(r.revision),
      (STATUS_COLOR[r.status] ?? ((s: string) => s))(r.status),
      versionText(r),
      r.startedAt.replace('T', ' ').slice(0, 19),
      r.startedBy,
      desc.length > 80 ? `${desc.slice(0, 77)}…` : desc,
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
}
