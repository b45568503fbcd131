/**
 * Plain-JavaScript evaluators: the baselines the benchmark measures the WASM kernel against. They compute the
 * same values as the reference evaluator (the operator table's `ref` functions, or the same IEEE operation for
 * + - * / neg square cube inv), but keep no non-finite bookkeeping: they only predict.
 *
 * - `compileGenerated`: one JavaScript function per program, a row loop around the expression as straight-line
 *   code over the feature-major columns (`new Function`). The fastest plain JavaScript measured here.
 * - `compileColumnClosures`: one closure per instruction, each filling a whole column of rows with a tight loop.
 *   No code generation, but 3-6x slower than generated code once V8 has warmed up (figures in the report of
 *   issue 2 and in the README).
 * - `evalTreeNaive`: a recursive tree walker, one row and one call per node.
 */
import { SrError } from '../errors.js';
import type { Program } from '../expression/compile.js';
import type { Node } from '../expression/node.js';
import { OP_CONST, OP_FEATURE, operatorByName, operatorByOpcode, type Operator } from '../expression/operators.js';

/** Predictions of one program for every row of a feature-major X (`X[f * nRows + r]`), written to `out`. */
export type ColumnEvaluator = (X: Float64Array, nRows: number, out?: Float64Array) => Float64Array;

function opAt(program: Program, i: number): Operator {
  const opc = program.code[2 * i];
  const op = operatorByOpcode(opc);
  if (!op) throw new SrError('UNKNOWN_OPERATOR', `unknown opcode ${opc} at instruction ${i}`);
  return op;
}

function checkShape(program: Program, X: Float64Array, nRows: number): void {
  if (X.length < program.nFeaturesUsed * nRows) {
    throw new SrError('LENGTH_MISMATCH', `X has ${X.length} values; the program needs ${program.nFeaturesUsed} features x ${nRows} rows`);
  }
}

/** Arithmetic written inline (the same IEEE operation as the table's `ref`); everything else calls `ref`. */
const INLINE: Record<string, (a: string, b: string) => string> = {
  '+': (a, b) => `${a} + ${b}`,
  '-': (a, b) => `${a} - ${b}`,
  '*': (a, b) => `${a} * ${b}`,
  '/': (a, b) => `${a} / ${b}`,
  neg: (a) => `-${a}`,
  square: (a) => `${a} * ${a}`,
  cube: (a) => `${a} * ${a} * ${a}`,
  inv: (a) => `1 / ${a}`,
};

/**
 * Generated code: the program becomes `function (X, nRows, out) { for (r...) { const t0 = ...; out[r] = tK } }`.
 * Constants are read from `program.consts` at each call (before the row loop), so refitting them in place needs
 * no recompilation. Only opcodes, indices and temporaries reach the generated text, never data.
 */
export function compileGenerated(program: Program): ColumnEvaluator {
  const refs: Operator['ref'][] = [];
  const refIndex = new Map<string, number>();
  const prologue: string[] = [];
  const body: string[] = [];
  const features = new Set<number>();
  const stack: string[] = [];
  for (let i = 0; i < program.length; i++) {
    const opc = program.code[2 * i];
    const arg = program.code[2 * i + 1];
    if (opc === OP_CONST) { stack.push(`c${arg}`); continue; }
    if (opc === OP_FEATURE) { features.add(arg); stack.push(`X[o${arg} + r]`); continue; }
    const op = opAt(program, i);
    const args = stack.splice(stack.length - op.arity, op.arity);
    let expr: string;
    const inline = INLINE[op.name];
    if (inline) expr = inline(args[0], args[1]);
    else {
      let k = refIndex.get(op.name);
      if (k === undefined) { k = refs.length; refs.push(op.ref); refIndex.set(op.name, k); }
      expr = `f${k}(${args.join(', ')})`;
    }
    body.push(`const t${i} = ${expr};`);
    stack.push(`t${i}`);
  }
  for (let c = 0; c < program.consts.length; c++) prologue.push(`const c${c} = consts[${c}];`);
  for (const f of features) prologue.push(`const o${f} = ${f} * nRows;`);
  const source = `return function generated(X, nRows, out) {
    ${prologue.join('\n    ')}
    for (let r = 0; r < nRows; r++) { ${body.join(' ')} out[r] = ${stack[0]}; }
    return out;
  };`;
  const make = new Function('consts', ...refs.map((_, k) => `f${k}`), source) as (...a: unknown[]) => (X: Float64Array, n: number, out: Float64Array) => Float64Array;
  const run = make(program.consts, ...refs);
  return (X, nRows, out = new Float64Array(nRows)) => {
    checkShape(program, X, nRows);
    return run(X, nRows, out);
  };
}

