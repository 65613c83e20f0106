// `slipway runs` lists what a server runs or ran (GET /api/v1/runs); `slipway runs follow <id>`
// attaches to one again — after Ctrl-C detached a deploy, or to watch one CI started — printing its
// steps as they come and its outcome as the command that started it would. Only with --server.
import type { Command } from '@commander-js/extra-typings';
import type { ReleaseRecord } from '../../release/history.ts';
import { printOutcome, withLiveView } from '../events.ts';
import { parseOutputFormat, plainTable, printJson } from '../output.ts';
import type { RunView } from '../remote/client.ts';
import { deliver, followRun, reportDetached, runResult } from '../remote/follow.ts';
import { remoteApi } from '../remote/modes.ts';

const isRelease = (v: unknown): v is ReleaseRecord =>
  typeof v === 'object' && v !== null && 'revision' in v && 'steps' in v;

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description("a server's runs (deploys, rollbacks, applies, promotions), newest first (--server)")
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.output);
      const list = await remoteApi(command)!.get<RunView[]>('/runs');
      if (format === 'json') {
        printJson(list);
        return;
      }
      const table = plainTable(['ID', 'KIND', 'ENV', 'SERVICE', 'BY', 'STATUS', 'STARTED']);
      for (const r of list)
        table.push([r.id, r.kind, r.environment, r.service ?? '', r.startedBy, r.status, r.startedAt]);
      process.stdout.write(list.length ? `${table.toString()}\n` : 'no runs\n');
    });

  runs
    .command('follow')
    .description('follow a run to its end (Ctrl-C detaches again; the run goes on)')
    .argument('<id>', 'run id (see slipway runs)')
    .option('-o, --output <format>', 'text or json (JSON lines)', 'text')
    .action(async (id, options, command) => {
      const format = parseOutputFormat(options.output) as 'text' | 'json';
      const api = remoteApi(command)!;
      const run = await api.get<RunView>(`/runs/${encodeURIComponent(id)}`);
      const what = `${run.kind}${run.service ? ` ${run.service}` : ''} in ${run.environment}`;
      const followed = await withLiveView(
        what,
        format,
        (events) => followRun(api, run, (e) => deliver(e, events)),
        { detachable: true },
      );
      if (followed.detached) {
        reportDetached(api, followed.run);
        return;
      }
      const result = runResult<unknown>(api, followed.run);
      if (isRelease(result)) printOutcome(result, format, run.kind === 'deploy' ? 'release' : run.kind);
      else if (format === 'json')
        process.stdout.write(`${JSON.stringify({ event: 'result', run: followed.run })}\n`);
      else process.stdout.write(`run ${run.id} (${what}) ${followed.run.status}\n`);
    });
}
