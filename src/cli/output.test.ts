// The guard replaces process.stdout.write, so it is tested in a child process (the test runner's own
// output must stay untouched), writing through the real streams.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { terminalSafe, trusted } from './output.ts';

const OUTPUT_TS = new URL('./output.ts', import.meta.url).href;

function guardedChild(script: string): string {
  const code = `import { color, guardTerminalOutput, trusted } from ${JSON.stringify(OUTPUT_TS)};\nguardTerminalOutput();\n${script}`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' },
  });
}

describe('terminal guard', () => {
  it('escapes control characters from any text, keeps newline and tab', () => {
    assert.equal(
      terminalSafe('user \x1b]0;title\x07 \u009b2J\n\tok'),
      'user \\u001b]0;title\\u0007 \\u009b2J\n\tok',
    );
    // unguarded (no main), trusted() changes nothing
    assert.equal(trusted('\x1b[31m'), '\x1b[31m');
  });

  it("passes slipway's own colours and line clearing, never the same bytes from user text", () => {
    const out = guardedChild(
      `process.stdout.write(color.red('a\\x1b[2Jb') + '|' + trusted('\\r\\x1b[2K') + '|\\x1b[31m|' + Buffer.from('\\x1b]0;t\\x07'));`,
    );
    assert.equal(out, '\x1b[31ma\\u001b[2Jb\x1b[39m|\r\x1b[2K|\\u001b[31m|\\u001b]0;t\\u0007');
  });

  it('cursor hide/show (listr2 live view) pass as they are', () => {
    assert.equal(terminalSafe('\x1b[?25l\x1b[?25h'), '\x1b[?25l\x1b[?25h');
  });
});
