// The slipway program: every command registered, with the global options. Kept apart from main.ts,
// which runs the CLI when imported, so tests can build the program without starting it.
import { Command, Option } from '@commander-js/extra-typings';
import { COMMANDS } from './commands/index.ts';
import { checkRemoteMode } from './remote/modes.ts';

export function buildProgram(): Command {
  const program = new Command()
    .name('slipway')
    .description(
      'Release orchestrator for microservice platforms on Kubernetes.\n' +
        'Renders every service from one shared chart with layered values, checks policy, deploys with\n' +
        'rolling, canary or blue-green strategies, and promotes through environments in order.',
    )
    .version(VERSION, '-V, --version')
    .option('-C, --dir <path>', 'platform directory (the one holding slipway.yaml)', '.')
    .option('--debug', 'show stack traces for internal errors', false)
    .addOption(
      new Option('--server <url>', 'run through this slipway server (docs/server.md)').env('SLIPWAY_SERVER'),
    )
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program);
  // With a server, each command goes through its API, runs here, or is refused: remote/modes.ts.
  program.hook('preAction', (_program, action) => {
    let top: Command = action as unknown as Command;
    while (top.parent && top.parent !== program) top = top.parent as Command;
    checkRemoteMode(top.name(), action);
  });
  return program;
}

export const VERSION = '0.1.0';
