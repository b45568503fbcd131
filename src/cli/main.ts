/**
 * The `energylens` command line. A thin layer: each command lives in src/cli/commands/<name>.ts, exports
 * `register(program)`, parses its arguments, calls the exported API and prints. Library code never calls
 * process.exit; commands set process.exitCode.
 *
 * Every error, commander's own included, prints one line `energylens: error [CODE]: message`; usage errors (a
 * bad, unknown or missing option or argument) exit with status 2, every other error with status 1.
 */
import { Command, CommanderError } from 'commander';
import { commandsFor, type RegisterCommand } from './commands/index.js';
import { isEnergyLensError } from '../errors.js';
import { allCommands, finishHelp, packageVersion, usageError } from './program-setup.js';

/** The program with the given commands registered (`commandsFor(argv)` picks the ones a command line needs). */
export function buildProgram(commands: readonly RegisterCommand[]): Command {
  const program = new Command();
  program
    .name('energylens')
    .description('Symbolic regression on WebAssembly, and interpretable energy models for LLM inference serving.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    // commander prints nothing itself on an error: main() prints the one line
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  for (const register of commands) register(program);
  finishHelp(program);
  return program;
}

/** The exit status of an error with this code: 2 for a usage error, 1 otherwise. */
export function exitStatusOf(code: string): number {
  return USAGE_CODES.has(code) ? 2 : 1;
}

const USAGE_CODES = new Set(['INVALID_OPTION', 'INVALID_UNIT', 'UNKNOWN_OPTION', 'MISSING_OPTION', 'MISSING_ARGUMENT', 'EXCESS_ARGUMENTS', 'UNKNOWN_COMMAND', 'CONFLICTING_OPTIONS']);

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram(await commandsFor(argv));
  // the subcommand being parsed, to point at its --help
  let current: Command = program;
  for (const cmd of allCommands(program)) {
    if (cmd.commands.length > 0) cmd.hook('preSubcommand', (_parent, sub) => { current = sub; });
  }
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      const usage = usageError(err, current);
      if (usage === null) {
        // --help and --version exit with 0; `energylens` alone printed the help and is a usage error
        process.exitCode = err.exitCode === 0 ? 0 : 2;
        return;
      }
      process.stderr.write(`energylens: error [${usage.code}]: ${usage.message}\n`);
      process.exitCode = exitStatusOf(usage.code);
      return;
    }
    if (isEnergyLensError(err)) {
      process.stderr.write(`energylens: error [${err.code}]: ${err.message}\n`);
      process.exitCode = exitStatusOf(err.code);
      return;
    }
    throw err;
  }
}
