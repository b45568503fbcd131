/** Every CLI command, one module each. Add a command by adding its `register` here (one line). */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
];
