// Docs that run: every `slipway …` command the README, docs/ and the examples' READMEs show is parsed
// by the real command line (the commands of src/cli/commands, read live, actions replaced by no-ops).
// An unknown command, an unknown option, a missing required argument or option, or one argument too
// many fails the test, naming the file and line. It checks what a reader could type, not what it does.
//
// Where the commands come from: lines of shell code blocks (```sh, ```bash, ```shell, ```console or
// none) that start with `slipway ` (after a `$ ` prompt or VAR=value assignments; `&&`, `;` and pipes
// split a line), and inline code spans starting with `slipway ` anywhere, tables and YAML comments
// included. A span that only names a command (`slipway deploy`) has to name one that exists.
// A span on a line that says "not built yet" announces a command and is not checked (`slipway serve`).
//
// The synopsis notation of the docs is read as a reader would: [optional] parts are included,
// a|b alternatives are each tried, <placeholder>s and CAPITAL placeholders (--env E) get a sample
// value fitting the option or argument they stand for, and … after an option stands for its value.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, type Option } from '@commander-js/extra-typings';
import { COMMANDS } from '../src/cli/commands/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface DocCommand {
  file: string;
  line: number;
  text: string;
}

const SHELL_FENCES = new Set(['', 'sh', 'bash', 'shell', 'console', 'zsh']);

