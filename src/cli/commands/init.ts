// `slipway init [dir]`: writes a small working platform (see config/scaffold.ts).
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '@commander-js/extra-typings';
import { platformNameFrom, scaffoldPlatform } from '../../config/scaffold.ts';
import { usageError } from '../../shared/errors.ts';
import { color, printJson } from '../output.ts';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a new platform: slipway.yaml, values and desired-state files for three environments')
    .argument('[dir]', 'directory to create it in (relative to --dir)', '.')
    .option('--name <name>', 'platform name (a DNS label); defaults to the directory name')
    .option('--force', 'overwrite files that already exist', false)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (dir, options, command) => {
      const globals = command.optsWithGlobals() as { dir?: string };
      const target = resolve(globals.dir ?? '.', dir);
      const result = await initPlatform(target, {
        force: options.force,
        ...(options.name === undefined ? {} : { name: options.name }),
      });
      if (options.output === 'json') {
        printJson(result);
        return;
      }
      const shown = relative(process.cwd(), target) || '.';
      process.stdout.write(`Created platform ${color.bold(result.name)} in ${shown}:\n`);
      for (const f of result.files) process.stdout.write(`  ${f}\n`);
      if (!result.schema) {
        process.stdout.write(
          '\nEditor completion: with slipway installed in the repository (npm install -D slipway),\n' +
            '  start slipway.yaml with this line (desired-state.schema.json for environments/*.yaml):\n' +
            '  # yaml-language-server: $schema=node_modules/slipway/schema/slipway.schema.json\n',
        );
      }
      process.stdout.write(
        `\nNext:\n  slipway -C ${shown} lint\n  slipway -C ${shown} render web --env development\n` +
          `  slipway cluster up\n  slipway -C ${shown} deploy web --env development\n`,
      );
    });
}

export interface InitResult {
  dir: string;
  name: string;
  files: string[];
  /** The schemas' directory as the modelines name it (relative), when one was written. */
  schema?: string;
}

/** Writes the scaffold into `target`; refuses to overwrite existing files unless `force`. */
export async function initPlatform(
  target: string,
  options: { name?: string; force?: boolean },
): Promise<InitResult> {
  const name = options.name ?? platformNameFrom(basename(target)) ?? 'platform';
  const schemaBase = schemaBaseFor(target);
  const files = scaffoldPlatform({ name, ...(schemaBase ? { schemaBase } : {}) });

  const existing = [...files.keys()].filter((f) => existsSync(join(target, f)));
  if (existing.length > 0 && !options.force) {
    throw usageError(
      `${existing.length === 1 ? 'a file' : 'files'} already exist in ${target}: ${existing.join(', ')}`,
      {
        hint: 'Pass --force to overwrite them, or choose another directory.',
      },
    );
  }
  try {
    const st = await stat(target);
    if (!st.isDirectory()) throw usageError(`${target} exists and is not a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const [path, content] of files) {
    const full = join(target, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  return { dir: target, name, files: [...files.keys()], ...(schemaBase ? { schema: schemaBase } : {}) };
}

/**
 * The modeline path to the schemas, relative to the platform, or none. The files go into a git
 * repository and onto other machines, so an absolute path (or a relative one climbing out to where
 * slipway happens to be installed here) would be wrong everywhere else. Two places travel with the
 * platform: the slipway checkout it sits in, and `node_modules/slipway` of the project around it
 * (`npm install -D slipway`). Elsewhere no modeline is written and init says how to get one.
 */
function schemaBaseFor(target: string): string | undefined {
  const own = fileURLToPath(new URL('../../../schema', import.meta.url));
  const candidates = [own, fileURLToPath(new URL('../../../../schema', import.meta.url))];
  for (const dir of candidates) {
    if (!existsSync(join(dir, SCHEMA_FILE))) continue;
    const rel = relative(dirname(dir), target);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return posixRelative(target, dir);
  }
  for (let dir = target; ; dir = dirname(dir)) {
    const installed = join(dir, 'node_modules', 'slipway', 'schema');
    if (existsSync(join(installed, SCHEMA_FILE))) return posixRelative(target, installed);
    if (dirname(dir) === dir) return undefined;
  }
}

const SCHEMA_FILE = 'slipway.schema.json';

function posixRelative(from: string, to: string): string {
  return `${relative(from, to).split(sep).join('/')}/`;
}
