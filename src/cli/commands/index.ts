/** Every CLI command, one module each. Add a command by adding its `register` here (one line). */
import type { Command } from 'commander';
import { register as sr } from './sr.js';
import { register as validate } from './validate.js';
import { register as importRecords } from './import.js';
import { register as simulate } from './simulate.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  sr,
  validate,
  importRecords,
  simulate,
];
