// `slipway init [dir]`: writes a small working platform (see config/scaffold.ts).
import { existsSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
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
}

/** Writes the scaffold into `target`; refuses to overwrite existing files unless `force`. */
export async function initPlatform(
  target: string,
  options: { name?: string; force?: boolean },
): Promise<InitResult> {
  const name = options.name ?? platformNameFrom(basename(target)) ?? 'platform';
  const schemaDir = findSchemaDir();
  const demoService = fileURLToPath(new URL('../../../demo-service/server.mjs', import.meta.url));
  const files = scaffoldPlatform({
    name,
    ...(schemaDir ? { schemaBase: schemaBaseFor(target, schemaDir) } : {}),
    ...(existsSync(demoService) ? { demoService: resolve(demoService) } : {}),
  });

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
  return { dir: target, name, files: [...files.keys()] };
}

/**
 * The modeline path to the schemas: relative when close by (a checkout or ./node_modules/slipway),
 * absolute when a relative path would climb to the file system root (a global install).
 */
function schemaBaseFor(target: string, schemaDir: string): string {
  const rel = relative(target, schemaDir).split(sep);
  const ups = rel.filter((s) => s === '..').length;
  const depth = target.split(sep).filter(Boolean).length;
  return `${ups < depth ? rel.join('/') : schemaDir.split(sep).join('/')}/`;
}

/** The schema/ directory of this installation (source checkout or built package), if present. */
function findSchemaDir(): string | undefined {
  for (const up of ['../../../schema', '../../../../schema']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'slipway.schema.json'))) return dir;
  }
  return undefined;
}
