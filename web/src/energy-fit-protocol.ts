/** The messages between the energy page and its fit worker (energy-fit.worker.ts): every shape in one place. */
import type { EnergyModel, Structure } from '../../src/energy/model/index.js';

/** A file the person gave the page, read as text. */
export interface TextFile { name: string; text: string }

/** One `energylens fit` on the page: the flags it shares with the CLI. */
export interface EnergyFitJob {
  records: TextFile;
  /** structure files (STRUCTURE.json from `energylens discover --out`), the CLI's --candidates */
  structures: TextFile[];
  /** 'auto' (the default), 'physics', or the name of one of `structures` (forced, as --structure FILE) */
  structure: string;
  /** --no-discovery when false */
  discovery: boolean;
  /** --evals: kernel evaluations per discovery phase and the budget for scoring further candidates */
  evals?: number;
  /** --time: the structure choice's time budget, seconds */
  timeSeconds?: number;
  folds: number;
  seed: number;
  /**
   * the CLI's --base: a model fitted with series effects (the bundled ML.ENERGY v3 model or a loaded model file)
   * whose shared parameters and effect spreads stay; the records set their series' effects. No structure is chosen.
   */
  base?: TextFile;
}

export interface EnergyFitResult {
  model: EnergyModel;
  /** with a base: the records' series, how many records each has now and how many the base held */
  calibrated?: { series: string; records: number; recordsInBase: number }[];
  /** the structure the bounded discovery proposed (null: none kept, or discovery off) */
  discovered: Structure | null;
  /** why discovery proposed no structure */
  discoveryNote: string | null;
  /** `fit`'s warnings (a model that explains little, undetermined parameters) */
  warnings: string[];
  seconds: number;
}

export type ToEnergyWorker = { type: 'kernel'; module: WebAssembly.Module } | { type: 'fit'; job: EnergyFitJob };

export type FromEnergyWorker =
  | { type: 'progress'; text: string }
  | { type: 'done'; result: EnergyFitResult }
  | { type: 'error'; code: string; message: string };
