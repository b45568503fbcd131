/**
 * The `energylens` command line. A thin layer: each command lives in src/cli/commands/<name>.ts, exports
 * `register(program)`, parses its arguments, calls the exported API and prints. Library code never calls
 * process.exit; commands set process.exitCode.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { isEnergyLensError } from '../errors.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('energylens')
    .description('Symbolic regression on WebAssembly, and interpretable energy models for LLM inference serving.')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with code 0; argument errors are already printed by commander
      process.exitCode = err.exitCode;
      return;
    }
    if (isEnergyLensError(err)) {
      process.stderr.write(`energylens: error [${err.code}]: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
