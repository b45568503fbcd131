/**
 * SymbolicRegressor: the engine's public face for people who have a table and a target.
 *
 *   const model = await new SymbolicRegressor({ maxTime: 30, seed: 1 }).fit(rows, y, { featureNames });
 *   model.equations()   // the Pareto front, simplified: complexity, loss, R², infix expression, LaTeX
 *   model.best()        // the member model selection picks (see selectModel)
 *   model.predict(rows)
 *
 * Islands run on worker threads (PoolRunner, one per core unless `workers` says otherwise; `workers: 0` runs
 * them in this thread), or on any IslandRunner handed in as `runner`.
 */
import { SrError } from './errors.js';
import { CheckpointWriter, loadCheckpoint, type CheckpointDataset } from './checkpoint.js';
import { compile } from './expression/compile.js';
import { exportExpression, type ExportFormat } from './expression/export.js';
import { parseExpression } from './expression/parse.js';
import type { Evaluator } from './eval/types.js';
import { createWasmEvaluator } from './eval/wasm-kernel.js';
import { selectModel } from './search/hall-of-fame.js';
import { resolveOptions, type SearchOptions } from './search/options.js';
import type { IslandRunner } from './search/runner.js';
import { equationSearch, type SearchProgress, type SearchResult } from './search/search.js';
import { datasetFingerprint } from './workers/fingerprint.js';
import { defaultWorkerCount, PoolRunner, type PoolRunnerOptions, type WorkerCrashEvent } from './workers/pool-runner.js';
import { checkLearnable, datasetFromRows, type FitInput, type Rows } from './regressor-data.js';
import { presentFront, type Equation } from './front.js';

export { datasetFromRows, r2Score, exactLossFloor, MIN_ROWS, type FitInput, type Rows } from './regressor-data.js';
export { presentFront, shortDecimal, type Equation } from './front.js';

export interface RegressorOptions extends Partial<SearchOptions> {
  /** worker threads; 0 runs the islands in this thread (default: one per core) */
  workers?: number;
  /** a piscina pool of the caller's for the workers (left open) */
  pool?: PoolRunnerOptions['pool'];
  /** runs the islands (overrides workers and pool; the caller closes it) */
  runner?: IslandRunner;
  /** checkpoint file, written every `checkpointEvery` seconds and when the search ends */
  checkpoint?: string;
  /** seconds between two checkpoints (default 10) */
  checkpointEvery?: number;
  /** continue the search saved in `checkpoint` (same data and options; stop conditions may change) */
  resume?: boolean;
  onProgress?: (p: SearchProgress) => void;
  /** a worker died and its island was rerun from its last migration state */
  onEvent?: (e: WorkerCrashEvent) => void;
  signal?: AbortSignal;
  /** evaluator for scoring the front and predict (default: the WASM kernel) */
  evaluator?: () => Evaluator;
}

/** What fromJSON reads. */
export interface RegressorJSON {
  format: 'energylens-symbolic-regressor';
  version: 1;
  featureNames: string[];
  options: SearchOptions;
  /** index of the selected equation in `front`, -1 when there is none */
  best: number;
  front: Omit<Equation, 'tree'>[];
  run?: { evaluations: number; generations: number; seconds: number; seed: number; stoppedBy: SearchResult['stoppedBy'] };
}

const RUN_KEYS = ['workers', 'pool', 'runner', 'checkpoint', 'checkpointEvery', 'resume', 'onProgress', 'onEvent', 'signal', 'evaluator'] as const;

function splitOptions(all: RegressorOptions): Partial<SearchOptions> {
  const search: Record<string, unknown> = { ...all };
  for (const k of RUN_KEYS) delete search[k];
  return search as Partial<SearchOptions>;
}

export class SymbolicRegressor {
  /** the last search (counters, stop reason, final state); undefined before fit and after fromJSON */
  result: SearchResult | undefined;
  /** what the last fit wants the user to know (worker crashes recovered, ...) */
  warnings: string[] = [];
  private readonly options: RegressorOptions;
  private searchOptions: SearchOptions;
  private front: Equation[] = [];
  private featureNames: string[] = [];
  private bestIndex = -1;

