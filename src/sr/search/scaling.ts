/**
 * Linear scaling (Keijzer 2003; Operon scores every candidate this way): with `options.linearScaling` a member f
 * is scored by the mse of the best a * f + b, found in closed form by the kernel ('mse-scaled'), so the search
 * looks for the shape of the law and never spends mutations on its scale and offset. What leaves the island (hall
 * of fame, result) is the scaled expression itself, a * f + b with the fitted a and b, dropping a or b where the
 * loss holds without it, so every expression the search shows is one that predicts y.
 */
import { compile, type Program } from '../expression/compile.js';
import { constant, op, type Node } from '../expression/node.js';
import { OP_CONST, operatorByName } from '../expression/operators.js';
import { scalingCoefficients } from '../eval/linear-scaling.js';
import type { Dataset, Evaluator } from '../eval/types.js';
import { fitConstants, type FitConstantsOptions } from './constants.js';

const OP_TIMES = operatorByName('*')!.opcode;
const OP_PLUS = operatorByName('+')!.opcode;

/** Predictions of `program` in an array kept per evaluator (read them before the next call), or a new one. */
const predictionBuffers = new WeakMap<Evaluator, Float64Array>();
function predictions(evaluator: Evaluator, program: Program, nRows: number): Float64Array {
  if (!evaluator.predictInto) return evaluator.predict(program);
  let buffer = predictionBuffers.get(evaluator);
  if (!buffer || buffer.length !== nRows) {
    buffer = new Float64Array(nRows);
    predictionBuffers.set(evaluator, buffer);
  }
  evaluator.predictInto(program, buffer);
  return buffer;
}

function allFinite(p: Float64Array): boolean {
  for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i])) return false;
  return true;
}

/**
 * The program of a * f + b made from f's program, without compiling a tree: `a` and `b` may be null (f, a * f,
 * f + b). Constants stay in postfix order: a, then f's own, then b.
 */
export function scaledProgram(f: Program, a: number | null, b: number | null): Program {
  const shift = a === null ? 0 : 1;
  const code: number[] = [];
  const consts: number[] = [];
  if (a !== null) { code.push(OP_CONST, 0); consts.push(a); }
  for (let i = 0; i < f.length; i++) {
    const opcode = f.code[2 * i];
    code.push(opcode, opcode === OP_CONST ? f.code[2 * i + 1] + shift : f.code[2 * i + 1]);
  }
  consts.push(...f.consts);
  if (a !== null) code.push(OP_TIMES, 0);
  if (b !== null) { code.push(OP_CONST, consts.length, OP_PLUS, 0); consts.push(b); }
  const maxStack = Math.max(f.maxStack + shift, b === null ? 0 : 2);
  return { code: Int32Array.from(code), consts: Float64Array.from(consts), length: code.length / 2, maxStack, nFeaturesUsed: f.nFeaturesUsed };
}

/**
 * The expression a * f + b that the scaled loss of `f` scores, in its simplest form whose mse stays within 1e-6
 * relative of the full form's (or under `floor`): f, a * f, f + b or a * f + b. Returns it with its program and
 * mse, or null when f does not evaluate. `program` is f compiled (a member carries it; compiled here if absent).
 */
export function scaledExpression(f: Node, evaluator: Evaluator, data: Pick<Dataset, 'y' | 'weights'>, floor: number, program: Program = compile(f)): { tree: Node; program: Program; loss: number } | null {
  const p = predictions(evaluator, program, data.y.length);
  if (!allFinite(p)) return null;
  const { a, b } = scalingCoefficients(p, data);
  const shapes: [number | null, number | null][] = [[null, null], [a, null], [null, b], [a, b]];
  const programs = shapes.map(([sa, sb]) => scaledProgram(program, sa, sb));
  const losses = evaluator.losses(programs, 'mse');
  const limit = Math.max(losses[3] * (1 + 1e-6), floor);
  let k = losses.findIndex((l) => l <= limit);
  if (k < 0) { if (!Number.isFinite(losses[3])) return null; k = 3; }
  const [sa, sb] = shapes[k];
  const times = sa === null ? f : op('*', constant(sa), f);
  return { tree: sb === null ? times : op('+', times, constant(sb)), program: programs[k], loss: losses[k] };
}

/**
 * Levenberg-Marquardt on the constants of f under linear scaling: the constants of a * f + b, started from the
 * closed-form a and b, fitted together (mse). Returns f's own constants and the mse of the scaled fit, which
 * bounds f's scaled loss from above.
 */
export function fitScaledConstants(f: Program, evaluator: Evaluator, data: Dataset, fit: Omit<FitConstantsOptions, 'loss' | 'initial' | 'lower' | 'upper'> & { lower?: readonly number[]; upper?: readonly number[] }): { constants: Float64Array; loss: number; evaluations: number } {
  const p = predictions(evaluator, f, data.y.length);
  const { a, b } = allFinite(p) ? scalingCoefficients(p, data) : { a: 1, b: 0 };
  const wrapped = scaledProgram(f, a, b);
  const open = (bound: readonly number[] | undefined, side: number): number[] | undefined => (bound ? [side, ...bound, side] : undefined);
  const result = fitConstants(wrapped, evaluator, data, { ...fit, loss: 'mse', lower: open(fit.lower, -Infinity), upper: open(fit.upper, Infinity) });
  // postfix order of a * f + b: a, f's constants, b
  const constants = result.constants.slice(1, result.constants.length - 1);
  return { constants, loss: result.loss, evaluations: result.evaluations + 1 };
}


/**
 * f without the scale and offset linear scaling fits anyway: while f is c + g, g + c, c - g, g - c, c * g, g * c,
 * g / c or -g (c a constant, g not), f becomes g. The scaled loss of g is never above f's (a * (alpha g + beta) + b
 * spans the same lines as a * g + b, and more when alpha is 0), its complexity is lower, and the constants it drops
 * are the ones Levenberg-Marquardt cannot tell from a and b: left in, they drift into huge cancelling pairs
 * (`520906.02 - 0.00137 * (... + 381269805.5)`) and equivalent forms of one law never merge.
 */
export function withoutScaleAndOffset(f: Node): Node {
  let g = f;
  for (;;) {
    if (g.kind !== 'op') return g;
    if (g.op === 'neg') { g = g.children[0]; continue; }
    if (g.children.length !== 2) return g;
    const [l, r] = g.children;
    const lc = l.kind === 'const';
    const rc = r.kind === 'const';
    if (lc === rc) return g;
    if (g.op === '+' || g.op === '-' || g.op === '*' || (g.op === '/' && rc)) g = lc ? r : l;
    else return g;
  }
}
