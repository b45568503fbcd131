/**
 * SymbolicRegressor: the engine's public face for people who have a table and a target.
 *
 *   const model = await new SymbolicRegressor({ maxTime: 30, seed: 1 }).fit(rows, y, { featureNames });
 *   model.equations()   // the Pareto front: complexity, loss, expression, LaTeX, R²
 *   model.best()        // the selected member (see selectModel)
 *   model.predict(rows)
 */
import { EnergyLensError } from '../errors.js';
import { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
import { compile } from './expression/compile.js';
import type { Node } from './expression/node.js';
import { parseExpression } from './expression/parse.js';
import { checkFeatureNames, toInfix, toLatex } from './expression/print.js';
import type { Dataset } from './eval/types.js';
import { createWasmEvaluator } from './eval/wasm-kernel.js';
import { selectModel } from './search/hall-of-fame.js';
import { resolveOptions, type SearchOptions } from './search/options.js';
import type { IslandRunner } from './search/runner.js';
import { equationSearch, type SearchProgress, type SearchResult } from './search/search.js';
import { simplifyTree } from './search/simplify.js';
import { complexity } from './search/tree-ops.js';
import { datasetFingerprint, PoolRunner, type PoolRunnerOptions } from './workers/pool-runner.js';

export interface RegressorOptions extends Partial<SearchOptions> {
  /** worker threads; 0 runs the islands in this thread (default: one per core) */
  workers?: number;
  /** run islands elsewhere (overrides workers) */
  runner?: IslandRunner;
  /** checkpoint file written after every cycle */
  checkpoint?: string;
  /** continue from `checkpoint` */
  resume?: boolean;
  onProgress?: (p: SearchProgress) => void;
  onEvent?: PoolRunnerOptions['onEvent'];
  signal?: AbortSignal;
}

export interface Equation {
  complexity: number;
  loss: number;
  r2: number;
  expression: string;
  latex: string;
  tree: Node;
}

export interface FitInput {
  weights?: ArrayLike<number>;
  featureNames?: string[];
}

/** Rows (row-major) to a validated dataset; errors name the row and column. */
export function datasetFromRows(X: readonly (readonly number[])[], y: ArrayLike<number>, input: FitInput = {}, what = 'X'): Dataset & { featureNames: string[] } {
  const nRows = X.length;
  if (nRows === 0) throw new EnergyLensError('EMPTY_DATA', `${what} has no rows`);
  if (y.length !== nRows) throw new EnergyLensError('LENGTH_MISMATCH', `${what} has ${nRows} rows but y has ${y.length} values`);
  const nFeatures = X[0].length;
  const featureNames = input.featureNames ?? Array.from({ length: nFeatures }, (_, i) => `x${i}`);
  if (featureNames.length !== nFeatures) throw new EnergyLensError('LENGTH_MISMATCH', `${featureNames.length} feature names for ${nFeatures} columns`);
  checkFeatureNames(featureNames);
  const Xf = new Float64Array(nFeatures * nRows);
  for (let r = 0; r < nRows; r++) {
    const row = X[r];
    if (row.length !== nFeatures) throw new EnergyLensError('LENGTH_MISMATCH', `${what} row ${r} has ${row.length} values; row 0 has ${nFeatures}`);
    for (let f = 0; f < nFeatures; f++) {
      const v = row[f];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new EnergyLensError('NON_FINITE_DATA', `${what} row ${r}, column ${featureNames[f]}: ${String(v)} is not a finite number`);
      Xf[f * nRows + r] = v;
    }
  }
  const yf = Float64Array.from(y);
  yf.forEach((v, r) => { if (!Number.isFinite(v)) throw new EnergyLensError('NON_FINITE_DATA', `y row ${r}: ${v} is not a finite number`); });
  let weights: Float64Array | undefined;
  if (input.weights) {
    if (input.weights.length !== nRows) throw new EnergyLensError('LENGTH_MISMATCH', `weights has ${input.weights.length} values for ${nRows} rows`);
    weights = Float64Array.from(input.weights);
  }
  return { X: Xf, y: yf, nFeatures, nRows, weights, featureNames };
}

function r2Of(pred: Float64Array, y: Float64Array): number {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < y.length; i++) { sse += (pred[i] - y[i]) ** 2; sst += (y[i] - mean) ** 2; }
  if (!Number.isFinite(sse)) return -Infinity;
  return sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst;
}

export class SymbolicRegressor {
  private readonly options: RegressorOptions;
  private front: Equation[] = [];
  private featureNames: string[] = [];
  private bestIndex = -1;
  /** the last search's result (counters, stop reason) */
  result: SearchResult | undefined;

