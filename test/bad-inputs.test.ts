// Bad input of every kind is refused before anything is rendered or applied: each case of
// bad-inputs.cases.ts runs the real CLI (`slipway render` or `lint`, in process: the commands of
// src/cli/commands with main.ts's error handling) on a temporary copy of test/fixtures/bad-inputs and
// must exit 2, name the file and line (or the flag) the bad value came from, print no stack trace,
// and leave the copy's files as they were. The unchanged fixture renders and lints cleanly.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BadInput, CASES } from './bad-inputs.cases.ts';

process.env.NO_COLOR = '1';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'bad-inputs');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `slipway …args` in this process, as src/cli/main.ts runs it (exit code, stdout, stderr). */
async function slipway(args: string[]): Promise<CliResult> {
  const { Command, CommanderError } = await import('@commander-js/extra-typings');
  const { COMMANDS } = await import('../src/cli/commands/index.ts');
  const { reportError } = await import('../src/cli/output.ts');
  let stdout = '';
  let stderr = '';
  const program = new Command()
    .name('slipway')
    .option('-C, --dir <path>', 'platform directory', '.')
    .option('--debug', 'stack traces', false)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => {
        stderr += s;
      },
      writeOut: (s) => {
        stdout += s;
      },
    });
  for (const register of COMMANDS) register(program);
  const out = process.stdout.write;
  const err = process.stderr.write;
  // The commands write strings; the test runner's own reports (binary) pass through.
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) => {
    if (typeof s !== 'string') return out.call(process.stdout, s, ...rest);
    stdout += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) => {
    if (typeof s !== 'string') return err.call(process.stderr, s, ...rest);
    stderr += s;
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    code = e instanceof CommanderError ? 2 : reportError(e, { debug: false, json: false });
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}

/** Every file under dir with its content, by relative path. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'slipway-bad-inputs-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A copy of the fixture with the case's files written; `{file:x}` in args → a file outside it. */
function prepare(c: BadInput): { dir: string; args: string[] } {
  const dir = join(work, String(n++));
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [rel, edit] of Object.entries(c.files ?? {})) {
    const path = join(dir, rel);
    if (typeof edit === 'string') writeFileSync(path, edit);
    else {
      const text = readFileSync(path, 'utf8');
      assert.ok(text.includes(edit[0]), `${c.name}: ${rel} has no ${JSON.stringify(edit[0])}`);
      writeFileSync(path, text.replace(edit[0], edit[1]));
    }
  }
  const outside = new Map<string, string>();
  for (const [name, content] of Object.entries(c.outside ?? {})) {
    const path = join(work, `${n}-${name}.txt`);
    writeFileSync(path, content);
    outside.set(name, path);
  }
  const args = c.args.map((a) => a.replace(/\{file:(\w+)\}/g, (_, name: string) => outside.get(name)!));
  return { dir, args: ['-C', dir, ...args] };
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `no line holds ${JSON.stringify(needle)}`);
  return i + 1;
}

describe('bad inputs: exit 2 naming the file and line or the flag, nothing changed', () => {
  it('the fixture itself renders and lints (exit 0)', async () => {
    const dir = join(work, 'clean');
    cpSync(FIXTURE, dir, { recursive: true });
    for (const args of [['render', '--env', 'prod'], ['render', '--env', 'dev'], ['lint']]) {
      const r = await slipway(['-C', dir, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it(`has at least 100 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 100);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const { dir, args } = prepare(c);
      const before = snapshot(dir);
      const r = await slipway(args);
      const shown = `\n--- stderr ---\n${r.stderr}`;
      assert.equal(r.code, 2, `exit ${r.code}${shown}`);
      assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, `a stack trace${shown}`);
      assert.doesNotMatch(r.stderr, /internal error/, shown);
      assert.equal(r.stdout, '', 'nothing rendered');
      if (c.at) {
        const line = lineOf(before.get(c.at.file)!, c.at.needle);
        assert.ok(r.stderr.includes(`${c.at.file}:${line}`), `expected ${c.at.file}:${line}${shown}`);
      }
      if (c.flag) assert.ok(r.stderr.includes(c.flag), `expected ${JSON.stringify(c.flag)}${shown}`);
      if (c.says) assert.ok(r.stderr.includes(c.says), `expected ${JSON.stringify(c.says)}${shown}`);
      assert.deepEqual(snapshot(dir), before, 'the platform files are unchanged');
    });
  }
});
