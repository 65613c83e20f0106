// The slipway command line: parse, call one operation, print. Commands live in ./commands, one file each.
import { CommanderError } from '@commander-js/extra-typings';
import { SlipwayError } from '../shared/errors.ts';
import { guardTerminalOutput, reportError } from './output.ts';
import { buildProgram } from './program.ts';

export { buildProgram } from './program.ts';

export async function main(argv: string[]): Promise<number> {
  guardTerminalOutput();
  const program = buildProgram();
  const debug = argv.includes('--debug');
  const json =
    argv.some((a, i) => (a === '--output' || a === '-o') && argv[i + 1] === 'json') ||
    argv.includes('--output=json') ||
    argv.some((a, i) => a === '--format' && argv[i + 1] === 'json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return 0;
      }
      // commander already printed its message; usage errors exit 2 by convention.
      return 2;
    }
    if (e instanceof SlipwayError || e instanceof Error) return reportError(e, { debug, json });
    return reportError(e, { debug, json });
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
