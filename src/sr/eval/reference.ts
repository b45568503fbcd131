/**
 * The reference evaluator: plain TypeScript, one row at a time, straight from the operator table. It defines
 * what the WASM kernel must compute (the conformance suite checks the kernel against it). Slow by design.
 */
import { SrError } from '../errors.js';
import type { Program } from '../expression/compile.js';
import { OP_CONST, OP_FEATURE, operatorByOpcode, type Operator } from '../expression/operators.js';
import { validateDataset } from './dataset.js';
import { scalingCoefficients } from './linear-scaling.js';
import * as M from './mathlib.js';
import type { Dataset, Evaluator, JacobianResult, KernelLoss } from './types.js';
import { validateProgram } from './validate-program.js';

const LOSSES: readonly KernelLoss[] = ['mse', 'mae', 'mape', 'msle', 'mse-scaled'];

export class ReferenceEvaluator implements Evaluator {
  readonly name = 'reference';
  private data: Dataset | undefined;
  private logY = new Float64Array(0);
  private invAbsY = new Float64Array(0);

  setDataset(data: Dataset): void {
    validateDataset(data);
    this.data = data;
    this.logY = data.y.map((v) => M.log(v));
    this.invAbsY = data.y.map((v) => 1 / Math.abs(v));
  }

  private require(): Dataset {
    if (!this.data) throw new SrError('INVALID_DATA', 'no dataset: call setDataset(data) before evaluating');
    return this.data;
  }

  /** Value of a program on one row; `finite` false when any intermediate value is not finite. */
  private row(program: Program, r: number): { value: number; finite: boolean } {
    const { X, nRows } = this.require();
    const stack: number[] = [];
    let finite = true;
    for (let i = 0; i < program.length; i++) {
      const opc = program.code[2 * i];
      const arg = program.code[2 * i + 1];
      let v: number;
      if (opc === OP_CONST) v = program.consts[arg];
      else if (opc === OP_FEATURE) v = X[arg * nRows + r];
      else {
        const op = operatorByOpcode(opc) as Operator;
        if (op.arity === 1) v = op.ref(stack.pop() as number);
        else {
          const b = stack.pop() as number;
          const a = stack.pop() as number;
          v = op.ref(a, b);
        }
      }
      if (!Number.isFinite(v)) finite = false;
      stack.push(v);
    }
    return { value: stack[0], finite };
  }

  losses(programs: readonly Program[], loss: KernelLoss): Float64Array {
    const data = this.require();
    if (!LOSSES.includes(loss)) throw new SrError('INVALID_OPTION', `unknown loss "${String(loss)}"; expected one of ${LOSSES.join(', ')}`);
    if (loss === 'msle' && !data.y.every((v) => v > 0)) throw new SrError('INVALID_DATA', 'loss "msle" needs every target value > 0');
    if (loss === 'mape' && !data.y.every((v) => v !== 0)) throw new SrError('INVALID_DATA', 'loss "mape" needs every target value non-zero');
    programs.forEach((p, i) => validateProgram(p, data.nFeatures, i));
    const out = new Float64Array(programs.length);
    let sumW = 0;
    for (let r = 0; r < data.nRows; r++) sumW += data.weights ? data.weights[r] : 1;
    programs.forEach((p, i) => {
      if (loss === 'mse-scaled') { out[i] = this.scaledLoss(p, sumW); return; }
      let sum = 0;
      for (let r = 0; r < data.nRows; r++) {
        const { value, finite } = this.row(p, r);
        if (!finite) { sum = Infinity; break; }
        const d = value - data.y[r];
        let t: number;
        if (loss === 'mse') t = d * d;
        else if (loss === 'mae') t = Math.abs(d);
        else if (loss === 'mape') t = Math.abs(d) * this.invAbsY[r];
        else { const l = M.log(value) - this.logY[r]; t = l * l; }
        if (data.weights) t *= data.weights[r];
        sum += t;
      }
      const l = sum / sumW;
      out[i] = Number.isFinite(l) ? l : Infinity;
    });
    return out;
  }

  /** The mse of the best a * p + b (the kernel merges centred block sums; this is the plain two-pass form). */
  private scaledLoss(p: Program, sumW: number): number {
    const data = this.require();
    const pred = new Float64Array(data.nRows);
    for (let r = 0; r < data.nRows; r++) {
      const { value, finite } = this.row(p, r);
      if (!finite) return Infinity;
      pred[r] = value;
    }
    const { a, b } = scalingCoefficients(pred, data);
    let sum = 0;
    for (let r = 0; r < data.nRows; r++) sum += (data.weights ? data.weights[r] : 1) * (a * pred[r] + b - data.y[r]) ** 2;
    const l = sum / sumW;
    return Number.isFinite(l) ? l : Infinity;
  }

