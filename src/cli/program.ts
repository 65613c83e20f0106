// The slipway program: every command registered, with the global options. Kept apart from main.ts,
// which runs the CLI when imported, so tests can build the program without starting it.
import { Command } from '@commander-js/extra-typings';
import { COMMANDS } from './commands/index.ts';

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
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of COMMANDS) register(program);
  return program;
}

export const VERSION = '0.1.0';
