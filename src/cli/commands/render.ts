// `slipway render [service] --env E`: the manifests of one service (or all) in an environment, as
// deterministic multi-document YAML on stdout, or with --output-dir one file per object under
// <dir>/<service>/<kind>-<name>.yaml. This command is the only part of render that writes files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import type { LoadedPlatform } from '../../config/load.ts';
import { loadPlatform } from '../../config/load.ts';
import type { ValueOverrides } from '../../config/values.ts';
import { assertNoLintErrors, lintRenderedServices } from '../../policy/lint.ts';
import { type PreparedRelease, prepareServices } from '../../policy/prepare.ts';
import { secretsNote, toYaml } from '../../render/index.ts';
import type { RenderedService } from '../../render/platform.ts';
import { overridesFrom, withValueFlags } from '../value-flags.ts';

/**
 * The policy checks `slipway lint` runs, on exactly what is about to be printed or written: errors at
 * the environment's policy level (and any loosening of the security settings, --set flags included)
 * stop render with exit 1 and nothing is written. `--no-lint` skips this.
 */
export async function lintRenderedForRender(
  platform: LoadedPlatform,
  env: string,
  rendered: readonly PreparedRelease[],
  overrides: ValueOverrides,
): Promise<void> {
  const report = await lintRenderedServices(platform, env, rendered, overrides);
  assertNoLintErrors(report.findings, '--no-lint');
}

export function registerRender(program: Command): void {
  withValueFlags(
    program
      .command('render')
      .description('render the Kubernetes manifests of a service (or every service) in an environment')
      .argument('[service]', 'service name; all services when omitted')
      .requiredOption('-e, --env <env>', 'environment'),
  )
    .option('-o, --output-dir <dir>', 'write <dir>/<service>/<kind>-<name>.yaml instead of printing')
    .option('--no-lint', 'skip the policy checks of the rendered manifests')
    .action(async (service, options, command) => {
      const globals = command.optsWithGlobals() as { dir?: string };
      const platform = await loadPlatform(globals.dir ?? '.');
      const overrides: ValueOverrides = overridesFrom(options);
      // Prepared as deploy prepares them, printed as the chart renders them (no ownership labels
      // added), and checked together: some checks look across services.
      const rendered = await prepareServices(platform, options.env, {
        ...(service === undefined ? {} : { services: [service] }),
        overrides,
      });
      if (options.lint) await lintRenderedForRender(platform, options.env, rendered, overrides);
      const note = secretsNote(rendered.flatMap((r) => r.objects));
      if (note) process.stderr.write(`note: ${note}\n`);
      if (options.outputDir === undefined) {
        process.stdout.write(toYaml(rendered.flatMap((r) => r.objects)));
        return;
      }
      const files = await writeRendered(resolve(options.outputDir), rendered);
      const shown = relative(process.cwd(), resolve(options.outputDir)) || '.';
      process.stderr.write(`wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${shown}\n`);
    });
}

/** `<dir>/<service>/<kind>-<name>.yaml` for every object; returns the paths written. */
export async function writeRendered(dir: string, rendered: readonly RenderedService[]): Promise<string[]> {
  const written: string[] = [];
  for (const { service, objects } of rendered) {
    const serviceDir = join(dir, service);
    await mkdir(serviceDir, { recursive: true });
    for (const o of objects) {
      const path = join(serviceDir, `${o.kind.toLowerCase()}-${o.metadata.name ?? 'unnamed'}.yaml`);
      await writeFile(path, toYaml([o]));
      written.push(path);
    }
  }
  return written;
}
