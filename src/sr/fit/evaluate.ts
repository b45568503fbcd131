/**
 * Evaluating a parametric model (parametric.ts) on rows of several kinds: one kernel evaluator per kind holds
 * that kind's rows (feature-major, as the kernel reads them), and derivatives with respect to the constants are
 * summed into derivatives with respect to the parameters.
 */
import { SrError } from '../errors.js';
import { createWasmEvaluator } from '../eval/wasm-kernel.js';
import type { Evaluator } from '../eval/types.js';
import { programWith, type ParametricKind, type ParametricModel } from './parametric.js';

/** The rows of one kind: X feature-major (X[f * nRows + r], features in the model's order). */
export interface KindRows {
  X: Float64Array;
  nRows: number;
  /** measured targets (needed to fit, not to predict) */
  y?: Float64Array;
  /** row weights (default 1) */
  weights?: Float64Array;
  /** the group (e.g. record) of each row: cross-validation keeps a group's rows of every kind together */
  groups?: Int32Array;
}

export type ParametricData = Readonly<Record<string, KindRows>>;

export interface ParameterJacobian {
  predictions: Float64Array;
  /** d prediction / d parameter, parameter-major: jac[k * nRows + r], every parameter of the model */
  jac: Float64Array;
  finite: boolean;
}

export interface ParametricEvaluatorOptions {
  /** makes one evaluator per kind (default: the WASM SIMD kernel) */
  createEvaluator?: () => Evaluator;
}

export class ParametricEvaluator {
  private readonly evaluators = new Map<string, Evaluator>();
  /** the kinds with rows, in the model's order */
  readonly kinds: ParametricKind[];
  readonly rows: ReadonlyMap<string, KindRows>;

  constructor(readonly model: ParametricModel, data: ParametricData, options: ParametricEvaluatorOptions = {}) {
    const nF = model.features.length;
    for (const name of Object.keys(data)) {
      if (!model.kinds.some((k) => k.name === name)) throw new SrError('INVALID_DATA', `rows of kind "${name}" but no expression for it (kinds: ${model.kinds.map((k) => k.name).join(', ')})`);
    }
    this.kinds = model.kinds.filter((k) => data[k.name] && data[k.name].nRows > 0);
    this.rows = new Map(this.kinds.map((k) => [k.name, data[k.name]]));
    const make = options.createEvaluator ?? (() => createWasmEvaluator());
    try {
      for (const kind of this.kinds) {
        const rows = data[kind.name];
        if (rows.X.length !== nF * rows.nRows) throw new SrError('LENGTH_MISMATCH', `rows of kind "${kind.name}": X has ${rows.X.length} values; expected ${nF} features x ${rows.nRows} rows`);
        const ev = make();
        this.evaluators.set(kind.name, ev);
        ev.setDataset({ X: rows.X, nFeatures: nF, nRows: rows.nRows, y: rows.y ?? new Float64Array(rows.nRows).fill(1), ...(rows.weights ? { weights: rows.weights } : {}) });
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  private evaluator(kind: string): Evaluator {
    const ev = this.evaluators.get(kind);
    if (!ev) throw new SrError('INVALID_DATA', `no rows of kind "${kind}"`);
    return ev;
  }

  predict(kind: ParametricKind, values: ArrayLike<number>): Float64Array {
    return this.evaluator(kind.name).predict(programWith(kind, values));
  }

  jacobian(kind: ParametricKind, values: ArrayLike<number>): ParameterJacobian {
    const j = this.evaluator(kind.name).jacobian(programWith(kind, values));
    const n = j.predictions.length;
    const jac = new Float64Array(this.model.parameters.length * n);
    kind.occurrences.forEach((k, c) => {
      if (k < 0) return;
      for (let r = 0; r < n; r++) jac[k * n + r] += j.jac[c * n + r];
    });
    return { predictions: j.predictions, jac, finite: j.finite };
  }

  /**
   * Derivatives with respect to the kind's program constants (constant-major, jac[c * nRows + r]), as the kernel
   * gives them: kind.occurrences says which parameter each constant is. Saves jacobian()'s parameter-major copy.
   */
  constantJacobian(kind: ParametricKind, values: ArrayLike<number>): ParameterJacobian {
    return this.evaluator(kind.name).jacobian(programWith(kind, values));
  }

  dispose(): void {
    for (const ev of this.evaluators.values()) ev.dispose();
    this.evaluators.clear();
  }
}
