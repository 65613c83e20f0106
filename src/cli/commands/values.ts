// `slipway values <service> --env <env>`: the merged values of one service in one environment, and
// with --explain where each key came from (file:line, chart default or flag).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import type { MergedValues, ValueOverrides } from '../../config/values.ts';
import { stringifyYamlForKubernetes } from '../../config/yaml-source.ts';
import { chartInput } from '../../render/platform.ts';
import { parseOutputFormat, printJson } from '../output.ts';
import { overridesFrom, withValueFlags } from '../value-flags.ts';

export function registerValues(program: Command): void {
  withValueFlags(
    program
      .command('values')
      .description(
        'show the merged values of a service in an environment, each key with the file and line it came from',
      )
      .argument('<service>', 'service name')
      .requiredOption('-e, --env <env>', 'environment'),
  )
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .option('--explain', 'list every value with the file and line (or flag) that set it', false)
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output, ['yaml', 'json']);
      const globals = command.optsWithGlobals() as { dir?: string };
      const platform = await loadPlatform(globals.dir ?? '.');
      const overrides: ValueOverrides = overridesFrom(options);
      // The first stage of preparing a release (policy/prepare.ts), and only that: the values must
      // show even when the chart cannot render them, since this is where a bad value is traced.
      const { values: merged } = await chartInput(platform, service, options.env, overrides);
      if (options.explain) {
        if (format === 'json') printJson(explainRows(merged));
        else process.stdout.write(explainText(merged));
      } else if (format === 'json') {
        printJson(merged.values);
      } else {
        process.stdout.write(stringifyYamlForKubernetes(merged.values));
      }
    });
}

export interface ExplainRow {
  path: string;
  value: unknown;
  source: string | null;
  line: number | null;
}

export function explainRows(merged: MergedValues): ExplainRow[] {
  return merged.leaves().map(({ path, value, origin }) => ({
    path,
    value,
    source: origin?.layer.source ?? null,
    line: origin?.line ?? null,
  }));
}

/** `path = value    # file:line`, the comments aligned in one column. */
export function explainText(merged: MergedValues): string {
  const rows = merged.leaves().map(({ path, value, origin }) => {
    let where = '';
    if (origin) {
      const at = origin.line === undefined ? '' : `:${origin.line}`;
      where =
        origin.layer.kind === 'chart'
          ? `chart default ${origin.layer.source}${at}`
          : origin.layer.kind === 'flag'
            ? origin.layer.source
            : `${origin.layer.source}${at}`;
    }
    return { left: `${path} = ${JSON.stringify(value)}`, where };
  });
  // Align on the longest left side up to 72 characters; longer ones (big lists) just overflow.
  const width = Math.max(0, ...rows.map((r) => r.left.length).filter((n) => n <= 72));
  return rows.map((r) => (r.where ? `${r.left.padEnd(width)}    # ${r.where}` : r.left)).join('\n') + '\n';
}