  predict(program: Program): Float64Array {
    const data = this.require();
    validateProgram(program, data.nFeatures, 0);
    const out = new Float64Array(data.nRows);
    for (let r = 0; r < data.nRows; r++) out[r] = this.row(program, r).value;
    return out;
  }

  jacobian(program: Program): JacobianResult {
    const data = this.require();
    validateProgram(program, data.nFeatures, 0);
    const { X, nRows } = data;
    const nC = program.consts.length;
    const predictions = new Float64Array(nRows);
    const jac = new Float64Array(nC * nRows);
    let finite = true;
    for (let r = 0; r < nRows; r++) {
      const vals: number[] = [];
      const tans: Float64Array[] = [];
      // the constant index range [lo, hi) of each stack entry (assembly/jacobian-scalar.ts): tangents outside it are
      // exactly 0 and never computed
      const ranges: [number, number][] = [];
      for (let i = 0; i < program.length; i++) {
        const opc = program.code[2 * i];
        const arg = program.code[2 * i + 1];
        if (opc === OP_CONST || opc === OP_FEATURE) {
          vals.push(opc === OP_CONST ? program.consts[arg] : X[arg * nRows + r]);
          const t = new Float64Array(nC);
          if (opc === OP_CONST) t[arg] = 1;
          tans.push(t);
          ranges.push(opc === OP_CONST ? [arg, arg + 1] : [0, 0]);
          continue;
        }
        const op = operatorByOpcode(opc) as Operator;
        if (op.arity === 1) {
          const a = vals.pop() as number;
          const ta = tans[tans.length - 1];
          const v = op.ref(a);
          const g = unaryFactor(op.name, a, v);
          const [lo, hi] = ranges[ranges.length - 1];
          for (let k = lo; k < hi; k++) ta[k] = ta[k] === 0 ? 0 : ta[k] * g; // 0 x Infinity (sqrt, log, inv at 0) is 0
          vals.push(v);
        } else {
          const b = vals.pop() as number;
          const a = vals.pop() as number;
          const tb = tans.pop() as Float64Array;
          const ta = tans[tans.length - 1];
          const v = op.ref(a, b);
          const rb = ranges.pop() as [number, number];
          const ra = ranges[ranges.length - 1];
          const [lo, hi] = ra[0] >= ra[1] ? rb : rb[0] >= rb[1] ? ra : [Math.min(ra[0], rb[0]), Math.max(ra[1], rb[1])];
          ranges[ranges.length - 1] = [lo, hi];
          for (let k = lo; k < hi; k++) ta[k] = binaryTangent(op.name, a, b, v, ta[k], tb[k]);
          vals.push(v);
        }
      }
      predictions[r] = vals[0];
      if (!Number.isFinite(vals[0])) finite = false;
      for (let k = 0; k < nC; k++) {
        jac[k * nRows + r] = tans[0][k];
        if (!Number.isFinite(tans[0][k])) finite = false;
      }
    }
    return { predictions, jac, finite };
  }

  dispose(): void {
    this.data = undefined;
  }
}

/** d op(a) / d a, given a and v = op(a): the rules of assembly/jacobian.ts. */
function unaryFactor(name: string, a: number, v: number): number {
  switch (name) {
    case 'neg': return -1;
    case 'square': return 2 * a;
    case 'cube': return 3 * (a * a);
    case 'sqrt': return 0.5 / v;
    case 'cbrt': return 1 / (3 * (v * v));
    case 'exp': return v;
    case 'log': return 1 / a;
    case 'abs': return a > 0 ? 1 : a < 0 ? -1 : 0;
    case 'inv': return -(v * v);
    case 'sin': return M.cos(a);
    case 'cos': return -M.sin(a);
    case 'tanh': return 1 - v * v;
    case 'asin': return 1 / Math.sqrt((1 - a) * (1 + a));
    case 'acos': return -(1 / Math.sqrt((1 - a) * (1 + a)));
    default: return NaN;
  }
}

function binaryTangent(name: string, a: number, b: number, v: number, ta: number, tb: number): number {
  switch (name) {
    case '+': return ta + tb;
    case '-': return ta - tb;
    case '*': return ta * b + a * tb;
    case '/': return (ta - v * tb) / b;
    case '^': {
      let t = 0;
      if (ta !== 0) t += ta * (b * M.pow(a, b - 1));
      if (tb !== 0 && v !== 0) t += tb * (v * M.log(a)); // d/db a^b is 0 where a^b is 0
      return t;
    }
    case 'min': return a <= b ? ta : tb;
    case 'max': return a >= b ? ta : tb;
    default: return NaN;
  }
}
