// `slipway lint [--env E] [--service S] [--format text|json|sarif]`: schema validation, the tighten-only
// rule and the policy checks of every environment at its own policy level. Exit 1 when an unwaived
// error-severity finding exists, 0 otherwise, 2 for input errors.
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { autoDeployNotes } from '../../config/model.ts';
import type { ValueOverrides } from '../../config/values.ts';
import { lintPlatform } from '../../policy/lint.ts';
import { formatText, type TextStyle, toSarif } from '../../policy/report.ts';
import { color, parseOutputFormat, printJson } from '../output.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const STYLE: TextStyle = {
  severity: (s, t) =>
    s === 'error'
      ? color.red(t)
      : s === 'warning'
        ? color.yellow(t)
        : s === 'waived'
          ? color.dim(t)
          : color.cyan(t),
  dim: (t) => color.dim(t),
  bold: (t) => color.bold(t),
};

export function registerLint(program: Command): void {
  program
    .command('lint')
    .description('validate the rendered manifests and check them against the policy of each environment')
    .option(
      '-e, --env <env>',
      'environment (repeatable; default: every environment at its own level)',
      collect,
      [],
    )
    .option('-s, --service <service>', 'service (repeatable; default: every service)', collect, [])
    .option('-f, --format <format>', 'text, json or sarif', 'text')
    .option('--set <key=value>', 'set a value (Helm strvals syntax; repeatable)', collect, [])
    .option('--image-tag <tag>', 'image tag to check with')
    .option('--digest <digest>', 'image digest sha256:… to check with')
    .action(async (options, command) => {
      const format = parseOutputFormat(options.format, ['text', 'json', 'sarif']);
      const globals = command.optsWithGlobals() as { dir?: string };
      const platform = await loadPlatform(globals.dir ?? '.');
      const overrides: ValueOverrides = {
        set: options.set,
        ...(options.imageTag === undefined ? {} : { imageTag: options.imageTag }),
        ...(options.digest === undefined ? {} : { digest: options.digest }),
      };
      const report = await lintPlatform(platform, {
        environments: options.env,
        services: options.service,
        overrides,
      });
      const notes = autoDeployNotes(platform, options.env);
      if (format === 'json')
        printJson({
          ok: report.ok,
          notes,
          summary: report.summary,
          environments: report.environments,
          findings: report.findings,
        });
      else if (format === 'sarif') printJson(toSarif(report, { version: program.version() ?? '0.0.0' }));
      else {
        process.stdout.write(formatText(report, STYLE));
        for (const n of notes) process.stderr.write(`${color.dim(`note: ${n}`)}\n`);
      }
      process.exitCode = report.ok ? 0 : 1;
    });
}
