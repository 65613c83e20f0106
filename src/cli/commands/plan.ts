// `slipway plan --env E`: the environment's desired state against what runs, service by service
// ("booking: v1.2.0 → v1.3.0 (image), replicas 3 → 5", "search: in sync", "notification: not
// deployed", drift of live objects changed by hand). --detailed-exitcode: 0 nothing to do, 2 changes,
// 1 error (as terraform plan). --format markdown: the plan, manifest diff, policy findings and
// capacity change as Markdown, for a CI job to post on a pull request (the same text as the
// description `slipway promote --pull-request` prints).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { formatPlan, planEnvironment } from '../../promotion/plan.ts';
import { formatPlanMarkdown } from '../../promotion/plan-markdown.ts';
import { planInputFor, readPlanReport } from '../../promotion/plan-report.ts';
import { parseOutputFormat, printJson, reportError } from '../output.ts';
import { connectEnvironment } from '../target.ts';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description(
      'what `slipway apply` would change: desired state against the running releases and live objects',
    )
    .requiredOption('-e, --env <env>', 'environment')
    .option('--target <service...>', 'only these services')
    .option(
      '--detailed-exitcode',
      'exit 0 when nothing would change, 2 when something would, 1 on errors',
      false,
    )
    .option('-v, --verbose', 'list every object to create, update or delete', false)
    .option('-f, --format <format>', 'text, json or markdown (plan, manifest diff, findings, capacity)')
    .option('-o, --output <format>', 'the same as --format', 'text')
    .action(async (options, command) => {
      const globals = command.optsWithGlobals() as { dir?: string; debug?: boolean };
      const chosen = options.format ?? options.output;
      try {
        const format = parseOutputFormat(chosen, ['text', 'json', 'markdown']);
        const platform = await loadPlatform(globals.dir ?? '.');
        // Read-only: a local cluster that is not running is not started; nothing runs there.
        const client = await connectEnvironment(platform, options.env, { start: false });
        if (!client)
          process.stderr.write(`the local cluster is not running: nothing runs in ${options.env} yet\n`);
        if (format === 'markdown') {
          const report = await readPlanReport(platform, options.env, client, { services: options.target });
          process.stdout.write(formatPlanMarkdown(report));
          if (options.detailedExitcode && report.plan.changes) process.exitCode = 2;
          return;
        }
        const plan = planEnvironment(await planInputFor(platform, options.env, client, options.target));
        if (format === 'json') printJson(plan);
        else {
          process.stdout.write(formatPlan(plan, { verbose: options.verbose }));
          // Feature flags (docs/flags.md): the desired state against what the flag ConfigMap serves.
          // `apply` does not change flags; each line names the release that would.
          if (client && Object.keys(platform.platform.flags ?? {}).length > 0) {
            const { flagStatus, describeState } = await import('../../flags/index.ts');
            for (const f of await flagStatus(client, platform, options.env)) {
              const live = f.live ?? f.desired;
              const same = live.variant === f.desired.variant && live.percent === f.desired.percent;
              process.stdout.write(
                same
                  ? `flag ${f.flag}: ${describeState(live)}, as desired\n`
                  : `flag ${f.flag}: serving ${describeState(live)}, desired ${describeState(f.desired)} (slipway flag set ${f.flag} --env ${options.env} --variant ${f.desired.variant} --percent ${f.desired.percent})\n`,
              );
            }
          }
        }
        if (options.detailedExitcode && plan.changes) process.exitCode = 2;
      } catch (e) {
        if (!options.detailedExitcode) throw e;
        reportError(e, { debug: globals.debug === true, json: chosen === 'json' });
        process.exitCode = 1;
      }
    });
}