/** The `slipway …` commands of one Markdown file, each with its line. */
export function extractCommands(markdown: string, file: string): DocCommand[] {
  const out: DocCommand[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const f = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(raw);
    if (f) {
      fence = fence === undefined ? f[2]!.toLowerCase() : undefined;
      return;
    }
    if (fence !== undefined && SHELL_FENCES.has(fence)) {
      for (const text of shellCommands(raw)) out.push({ file, line, text });
      return;
    }
    // Inline spans: outside code blocks, and inside other blocks' comments (YAML says `slipway promote`).
    if (/not built yet/i.test(raw)) return;
    for (const m of raw.replaceAll('\\|', '|').matchAll(/`(slipway [^`]+)`/g)) {
      out.push({ file, line, text: m[1]!.trim() });
    }
  });
  return out;
}

/** The slipway invocations of one shell line: prompt, comment, redirections and other commands dropped. */
function shellCommands(raw: string): string[] {
  const code = raw
    .replace(/^\s*\$\s+/, '')
    .replace(/(^|\s)#.*$/, '')
    .trim();
  return code
    .split(/\s*(?:&&|\|\||;|\s\|\s)\s*/)
    .map((part) =>
      part
        .replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, '')
        .replace(/\s+\d?>>?\s*\S+/g, '')
        .replace(/\s+\d?>&\d/g, '')
        .trim(),
    )
    .filter((part) => part.startsWith('slipway '));
}

/** A word of a synopsis: a literal, or a placeholder to fill once the command is known. */
type Word = { literal: string } | { placeholder: string };

/** Shell-like words (quotes kept together), brackets of [optional] parts removed. */
function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    if (m[3] !== undefined) {
      const w = m[3].replace(/[[\]]/g, '');
      if (w !== '') out.push(w);
    } else out.push(m[1] ?? m[2] ?? '');
  }
  return out;
}

const ELLIPSIS = /(…|\.\.\.)$/;

/** Every reading of a synopsis: a|b alternatives multiplied out (a few at most), placeholders marked. */
export function readings(text: string): Word[][] {
  let variants: Word[][] = [[]];
  for (const w of words(text).slice(1)) {
    const alternatives = w.includes('|') && !/^["']/.test(w) ? w.split('|').filter((a) => a !== '') : [w];
    const next: Word[][] = [];
    for (const v of variants) for (const a of alternatives) next.push([...v, ...wordOf(a)]);
    variants = next.slice(0, 16);
  }
  return variants;
}

function wordOf(w: string): Word[] {
  if (w === '…' || w === '...') return [{ placeholder: '…' }];
  if (ELLIPSIS.test(w)) {
    const base = w.replace(ELLIPSIS, '');
    // `--set…` is the option and its value; `S…` is one value (of a variadic option, say).
    return base.startsWith('-') ? [{ literal: base }, { placeholder: '…' }] : wordOf(base);
  }
  const angle = /^<([^>]+)>$/.exec(w);
  if (angle) return [{ placeholder: angle[1]! }];
  if (/^[A-Z][A-Z0-9_]*$/.test(w)) return [{ placeholder: w }];
  return [{ literal: w }];
}

/** A sample value for a placeholder, by the name of what it stands for (`<revision>`, `--env <env>`). */
function sample(name: string): string {
  const n = name.toLowerCase();
  if (/revision|^n$|number|count/.test(n)) return '2';
  if (/^id$|promotion/.test(n)) return '1';
  if (/duration|timeout/.test(n)) return '10m';
  if (/when|since/.test(n)) return '2d';
  if (/format/.test(n)) return 'json';
  if (/^env|environment|^e$|^a$|^b$/.test(n)) return 'staging';
  if (/svc|service|^s$/.test(n)) return 'web';
  if (/key=value|key=json|key=path|^set/.test(n)) return 'replicas=2';
  if (/dir|path|file/.test(n)) return '.';
  if (/port/.test(n)) return '7070';
  if (/seq:hash/.test(n)) return '1:abc';
  if (/tag|version|ref|^t$/.test(n)) return 'v1';
  if (/digest|^d$/.test(n)) return 'sha256:0000000000000000000000000000000000000000000000000000000000000000';
  return 'x';
}

type Cmd = Command<unknown[], Record<string, unknown>>;

/** The real command tree with every action a no-op, every error thrown instead of exiting, no output. */
export function buildParser(): Cmd {
  // The global options of src/cli/main.ts, which cannot be imported here: it runs the CLI on import.
  const program = new Command()
    .name('slipway')
    .version('0.0.0', '-V, --version')
    .option('-C, --dir <path>', 'platform directory')
    .option('--debug', 'stack traces')
    .option('--server <url>', 'slipway server') as unknown as Cmd;
  for (const register of COMMANDS) register(program as never);
  const quiet = (c: Cmd): void => {
    c.exitOverride();
    c.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    // Only commands that run something get the no-op; a group such as `cluster` keeps refusing
    // an unknown subcommand. commander keeps the handler in a private field.
    if ((c as unknown as { _actionHandler?: unknown })._actionHandler) c.action(() => {});
    for (const sub of c.commands) quiet(sub as Cmd);
  };
  quiet(program);
  return program;
}

function findOption(cmds: Cmd[], flag: string): Option | undefined {
  const name = flag.split('=')[0]!;
  for (const c of [...cmds].reverse()) {
    const o = c.options.find((x) => x.long === name || x.short === name);
    if (o) return o as Option;
  }
  return undefined;
}

/** The command path a reading names (`cluster up`), and the argv with its placeholders filled. */
export function resolve(program: Cmd, reading: Word[]): { path: Cmd[]; argv: string[] } {
  const path: Cmd[] = [program];
  const argv: string[] = [];
  let previousOption: Option | undefined;
  let positional = 0;
  for (const w of reading) {
    const here = path[path.length - 1]!;
    if ('literal' in w) {
      const sub =
        !w.literal.startsWith('-') && argv.every((a) => a.startsWith('-') || path.length > 1)
          ? here.commands.find((c) => c.name() === w.literal || c.aliases().includes(w.literal))
          : undefined;
      if (sub && positional === 0 && !(previousOption?.required && !argv.at(-1)?.startsWith('--'))) {
        path.push(sub as Cmd);
      } else if (!w.literal.startsWith('-')) positional += previousOption?.required ? 0 : 1;
      argv.push(w.literal);
      previousOption = w.literal.startsWith('-') ? findOption(path, w.literal) : undefined;
      continue;
    }
    if (previousOption && (previousOption.required || previousOption.optional)) {
      argv.push(sample(previousOption.flags.replace(/^.*[<[]([^>\]]+)[>\]].*$/, '$1')));
    } else if (w.placeholder !== '…') {
      const args = (here as unknown as { registeredArguments: Array<{ name(): string }> })
        .registeredArguments;
      argv.push(sample(args[positional]?.name() ?? w.placeholder));
      positional++;
    }
    previousOption = undefined;
  }
  return { path, argv };
}

/** Why the command line refuses `text`, or undefined when every reading of it parses. */
export async function refusal(text: string): Promise<string | undefined> {
  for (const reading of readings(text)) {
    const program = buildParser();
    const { path, argv } = resolve(program, reading);
    const onlyNames = argv.length === path.length - 1;
    if (onlyNames && path.length > 1) continue; // `slipway deploy` in prose: the command exists
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (e) {
      if (!(e instanceof CommanderError)) return `${(e as Error).message} (slipway ${argv.join(' ')})`;
      if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(e.code)) continue;
      return `${e.message.replace(/^error: /, '').split('\n')[0]} (read as: slipway ${argv.join(' ')})`;
    }
  }
  return undefined;
}

function markdownFiles(): string[] {
  const inDir = (dir: string, recursive: boolean): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return recursive ? inDir(p, true) : [];
      return e.name.endsWith('.md') ? [p] : [];
    });
  const examples = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join('examples', e.name, 'README.md'))
    .filter((p) => {
      try {
        readFileSync(join(ROOT, p));
        return true;
      } catch {
        return false;
      }
    });
  const top = ['README.md', 'examples/README.md'].filter((p) => {
    try {
      readFileSync(join(ROOT, p));
      return true;
    } catch {
      return false;
    }
  });
  return [...top, ...inDir('docs', true), ...examples].map((p) => relative(ROOT, join(ROOT, p)));
}

describe('every slipway command the docs show parses with the real CLI', () => {
  const files = markdownFiles();
  const all = files.flatMap((f) => extractCommands(readFileSync(join(ROOT, f), 'utf8'), f));

  test('the docs show commands at all (the extraction works)', () => {
    assert.ok(files.includes('README.md') && files.some((f) => f.startsWith('docs/')), files.join(', '));
    assert.ok(all.length > 100, `only ${all.length} commands found`);
  });

  for (const file of files) {
    test(file, async () => {
      const problems: string[] = [];
      for (const c of all.filter((x) => x.file === file)) {
        const why = await refusal(c.text);
        if (why) problems.push(`${c.file}:${c.line}: \`${c.text}\`: ${why}`);
      }
      assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
    });
  }
});

