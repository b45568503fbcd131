// The built WASM kernel: opcode table agreement, bad input, memory that does not grow, both paths.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createWasmEvaluator, kernelPath, validateProgram } from '../../src/sr/eval/wasm-kernel.js';
import { compile, MAX_PROGRAM_LENGTH } from '../../src/sr/expression/compile.js';
import { OPERATORS, OP_CONST, OP_FEATURE, OPCODE_COUNT } from '../../src/sr/expression/operators.js';
import { constant, feature, op, type Node } from '../../src/sr/expression/node.js';
import type { Dataset } from '../../src/sr/eval/types.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

function dataset(nRows: number, nFeatures = 2): Dataset {
  const X = new Float64Array(nFeatures * nRows);
  for (let i = 0; i < X.length; i++) X[i] = 0.5 + ((i * 7919) % 1000) / 500;
  const y = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) y[r] = 1 + X[r] * X[r];
  return { X, y, nFeatures, nRows };
}

describe('opcodes', () => {
  it('the TypeScript operator table matches the opcodes the module exports', () => {
    const module = new WebAssembly.Module(readFileSync(kernelPath()));
    const instance = new WebAssembly.Instance(module, { env: { abort: () => 0, seed: () => 0, hostSin: Math.sin, hostCos: Math.cos } });
    const exported = instance.exports as Record<string, { value: number }>;
    const names: Record<string, string> = {
      '+': 'OP_ADD', '-': 'OP_SUB', '*': 'OP_MUL', '/': 'OP_DIV', '^': 'OP_POW', min: 'OP_MIN', max: 'OP_MAX',
      neg: 'OP_NEG', square: 'OP_SQUARE', cube: 'OP_CUBE', sqrt: 'OP_SQRT', cbrt: 'OP_CBRT', exp: 'OP_EXP',
      log: 'OP_LOG', abs: 'OP_ABS', inv: 'OP_INV', sin: 'OP_SIN', cos: 'OP_COS', tanh: 'OP_TANH', asin: 'OP_ASIN', acos: 'OP_ACOS',
    };
    expect(OPERATORS.length).toBe(Object.keys(names).length);
    for (const o of OPERATORS) expect(exported[names[o.name]].value, o.name).toBe(o.opcode);
    expect(exported.OP_CONST.value).toBe(OP_CONST);
    expect(exported.OP_FEATURE.value).toBe(OP_FEATURE);
    expect(exported.OP_COUNT.value).toBe(OPCODE_COUNT);
  });
});

