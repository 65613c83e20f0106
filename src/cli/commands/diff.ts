// `slipway diff <service> --env E`: what a deploy would change, per object, as unified diffs of live
// against desired. Exit 0 no differences, 1 differences.
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';
import { connectEnvironment } from '../target.ts';
import { overridesFrom, withValueFlags } from '../value-flags.ts';

const SECRETS_NOT_COMPARED =
  'Secret values are not compared: diff never reads secret sources (deploy reads them when it applies; deploy --dry-run checks that they are there)';

const colorize = (d: string) =>
  d
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? color.green(l)
        : l.startsWith('-') && !l.startsWith('---')
          ? color.red(l)
          : l.startsWith('@@')
            ? color.cyan(l)
            : l,
    )
    .join('\n');

export function registerDiff(program: Command): void {
  withValueFlags(
    program
      .command('diff')
      .description(
        'compare a service in the cluster with what a deploy would apply (exit 1 when they differ)',
      )
      .argument('<service>', 'service name')
      .requiredOption('-e, --env <env>', 'environment'),
  )
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output);
      const platform = await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
      const { diffService } = await import('../../release/index.ts');
      const client = await connectEnvironment(platform, options.env);
      const changes = await diffService(client!, {
        platform,
        service,
        environment: options.env,
        overrides: overridesFrom(options),
      });
      const differing = changes.filter((c) => c.action !== 'unchanged');
      if (format === 'json') printJson(changes);
      else if (differing.length === 0) process.stderr.write(`${service} in ${options.env}: no differences\n`);
      else {
        const tty = process.stdout.isTTY === true;
        for (const c of differing) process.stdout.write(tty ? colorize(c.diff) : c.diff);
      }
      if (changes.some((c) => c.key.startsWith('Secret/')))
        process.stderr.write(`note: ${SECRETS_NOT_COMPARED}\n`);
      if (differing.length > 0) process.exitCode = 1;
    });
}
