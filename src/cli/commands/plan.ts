// `slipway plan --env E`: the environment's desired state against what runs, service by service
// ("booking: v1.2.0 → v1.3.0 (image), replicas 3 → 5", "search: in sync", "notification: not
// deployed", drift of live objects changed by hand). --detailed-exitcode: 0 nothing to do, 2 changes,
// 1 error (as terraform plan).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { namespaceFor } from '../../config/model.ts';
import { formatPlan, type PlanInput, planEnvironment } from '../../promotion/plan.ts';
import { desiredServiceNames, readPlanInput, renderDesired } from '../../promotion/plan-read.ts';
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
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (options, command) => {
      const globals = command.optsWithGlobals() as { dir?: string; debug?: boolean };
      try {
        const format = parseOutputFormat(options.output);
        const platform = await loadPlatform(globals.dir ?? '.');
        // Read-only: a local cluster that is not running is not started; nothing runs there.
        const client = await connectEnvironment(platform, options.env, { start: false });
        const services = options.target ?? desiredServiceNames(platform, options.env);
        let input: PlanInput;
        if (client) {
          input = await readPlanInput(
            client,
            platform,
            options.env,
            options.target ? { services: options.target } : {},
          );
        } else {
          process.stderr.write(`the local cluster is not running: nothing runs in ${options.env} yet\n`);
          input = {
            environment: options.env,
            namespace: namespaceFor(platform, options.env),
            desired: await renderDesired(platform, options.env, services),
            applied: new Map(),
            live: [],
          };
        }
        const plan = planEnvironment(input);
        if (format === 'json') printJson(plan);
        else process.stdout.write(formatPlan(plan, { verbose: options.verbose }));
        if (options.detailedExitcode && plan.changes) process.exitCode = 2;
      } catch (e) {
        if (!options.detailedExitcode) throw e;
        reportError(e, { debug: globals.debug === true, json: options.output === 'json' });
        process.exitCode = 1;
      }
    });
}