describe.each([true, false])('WASM evaluator (simd: %s)', (simd) => {
  it('computes the four losses of a known expression, with and without weights', () => {
    const ev = createWasmEvaluator({ simd });
    const d = dataset(5);
    ev.setDataset(d);
    // prediction x0^2 (+1 missing): residual -1 on every row
    const p = compile(op('square', feature(0)));
    const [mse] = ev.losses([p], 'mse');
    const [mae] = ev.losses([p], 'mae');
    expect(mse).toBeCloseTo(1, 12);
    expect(mae).toBeCloseTo(1, 12);
    const [mape] = ev.losses([p], 'mape');
    let expected = 0;
    for (let r = 0; r < 5; r++) expected += 1 / d.y[r];
    expect(mape).toBeCloseTo(expected / 5, 12);
    const weights = Float64Array.from([1, 0, 0, 0, 3]);
    ev.setDataset({ ...d, weights });
    const [wmape] = ev.losses([p], 'mape');
    expect(wmape).toBeCloseTo((1 / d.y[0] + 3 / d.y[4]) / 4, 12);
    const exact = compile(op('+', op('square', feature(0)), constant(1)));
    expect(ev.losses([exact], 'msle')[0]).toBe(0);
  });

  it('scores a program with a non-finite intermediate value +Infinity, even when it is absorbed later', () => {
    const ev = createWasmEvaluator({ simd });
    ev.setDataset(dataset(7));
    // exp(-1 / (x0 - x0)) = exp(-Infinity) = 0 on every row: finite output, non-finite intermediate
    const absorbed = compile(op('exp', op('/', constant(-1), op('-', feature(0), feature(0)))));
    expect(ev.losses([absorbed], 'mse')[0]).toBe(Infinity);
    expect(Array.from(ev.predict(absorbed))).toEqual(new Array(7).fill(0));
    const logNeg = compile(op('log', op('neg', feature(0))));
    expect(ev.losses([logNeg], 'mae')[0]).toBe(Infinity);
    expect(ev.predict(logNeg).every(Number.isNaN)).toBe(true);
  });

  it('keeps the divisor checks inside fused chains of arithmetic operators', () => {
    const ev = createWasmEvaluator({ simd });
    ev.setDataset(dataset(9));
    const zero = constant(0);
    // postfix `x0 x1 0 / /` (l a b op1 op2): x0 / (x1 / 0) = x0 / Infinity = 0, a non-finite divisor absorbed
    const swapped = compile(op('/', feature(0), op('/', feature(1), zero)));
    // postfix `2 x1 x0 x0 - / /`: 2 / (x1 / 0) with the zero a vector
    const swappedVec = compile(op('/', constant(2), op('/', feature(1), op('-', feature(0), feature(0)))));
    // postfix `x1 x0 x0 - / x0 /` (a b op1 leaf op2): (x1 / 0) / x0, then 1 / that
    const leaf = compile(op('inv', op('/', op('/', feature(1), op('-', feature(0), feature(0))), feature(0))));
    for (const p of [swapped, swappedVec, leaf]) {
      expect(ev.losses([p], 'mse')[0]).toBe(Infinity);
      expect(Array.from(ev.predict(p)).every((v) => v === 0)).toBe(true);
    }
    // and the same chains with finite values give the plain IEEE results
    const finite = compile(op('-', feature(0), op('*', feature(1), op('+', feature(0), constant(0.5)))));
    const d = dataset(9);
    const expected = Array.from({ length: 9 }, (_, r) => d.X[r] - d.X[9 + r] * (d.X[r] + 0.5));
    expect(Array.from(ev.predict(finite))).toEqual(expected);
  });

  it('rejects bad data and bad programs with typed errors, never a trap', () => {
    const ev = createWasmEvaluator({ simd });
    expect(codeOf(() => ev.losses([compile(feature(0))], 'mse'))).toBe('INVALID_DATA');
    expect(codeOf(() => ev.setDataset({ X: new Float64Array(3), y: new Float64Array(2), nFeatures: 2, nRows: 2 }))).toBe('LENGTH_MISMATCH');
    expect(codeOf(() => ev.setDataset({ X: new Float64Array(0), y: new Float64Array(0), nFeatures: 1, nRows: 0 }))).toBe('EMPTY_DATA');
    expect(codeOf(() => ev.setDataset({ X: Float64Array.from([1, NaN]), y: Float64Array.from([1, 2]), nFeatures: 1, nRows: 2 }))).toBe('NON_FINITE_DATA');
    const d = dataset(4);
    ev.setDataset(d);
    expect(codeOf(() => ev.losses([compile(feature(5))], 'mse'))).toBe('INVALID_PROGRAM');
    const unknown = { code: Int32Array.from([OP_FEATURE, 0, 99, 0]), consts: new Float64Array(0), length: 2, maxStack: 1, nFeaturesUsed: 1 };
    expect(codeOf(() => ev.losses([unknown], 'mse'))).toBe('UNKNOWN_OPERATOR');
    const underflow = { code: Int32Array.from([OP_FEATURE, 0, 2, 0]), consts: new Float64Array(0), length: 2, maxStack: 1, nFeaturesUsed: 1 };
    expect(codeOf(() => ev.losses([underflow], 'mse'))).toBe('INVALID_PROGRAM');
    expect(codeOf(() => ev.losses([compile(feature(0))], 'huber' as never))).toBe('INVALID_OPTION');
    ev.setDataset({ ...d, y: Float64Array.from([1, 0, 2, 3]) });
    expect(codeOf(() => ev.losses([compile(feature(0))], 'mape'))).toBe('INVALID_DATA');
    expect(codeOf(() => ev.losses([compile(feature(0))], 'msle'))).toBe('INVALID_DATA');
  });

  it('refuses programs over the maximum size', () => {
    let t: Node = feature(0);
    for (let i = 0; i < MAX_PROGRAM_LENGTH; i++) t = op('neg', t);
    expect(codeOf(() => compile(t))).toBe('PROGRAM_TOO_LARGE');
    const long = { code: new Int32Array(2 * (MAX_PROGRAM_LENGTH + 1)), consts: new Float64Array(0), length: MAX_PROGRAM_LENGTH + 1, maxStack: 1, nFeaturesUsed: 1 };
    expect(codeOf(() => validateProgram(long, 1, 0))).toBe('PROGRAM_TOO_LARGE');
  });

  it('evaluating 100,000 programs does not grow its memory', () => {
    const ev = createWasmEvaluator({ simd });
    ev.setDataset(dataset(300, 3));
    const programs = [
      compile(op('+', op('*', constant(1.5), feature(0)), op('exp', op('neg', feature(1))))),
      compile(op('/', op('sin', feature(2)), op('+', constant(2), op('cos', feature(0))))),
      compile(op('log', op('+', op('square', feature(1)), constant(1)))),
    ];
    const batch = Array.from({ length: 1000 }, (_, i) => programs[i % 3]);
    ev.losses(batch, 'mse');
    ev.jacobian(programs[0]);
    const before = ev.memoryBytes();
    for (let i = 0; i < 100; i++) ev.losses(batch, 'mse');
    for (let i = 0; i < 100; i++) ev.jacobian(programs[i % 3]);
    expect(ev.memoryBytes()).toBe(before);
  });

  it('gives the Jacobian of a program with respect to its constants', () => {
    const ev = createWasmEvaluator({ simd });
    const d = dataset(9);
    ev.setDataset(d);
    // c0 * x0 + c1: d/dc0 = x0, d/dc1 = 1
    const p = compile(op('+', op('*', constant(2), feature(0)), constant(3)));
    const { predictions, jac, finite } = ev.jacobian(p);
    expect(finite).toBe(true);
    for (let r = 0; r < 9; r++) {
      expect(predictions[r]).toBe(2 * d.X[r] + 3);
      expect(jac[r]).toBe(d.X[r]);
      expect(jac[9 + r]).toBe(1);
    }
  });
});