  constructor(options: RegressorOptions = {}) {
    this.options = { ...options };
    this.searchOptions = resolveOptions(splitOptions(options)); // fails early, naming the option
    const { workers, resume, checkpoint, checkpointEvery } = options;
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) {
      throw new SrError('INVALID_OPTION', `workers must be a non-negative integer (0: in this thread), got ${String(workers)}`);
    }
    if (resume && !checkpoint) throw new SrError('INVALID_OPTION', 'resume needs a checkpoint file (options.checkpoint)');
    if (checkpointEvery !== undefined && !(checkpointEvery >= 0 && Number.isFinite(checkpointEvery))) {
      throw new SrError('INVALID_OPTION', `checkpointEvery must be a non-negative number of seconds, got ${String(checkpointEvery)}`);
    }
  }

  private makeEvaluator(): Evaluator {
    return this.options.evaluator?.() ?? createWasmEvaluator();
  }

  /** Searches for expressions of `y` in the columns of `X`. Resolves to this model. */
  async fit(X: Rows, y: ArrayLike<number>, input: FitInput = {}): Promise<this> {
    const o = this.options;
    const options = this.searchOptions;
    const data = datasetFromRows(X, y, input);
    checkLearnable(data, options.loss);
    const warnings: string[] = [];
    const describe: CheckpointDataset = { fingerprint: datasetFingerprint(data), nRows: data.nRows, nFeatures: data.nFeatures, featureNames: data.featureNames };
    const resume = o.resume && o.checkpoint ? loadCheckpoint(o.checkpoint, { dataset: describe, options }).state : undefined;
    const writer = o.checkpoint ? new CheckpointWriter(o.checkpoint, { dataset: describe, options }, o.checkpointEvery ?? 10) : undefined;
    const onEvent = (e: WorkerCrashEvent): void => {
      warnings.push(`a worker died while running island ${e.islandId} (${e.reason}); the island was rerun from its last migration state`);
      o.onEvent?.(e);
    };
    // more workers than islands would idle: ask for at most one per island
    const workers = o.workers === undefined || o.pool ? o.workers : Math.min(o.workers, options.populations);
    const runner = o.runner ?? (workers === 0 ? undefined : new PoolRunner({ workers: workers ?? Math.min(defaultWorkerCount(), options.populations), pool: o.pool, onEvent }));
    let result: SearchResult;
    try {
      result = await equationSearch(data, options, {
        runner, signal: o.signal, resume, onProgress: o.onProgress,
        onCycle: writer ? (state) => { writer.maybeSave(state); } : undefined,
      });
    } finally {
      if (runner && !o.runner) await runner.close();
    }
    writer?.save(result.state); // the final state, also after Ctrl-C: a resumable checkpoint
    this.result = result;
    this.warnings = warnings;
    this.featureNames = data.featureNames;
    const ev = this.makeEvaluator();
    try {
      this.front = presentFront(result.front.map((m) => m.tree), data, options, data.featureNames, ev);
    } finally {
      ev.dispose();
    }
    const best = selectModel(this.front);
    this.bestIndex = best ? this.front.indexOf(best) : -1;
    return this;
  }

  /** The Pareto front, simplest first: complexity against loss. */
  equations(): Equation[] {
    return this.front.slice();
  }

  /** The selected equation: where loss stops falling steeply with complexity (see selectModel). */
  best(): Equation | undefined {
    return this.bestIndex >= 0 ? this.front[this.bestIndex] : undefined;
  }

  /** Predictions of the best equation, or of the front member with the given complexity. */
  predict(X: Rows, which: { complexity?: number } | number = {}): Float64Array {
    const options = typeof which === 'number' ? { complexity: which } : which;
    const eq = options.complexity === undefined ? this.best() : this.front.find((e) => e.complexity === options.complexity);
    if (!eq) {
      throw new SrError('INVALID_OPTION', options.complexity === undefined
        ? 'the model has no equation: call fit() first'
        : `no equation of complexity ${options.complexity} (the front has ${this.front.map((e) => e.complexity).join(', ') || 'none'})`);
    }
    const data = datasetFromRows(X, undefined, { featureNames: this.featureNames });
    const ev = this.makeEvaluator();
    try {
      ev.setDataset(data);
      return ev.predict(compile(eq.tree));
    } finally {
      ev.dispose();
    }
  }

  /**
   * The best equation (or the front member of the given complexity) as SymPy text, LaTeX, a JavaScript
   * function of the features, or JSON (see exportExpression).
   */
  export(format: ExportFormat, which: { complexity?: number } = {}): string {
    const eq = which.complexity === undefined ? this.best() : this.front.find((e) => e.complexity === which.complexity);
    if (!eq) {
      throw new SrError('INVALID_OPTION', which.complexity === undefined
        ? 'the model has no equation: call fit() first'
        : `no equation of complexity ${which.complexity} (the front has ${this.front.map((e) => e.complexity).join(', ') || 'none'})`);
    }
    return exportExpression(eq.tree, format, this.featureNames);
  }

  toJSON(): RegressorJSON {
    const r = this.result;
    return {
      format: 'energylens-symbolic-regressor', version: 1, featureNames: [...this.featureNames], options: this.searchOptions, best: this.bestIndex,
      front: this.front.map(({ tree, ...rest }) => { void tree; return rest; }),
      ...(r ? { run: { evaluations: r.evaluations, generations: r.generations, seconds: r.seconds, seed: r.seed, stoppedBy: r.stoppedBy } } : {}),
    };
  }

  /** A fitted model from toJSON(); expressions are parsed back exactly. Throws INVALID_MODEL_FILE. */
  static fromJSON(json: RegressorJSON, runOptions: Pick<RegressorOptions, 'evaluator'> = {}): SymbolicRegressor {
    const bad = (why: string): never => { throw new SrError('INVALID_MODEL_FILE', `not a saved symbolic regressor: ${why}`); };
    if (json?.format !== 'energylens-symbolic-regressor') bad('format is not "energylens-symbolic-regressor"');
    if (json.version !== 1) bad(`version ${String(json.version)}; this version of energylens reads version 1`);
    if (!Array.isArray(json.featureNames) || !Array.isArray(json.front)) bad('featureNames or front is missing');
    if (!Number.isInteger(json.best) || json.best < -1 || json.best >= json.front.length) bad(`best (${String(json.best)}) is not an index of front`);
    let m: SymbolicRegressor;
    try {
      m = new SymbolicRegressor({ ...(json.options ?? {}), ...runOptions, workers: 0 });
    } catch (err) {
      return bad(`its options are invalid (${(err as Error).message})`);
    }
    m.featureNames = [...json.featureNames];
    m.front = json.front.map((e, i) => {
      try {
        return { ...e, tree: parseExpression(e.expression, json.featureNames) };
      } catch (err) {
        return bad(`front[${i}].expression "${e.expression}" does not parse (${(err as Error).message})`);
      }
    });
    m.bestIndex = json.best;
    return m;
  }
}
