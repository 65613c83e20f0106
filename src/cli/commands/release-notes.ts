// `slipway release-notes <service> --from-version A --to-version B` (or --from-env/--to-env, reading
// the versions from those environments' desired state): Markdown from `git log A..B`, grouped by
// conventional-commit type, only the commits touching services.<s>.paths, with ticket and pull-request
// links (slipway.yaml `releaseNotes`). Versions are git tags (or commits) of the repository given by
// --repo (default: the platform directory's repository).
import type { Command } from '@commander-js/extra-typings';
import { loadPlatform } from '../../config/load.ts';
import { getEnvironment, getService } from '../../config/model.ts';
import { releaseNotes } from '../../promotion/index.ts';
import { SlipwayError, usageError } from '../../shared/errors.ts';
import { parseOutputFormat, printJson } from '../output.ts';

export function registerReleaseNotes(program: Command): void {
  program
    .command('release-notes')
    .description('release notes between two versions of a service, from git history (conventional commits)')
    .argument('<service>', 'service name')
    .option('--from-version <ref>', 'older version (git tag or commit)')
    .option('--to-version <ref>', 'newer version (git tag or commit)')
    .option('--from-env <env>', "take the older version from this environment's desired state")
    .option('--to-env <env>', "take the newer version from this environment's desired state")
    .option('--repo <dir>', "the service's git repository (default: the platform directory)")
    .option('-o, --output <format>', 'markdown or json', 'markdown')
    .action(async (service, options, command) => {
      const format = parseOutputFormat(options.output, ['markdown', 'text', 'json']);
      const platform = await loadPlatform((command.optsWithGlobals() as { dir?: string }).dir ?? '.');
      const config = getService(platform, service);
      const versionIn = (env: string): string => {
        getEnvironment(platform, env);
        const v = platform.desired.get(env)?.state.services?.[service]?.version;
        if (!v)
          throw new SlipwayError('notFound', `${service} has no version in the desired state of ${env}`, {
            hint: `Set services.${service}.version in environments/${env}.yaml, or pass --from-version/--to-version.`,
          });
        return v;
      };
      if (options.fromVersion !== undefined && options.fromEnv !== undefined)
        throw usageError('give --from-version or --from-env, not both');
      if (options.toVersion !== undefined && options.toEnv !== undefined)
        throw usageError('give --to-version or --to-env, not both');
      const from =
        options.fromVersion ?? (options.fromEnv !== undefined ? versionIn(options.fromEnv) : undefined);
      const to = options.toVersion ?? (options.toEnv !== undefined ? versionIn(options.toEnv) : undefined);
      if (from === undefined || to === undefined)
        throw usageError('release-notes needs the older and the newer version', {
          hint: 'e.g. --from-version v1.2.0 --to-version v1.3.0, or --from-env prod --to-env preprod',
        });
      const notes = await releaseNotes(options.repo ?? platform.dir, from, to, {
        ...platform.platform.releaseNotes,
        service,
        paths: config.paths,
      });
      if (format === 'json') printJson({ service, from, to, paths: config.paths ?? null, markdown: notes });
      else process.stdout.write(notes);
    });
}