  constructor(options: RegressorOptions = {}) {
    this.options = options;
    const { workers, runner, checkpoint, resume, onProgress, onEvent, signal, ...search } = options;
    void runner; void onProgress; void onEvent; void signal;
    resolveOptions(search); // fail early on bad options
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) throw new EnergyLensError('INVALID_OPTION', `workers must be a non-negative integer, got ${workers}`);
    if (resume && !checkpoint) throw new EnergyLensError('INVALID_OPTION', 'resume needs a checkpoint file');
  }

  private searchOptions(): Partial<SearchOptions> {
    const { workers, runner, checkpoint, resume, onProgress, onEvent, signal, ...search } = this.options;
    void workers; void runner; void checkpoint; void resume; void onProgress; void onEvent; void signal;
    return search;
  }

  async fit(X: readonly (readonly number[])[], y: ArrayLike<number>, input: FitInput = {}): Promise<this> {
    const data = datasetFromRows(X, y, input);
    if (data.nRows < 2) throw new EnergyLensError('INVALID_DATA', `need at least 2 rows, got ${data.nRows}`);
    if (data.y.every((v) => v === data.y[0])) throw new EnergyLensError('INVALID_DATA', `the target is constant (${data.y[0]}): nothing to learn`);
    this.featureNames = data.featureNames;
    const options = resolveOptions(this.searchOptions());
    const fingerprint = datasetFingerprint(data);
    const o = this.options;
    const runner = o.runner ?? (o.workers === 0 ? undefined : new PoolRunner({ workers: o.workers, onEvent: o.onEvent }));
    const resume = o.resume && o.checkpoint ? loadCheckpoint(o.checkpoint, { dataset: fingerprint, options }).state : undefined;
    try {
      this.result = await equationSearch(data, options, {
        runner,
        signal: o.signal,
        resume,
        onProgress: o.onProgress,
        onCycle: o.checkpoint ? (state) => saveCheckpoint(o.checkpoint!, { dataset: fingerprint, featureNames: this.featureNames, options, state }) : undefined,
      });
    } finally {
      if (runner && !o.runner) await runner.close();
    }
    this.front = this.present(this.result.front.map((m) => m.tree), data, options);
    const best = selectModel(this.front);
    this.bestIndex = best ? this.front.indexOf(best) : -1;
    return this;
  }

  /** Simplifies the front members (mathjs), scores them, keeps the Pareto front. */
  private present(trees: Node[], data: Dataset, options: SearchOptions): Equation[] {
    const ev = createWasmEvaluator();
    ev.setDataset(data);
    const candidates: Equation[] = [];
    for (const raw of trees) {
      for (const tree of [raw, simplifyTree(raw)]) {
        const program = compile(tree);
        const loss = ev.losses([program], options.loss)[0];
        if (!Number.isFinite(loss)) continue;
        candidates.push({ tree, loss, complexity: complexity(tree, options), r2: r2Of(ev.predict(program), data.y), expression: toInfix(tree, this.featureNames), latex: toLatex(tree, this.featureNames) });
      }
    }
    candidates.sort((a, b) => a.complexity - b.complexity || a.loss - b.loss);
    const front: Equation[] = [];
    for (const c of candidates) if (front.length === 0 || c.loss < front[front.length - 1].loss) front.push(c);
    ev.dispose();
    return front;
  }

  equations(): Equation[] {
    return this.front.slice();
  }

  best(): Equation | undefined {
    return this.bestIndex >= 0 ? this.front[this.bestIndex] : undefined;
  }

  /** Predictions of the best equation (or the front member of the given complexity). */
  predict(X: readonly (readonly number[])[], complexityOf?: number): Float64Array {
    const eq = complexityOf === undefined ? this.best() : this.front.find((e) => e.complexity === complexityOf);
    if (!eq) throw new EnergyLensError('INVALID_OPTION', complexityOf === undefined ? 'the model is not fitted' : `no equation of complexity ${complexityOf}`);
    const data = datasetFromRows(X, new Float64Array(X.length), { featureNames: this.featureNames });
    const ev = createWasmEvaluator();
    ev.setDataset(data);
    const out = ev.predict(compile(eq.tree));
    ev.dispose();
    return out;
  }

  toJSON(): { format: string; version: number; featureNames: string[]; best: number; front: Omit<Equation, 'tree'>[] } {
    return {
      format: 'energylens-symbolic-regressor', version: 1, featureNames: this.featureNames, best: this.bestIndex,
      front: this.front.map(({ tree, ...rest }) => { void tree; return rest; }),
    };
  }

  static fromJSON(json: ReturnType<SymbolicRegressor['toJSON']>): SymbolicRegressor {
    if (json?.format !== 'energylens-symbolic-regressor' || json.version !== 1) {
      throw new EnergyLensError('INVALID_MODEL_FILE', 'not a version 1 energylens symbolic regressor');
    }
    const m = new SymbolicRegressor({ workers: 0 });
    m.featureNames = json.featureNames;
    m.front = json.front.map((e) => ({ ...e, tree: parseExpression(e.expression, json.featureNames) }));
    m.bestIndex = json.best;
    return m;
  }
}
