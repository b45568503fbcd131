/**
 * The operator table: the one place that says what each operator is.
 *
 * Semantics (shared by the WASM kernel, its scalar path and the reference evaluator):
 * - Plain IEEE-754 double arithmetic. Nothing is "protected" by clamping: `log` or `sqrt` of a negative
 *   number is NaN, `asin` or `acos` beyond [-1, 1] is NaN, `log(0)` is -Infinity, `x / 0` is ±Infinity (NaN for 0/0), `pow` of a negative base to a
 *   non-integer exponent is NaN.
 * - When scoring (losses), any non-finite intermediate value on any row ends that program's evaluation and
 *   its loss is +Infinity. Predictions (`predict`) return the raw IEEE values.
 * - The transcendental functions are the project's own (src/sr/eval/mathlib.ts, mirrored in
 *   assembly/mathlib.ts): within 1e-15 relative of the platform's Math.* functions (tested), and bit-identical
 *   between the kernel and the reference evaluator.
 *
 * Opcodes mirror assembly/opcodes.ts.
 */
import * as M from '../eval/mathlib.js';

export type UnaryOperatorName =
  | 'neg' | 'square' | 'cube' | 'sqrt' | 'cbrt' | 'exp' | 'log' | 'abs' | 'inv' | 'sin' | 'cos' | 'tanh' | 'asin'
  | 'acos';
export type BinaryOperatorName = '+' | '-' | '*' | '/' | '^' | 'min' | 'max';
export type OperatorName = UnaryOperatorName | BinaryOperatorName;

/** How an operator is written in the infix syntax (parsed by mathjs and by SymPy's sympify). */
export type InfixStyle =
  | { kind: 'binary'; symbol: string; precedence: number; rightAssoc: boolean }
  | { kind: 'function'; name: string }
  | { kind: 'prefix'; symbol: string }
  | { kind: 'postfixPower'; exponent: number }
  | { kind: 'reciprocal' };

interface OperatorBase {
  readonly name: OperatorName;
  readonly opcode: number;
  /** default complexity (search options may override it per operator) */
  readonly complexity: number;
  readonly infix: InfixStyle;
  /** LaTeX template: `#0`, `#1` are the children's LaTeX */
  readonly latex: string;
  readonly description: string;
}
export interface UnaryOperator extends OperatorBase {
  readonly arity: 1;
  readonly name: UnaryOperatorName;
  readonly ref: (a: number) => number;
}
export interface BinaryOperator extends OperatorBase {
  readonly arity: 2;
  readonly name: BinaryOperatorName;
  readonly ref: (a: number, b: number) => number;
}
export type Operator = UnaryOperator | BinaryOperator;

export const OP_CONST = 0;
export const OP_FEATURE = 1;
export const OPCODE_COUNT = 23;

const bin = (
  name: BinaryOperatorName, opcode: number, complexity: number, infix: InfixStyle, latex: string,
  ref: (a: number, b: number) => number, description: string,
): BinaryOperator => ({ name, opcode, arity: 2, complexity, infix, latex, ref, description });
const un = (
  name: UnaryOperatorName, opcode: number, complexity: number, infix: InfixStyle, latex: string,
  ref: (a: number) => number, description: string,
): UnaryOperator => ({ name, opcode, arity: 1, complexity, infix, latex, ref, description });
const fn = (name: string): InfixStyle => ({ kind: 'function', name });

export const OPERATORS: readonly Operator[] = [
  bin('+', 2, 1, { kind: 'binary', symbol: '+', precedence: 1, rightAssoc: false }, '#0 + #1', (a, b) => a + b, 'addition'),
  bin('-', 3, 1, { kind: 'binary', symbol: '-', precedence: 1, rightAssoc: false }, '#0 - #1', (a, b) => a - b, 'subtraction'),
  bin('*', 4, 1, { kind: 'binary', symbol: '*', precedence: 2, rightAssoc: false }, '#0 \\cdot #1', (a, b) => a * b, 'multiplication'),
  bin('/', 5, 1, { kind: 'binary', symbol: '/', precedence: 2, rightAssoc: false }, '\\frac{#0}{#1}', (a, b) => a / b, 'division (x/0 is ±Infinity, 0/0 NaN)'),
  bin('^', 6, 2, { kind: 'binary', symbol: '^', precedence: 4, rightAssoc: true }, '{#0}^{#1}', M.pow, 'power (negative base with non-integer exponent: NaN)'),
  bin('min', 7, 1, fn('min'), '\\min\\left(#0, #1\\right)', M.min, 'minimum (NaN if either is NaN)'),
  bin('max', 8, 1, fn('max'), '\\max\\left(#0, #1\\right)', M.max, 'maximum (NaN if either is NaN)'),
  un('neg', 9, 1, { kind: 'prefix', symbol: '-' }, '-#0', (a) => -a, 'negation'),
  un('square', 10, 1, { kind: 'postfixPower', exponent: 2 }, '{#0}^{2}', (a) => a * a, 'square'),
  un('cube', 11, 1, { kind: 'postfixPower', exponent: 3 }, '{#0}^{3}', (a) => a * a * a, 'cube'),
  un('sqrt', 12, 2, fn('sqrt'), '\\sqrt{#0}', Math.sqrt, 'square root (negative: NaN)'),
  un('cbrt', 13, 2, fn('cbrt'), '\\sqrt[3]{#0}', M.cbrt, 'cube root (defined for negatives)'),
  un('exp', 14, 2, fn('exp'), 'e^{#0}', M.exp, 'exponential'),
  un('log', 15, 2, fn('log'), '\\ln\\left(#0\\right)', M.log, 'natural logarithm (negative: NaN, 0: -Infinity)'),
  un('abs', 16, 1, fn('abs'), '\\left|#0\\right|', Math.abs, 'absolute value'),
  un('inv', 17, 1, { kind: 'reciprocal' }, '\\frac{1}{#0}', (a) => 1 / a, 'reciprocal (1/0 is Infinity)'),
  un('sin', 18, 2, fn('sin'), '\\sin\\left(#0\\right)', M.sin, 'sine'),
  un('cos', 19, 2, fn('cos'), '\\cos\\left(#0\\right)', M.cos, 'cosine'),
  un('tanh', 20, 2, fn('tanh'), '\\tanh\\left(#0\\right)', M.tanh, 'hyperbolic tangent'),
  un('asin', 21, 2, fn('asin'), '\\arcsin\\left(#0\\right)', M.asin, 'inverse sine, in [-pi/2, pi/2] (|x| > 1: NaN)'),
  un('acos', 22, 2, fn('acos'), '\\arccos\\left(#0\\right)', M.acos, 'inverse cosine, in [0, pi] (|x| > 1: NaN)'),
];

const BY_NAME = new Map<string, Operator>(OPERATORS.map((op) => [op.name, op]));
const BY_OPCODE: (Operator | undefined)[] = [];
for (const op of OPERATORS) BY_OPCODE[op.opcode] = op;

/** Aliases accepted in operator lists (`--operators`) and by the parser's function syntax. */
const ALIASES: Record<string, OperatorName> = {
  add: '+', plus: '+', sub: '-', minus: '-', mul: '*', mult: '*', times: '*', div: '/', divide: '/',
  pow: '^', power: '^', ln: 'log', arcsin: 'asin', arccos: 'acos',
};

export function operatorByName(name: string): Operator | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(ALIASES[name] ?? '');
}
export function operatorByOpcode(opcode: number): Operator | undefined {
  return BY_OPCODE[opcode];
}
export function isUnary(op: Operator): op is UnaryOperator {
  return op.arity === 1;
}
