/**
 * Every CLI command, one module each, loaded on demand: `energylens fit ...` loads fit's module only (a CLI start
 * that loaded all of them spent about a second of CPU on modules it never ran). Add a command by adding its line
 * here, under the name its `register` gives it.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;
type CommandModule = () => Promise<{ register: RegisterCommand }>;

/** In the order the top-level help lists them. */
export const COMMANDS: Readonly<Record<string, CommandModule>> = {
  sr: () => import('./sr.js'),
  validate: () => import('./validate.js'),
  import: () => import('./import.js'),
  simulate: () => import('./simulate.js'),
  fit: () => import('./fit.js'),
  predict: () => import('./predict.js'),
  explain: () => import('./explain.js'),
  select: () => import('./select.js'),
  discover: () => import('./discover.js'),
  evaluate: () => import('./evaluate.js'),
  demo: () => import('./demo.js'),
  worker: () => import('./worker.js'),
  profile: () => import('./profile.js'),
  serve: () => import('./serve.js'),
};

/**
 * The registrations a command line needs: the named command's alone when its first argument names one, every
 * command otherwise (the top-level help, `help`, --version, or an unknown command, whose error suggests names).
 */
export async function commandsFor(argv: readonly string[]): Promise<RegisterCommand[]> {
  const first = argv[2];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  return (await Promise.all(names.map((n) => COMMANDS[n]()))).map((m) => m.register);
}