describe('the reading of the docs notation', () => {
  test('code blocks and inline spans, with their lines', () => {
    const md = [
      'Run `slipway lint --env production` first.', // 1
      '```sh', // 2
      '$ slipway cluster up && slipway deploy web --env dev   # comment', // 3
      'SLIPWAY_X=1 slipway lint --format sarif > out.sarif', // 4
      'kubectl get pods', // 5
      '```', // 6
      '```yaml', // 7
      'pause: {} # waits for `slipway promote web --env production`', // 8
      'slipway: not a command', // 9
      '```', // 10
      '| `slipway lint [--format text\\|json]` | x |', // 11
      'The server (`slipway serve`, not built yet) will.', // 12
    ].join('\n');
    assert.deepEqual(
      extractCommands(md, 'x.md').map((c) => `${c.line} ${c.text}`),
      [
        '1 slipway lint --env production',
        '3 slipway cluster up',
        '3 slipway deploy web --env dev',
        '4 slipway lint --format sarif',
        '8 slipway promote web --env production',
        '11 slipway lint [--format text|json]',
      ],
    );
  });

  test('placeholders get sample values that fit, alternatives are each read', () => {
    const argvs = (text: string) => readings(text).map((r) => resolve(buildParser(), r).argv.join(' '));
    assert.deepEqual(argvs('slipway rollback <svc> --env E [--to N]'), ['rollback web --env staging --to 2']);
    assert.deepEqual(argvs('slipway cluster up|down'), ['cluster up', 'cluster down']);
    assert.deepEqual(argvs('slipway deploy <svc> --env E [--set…]'), [
      'deploy web --env staging --set replicas=2',
    ]);
    assert.deepEqual(argvs('slipway promote … --to preprod'), ['promote --to preprod']);
    assert.deepEqual(argvs('slipway approve <id>'), ['approve 1']);
  });

  test('an unknown command, an unknown option or a missing argument is refused', async () => {
    assert.match((await refusal('slipway deplyo web --env dev')) ?? '', /unknown command/);
    assert.match((await refusal('slipway approve <svc> --env production')) ?? '', /unknown option '--env'/);
    assert.match((await refusal('slipway history --env production')) ?? '', /missing required argument/);
    assert.match((await refusal('slipway deploy web')) ?? '', /required option/);
    assert.match((await refusal('slipway cluster sideways')) ?? '', /unknown command|too many arguments/);
    assert.equal(await refusal('slipway deploy'), undefined, 'naming a command that exists is fine');
    assert.equal(await refusal('slipway deploy web --env dev --help'), undefined);
  });
});
