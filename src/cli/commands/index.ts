/** Every CLI command, one module each. Add a command by adding its `register` here (one line). */
import type { Command } from 'commander';
import { register as sr } from './sr.js';
import { register as validate } from './validate.js';
import { register as importRecords } from './import.js';
import { register as simulate } from './simulate.js';
import { register as fit } from './fit.js';
import { register as predict } from './predict.js';
import { register as explain } from './explain.js';
import { register as select } from './select.js';
import { register as discover } from './discover.js';
import { register as evaluate } from './evaluate.js';
import { register as demo } from './demo.js';
import { register as worker } from './worker.js';
import { register as profile } from './profile.js';
import { register as serve } from './serve.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  sr,
  validate,
  importRecords,
  simulate,
  fit,
  predict,
  explain,
  select,
  discover,
  evaluate,
  demo,
  worker,
  profile,
  serve,
];