describe('precision', () => {
  it('refuses an unknown precision, and f32 without SIMD, with INVALID_OPTION', () => {
    expect(codeOf(() => createWasmEvaluator({ precision: 'f16' as never }))).toBe('INVALID_OPTION');
    expect(codeOf(() => createWasmEvaluator({ simd: false, precision: 'f32' }))).toBe('INVALID_OPTION');
    const ev = createWasmEvaluator({ simd: false });
    expect(codeOf(() => ev.setPrecision('f32'))).toBe('INVALID_OPTION');
  });

  it('switches between f64 and f32 on one dataset; the Jacobian stays f64', () => {
    const ev = createWasmEvaluator();
    const d = dataset(7);
    ev.setDataset(d);
    // 1/3 is not an f32: the f32 path sees fround(1/3) times x0
    const p = compile(op('*', feature(0), constant(1 / 3)));
    const f64 = ev.predict(p);
    expect(ev.name).toBe('wasm-simd');
    ev.setPrecision('f32');
    expect(ev.name).toBe('wasm-simd-f32');
    const f32 = ev.predict(p);
    for (let r = 0; r < 7; r++) {
      expect(f64[r]).toBe(d.X[r] * (1 / 3));
      expect(f32[r]).toBe(Math.fround(Math.fround(d.X[r]) * Math.fround(1 / 3)));
    }
    expect(ev.jacobian(p).predictions).toEqual(f64);
    ev.setPrecision('f64');
    expect(ev.predict(p)).toEqual(f64);
    // a new dataset while in f32 gets its own f32 columns
    const e2 = createWasmEvaluator({ precision: 'f32' });
    expect(e2.name).toBe('wasm-simd-f32');
    e2.setDataset(d);
    expect(e2.predict(p)).toEqual(f32);
    e2.setDataset(dataset(9));
    expect(e2.predict(p)[8]).toBe(Math.fround(Math.fround(dataset(9).X[8]) * Math.fround(1 / 3)));
  });
});

describe('precision in the search', () => {
  it('options.precision is validated, and an island task sets it on its evaluator', async () => {
    const { resolveOptions } = await import('../../src/sr/search/options.js');
    const { equationSearch } = await import('../../src/sr/search/search.js');
    const { InProcessRunner } = await import('../../src/sr/search/in-process-runner.js');
    expect(resolveOptions({}).precision).toBe('f64');
    expect(codeOf(() => resolveOptions({ precision: 'f16' as never }))).toBe('INVALID_OPTION');
    const ev = createWasmEvaluator();
    const runner = new InProcessRunner(() => ev);
    const d = dataset(64);
    const res = await equationSearch(d, { precision: 'f32', seed: 1, populations: 1, populationSize: 16, generationsPerCycle: 2, maxGenerations: 2, maxTime: null }, { runner });
    expect(ev.name).toBe('wasm-simd-f32');
    expect(res.evaluations).toBeGreaterThan(0);
    await runner.close();
  });
});