type Column = (X: Float64Array, nRows: number) => Float64Array;

/**
 * Compiled closures, column-wise: each instruction becomes a closure that fills a buffer of all rows with one
 * tight loop (a feature returns its column itself). Buffers are allocated once per row count.
 */
export function compileColumnClosures(program: Program): ColumnEvaluator {
  const buffers: Float64Array[] = [];
  const buffer = (slot: number, nRows: number): Float64Array => {
    if (!buffers[slot] || buffers[slot].length !== nRows) buffers[slot] = new Float64Array(nRows);
    return buffers[slot];
  };
  const stack: Column[] = [];
  for (let i = 0; i < program.length; i++) {
    const opc = program.code[2 * i];
    const arg = program.code[2 * i + 1];
    const slot = i;
    if (opc === OP_CONST) {
      const consts = program.consts;
      stack.push((_X, n) => buffer(slot, n).fill(consts[arg]));
      continue;
    }
    if (opc === OP_FEATURE) { stack.push((X, n) => X.subarray(arg * n, (arg + 1) * n)); continue; }
    const op = opAt(program, i);
    if (op.arity === 1) {
      const a = stack.pop() as Column;
      stack.push(unaryColumn(op, a, slot, buffer));
    } else {
      const b = stack.pop() as Column;
      const a = stack.pop() as Column;
      stack.push(binaryColumn(op, a, b, slot, buffer));
    }
  }
  const root = stack[0];
  return (X, nRows, out = new Float64Array(nRows)) => {
    checkShape(program, X, nRows);
    out.set(root(X, nRows).subarray(0, nRows));
    return out;
  };
}

type Buffer = (slot: number, nRows: number) => Float64Array;

function unaryColumn(op: Operator, a: Column, slot: number, buffer: Buffer): Column {
  const f = op.ref as (x: number) => number;
  switch (op.name) {
    case 'neg': return (X, n) => { const u = a(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = -u[r]; return o; };
    case 'square': return (X, n) => { const u = a(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = u[r] * u[r]; return o; };
    default: return (X, n) => { const u = a(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = f(u[r]); return o; };
  }
}

function binaryColumn(op: Operator, a: Column, b: Column, slot: number, buffer: Buffer): Column {
  const f = op.ref as (x: number, y: number) => number;
  switch (op.name) {
    case '+': return (X, n) => { const u = a(X, n), v = b(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = u[r] + v[r]; return o; };
    case '-': return (X, n) => { const u = a(X, n), v = b(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = u[r] - v[r]; return o; };
    case '*': return (X, n) => { const u = a(X, n), v = b(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = u[r] * v[r]; return o; };
    case '/': return (X, n) => { const u = a(X, n), v = b(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = u[r] / v[r]; return o; };
    default: return (X, n) => { const u = a(X, n), v = b(X, n), o = buffer(slot, n); for (let r = 0; r < n; r++) o[r] = f(u[r], v[r]); return o; };
  }
}

/** The naive recursive tree walker: the value of `tree` on one row of a feature-major X. */
export function evalTreeNaive(tree: Node, X: Float64Array, nRows: number, row: number): number {
  if (tree.kind === 'const') return tree.value;
  if (tree.kind === 'feature') return X[tree.index * nRows + row];
  const op = operatorByName(tree.op) as Operator;
  if (op.arity === 1) return op.ref(evalTreeNaive(tree.children[0], X, nRows, row));
  return op.ref(evalTreeNaive(tree.children[0], X, nRows, row), evalTreeNaive(tree.children[1], X, nRows, row));
}
