// WASM SIMD, WASM scalar and the TypeScript reference agree on random trees and data: losses, predictions
// (NaN and Infinity included) and Jacobians; the Jacobian agrees with central finite differences.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { createWasmEvaluator, kernelPath } from '../../src/sr/eval/wasm-kernel.js';
import { ReferenceEvaluator } from '../../src/sr/eval/reference.js';
import { compile } from '../../src/sr/expression/compile.js';
import { OPERATORS, operatorByName } from '../../src/sr/expression/operators.js';
import type { Node } from '../../src/sr/expression/node.js';
import { randomTree } from '../../src/sr/expression/random.js';
import { toInfix } from '../../src/sr/expression/print.js';
import { createRng } from '../../src/sr/util/rng.js';
import type { Dataset, LossName } from '../../src/sr/eval/types.js';

const built = existsSync(kernelPath());
const ALL = OPERATORS.map((o) => o.name);
const LOSSES: LossName[] = ['mse', 'mae', 'mape', 'msle'];

function randomData(seed: number, nRows: number, nFeatures: number, weighted: boolean): Dataset {
  const rng = createRng(seed);
  const X = new Float64Array(nFeatures * nRows);
  // mostly moderate values, some large and some negative, so special lanes are exercised too
  for (let i = 0; i < X.length; i++) {
    const u = rng.next();
    // exact 0 and 1 exercise log(0), 1/0, sqrt'(0), abs'(0) and ties of min and max
    X[i] = u < 0.03 ? 0 : u < 0.06 ? 1 : u < 0.1 ? (rng.next() - 0.5) * 2e6 : u < 0.15 ? (rng.next() - 0.5) * 1e-3 : (rng.next() - 0.3) * 6;
  }
  const y = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) y[r] = 0.1 + 3 * rng.next();
  const weights = weighted ? Float64Array.from({ length: nRows }, () => rng.next() * 2) : undefined;
  return { X, y, nFeatures, nRows, weights };
}

/** Largest magnitude of any value inside the tree at one point. */
function largestIntermediate(tree: Node, point: readonly number[]): number {
  let largest = 0;
  const walk = (n: Node): number => {
    let v: number;
    if (n.kind === 'const') v = n.value;
    else if (n.kind === 'feature') v = point[n.index];
    else {
      const op = operatorByName(n.op)!;
      const args = n.children.map(walk);
      v = op.arity === 1 ? op.ref(args[0]) : op.ref(args[0], args[1]);
    }
    largest = Math.max(largest, Math.abs(v));
    return v;
  };
  walk(tree);
  return largest;
}

// Every test here is synchronous, and together they run over a minute under load: without a turn of the event
// loop between them, vitest's worker cannot answer its own RPC in time ("Timeout calling onTaskUpdate", 60 s).
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
const relClose = (a: number, b: number, tol: number): boolean =>
  same(a, b) || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b)));

describe.skipIf(!built)('conformance: WASM SIMD, WASM scalar and the reference', () => {
  const simd = built ? createWasmEvaluator({ simd: true }) : undefined;
  const scalar = built ? createWasmEvaluator({ simd: false }) : undefined;
  const ref = new ReferenceEvaluator();

  it.each([1, 2, 3, 255, 256, 257, 1000])('agree on losses and predictions with %i rows', (nRows) => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, weighted) => {
        const data = randomData(seed, nRows, 3, weighted);
        for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
        const rng = createRng(seed ^ 0x5bd1e995);
        const trees = Array.from({ length: 8 }, () => randomTree(rng, { size: 1 + rng.int(25), nFeatures: 3, operators: ALL }));
        const programs = trees.map(compile);
        for (const loss of LOSSES) {
          const a = simd!.losses(programs, loss);
          const b = scalar!.losses(programs, loss);
          const c = ref.losses(programs, loss);
          for (let i = 0; i < programs.length; i++) {
            const what = `${loss} of ${toInfix(trees[i])} (seed ${seed})`;
            expect(relClose(a[i], c[i], 1e-12), `${what}: simd ${a[i]} vs reference ${c[i]}`).toBe(true);
            expect(relClose(b[i], c[i], 1e-12), `${what}: scalar ${b[i]} vs reference ${c[i]}`).toBe(true);
          }
        }
        for (let i = 0; i < programs.length; i++) {
          const a = simd!.predict(programs[i]);
          const b = scalar!.predict(programs[i]);
          const c = ref.predict(programs[i]);
          for (let r = 0; r < nRows; r++) {
            const what = `${toInfix(trees[i])} row ${r} (seed ${seed})`;
            expect(same(a[r], c[r]), `${what}: simd ${a[r]} vs reference ${c[r]}`).toBe(true);
            expect(same(b[r], c[r]), `${what}: scalar ${b[r]} vs reference ${c[r]}`).toBe(true);
          }
        }
      }),
      { numRuns: nRows >= 1000 ? 15 : 40 },
    );
  });

  it('agree on pow with integer, half-integer and out-of-range exponents, negative and zero bases', () => {
    // the vector pow's two cases (repeated squaring for |y| <= 64, exp(y log x)) and its hand-off to the scalar pow
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(2, 7, 256, 300), (seed, nRows) => {
        const rng = createRng(seed);
        const X = Float64Array.from({ length: 2 * nRows }, () => {
          const u = rng.next();
          return u < 0.4 ? rng.int(141) - 70 : u < 0.6 ? (rng.int(141) - 70) / 2 : u < 0.8 ? (rng.next() - 0.5) * 20 : rng.next() * 1e3;
        });
        const data: Dataset = { X, y: Float64Array.from({ length: nRows }, () => 1 + rng.next()), nFeatures: 2, nRows };
        for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
        const x0: Node = { kind: 'feature', index: 0 };
        const x1: Node = { kind: 'feature', index: 1 };
        const c = (value: number): Node => ({ kind: 'const', value });
        const pow = (a: Node, b: Node): Node => ({ kind: 'op', op: '^', children: [a, b] });
        const trees = [pow(x0, x1), pow(x1, x0), pow(x0, c(3)), pow(x0, c(-2)), pow(x0, c(0.5)), pow(c(1.5), x1), pow(c(-2), x0), pow(x0, c(65)), pow(x0, c(800))];
        for (const tree of trees) {
          const p = compile(tree);
          const a = simd!.predict(p);
          const b = scalar!.predict(p);
          const r = ref.predict(p);
          for (let i = 0; i < nRows; i++) {
            expect(same(a[i], r[i]), `${toInfix(tree)} row ${i} x0=${X[i]} x1=${X[nRows + i]}: simd ${a[i]} vs ${r[i]}`).toBe(true);
            expect(same(b[i], r[i]), `${toInfix(tree)} row ${i}: scalar ${b[i]} vs ${r[i]}`).toBe(true);
          }
          expect(relClose(simd!.losses([p], 'mae')[0], ref.losses([p], 'mae')[0], 1e-12), toInfix(tree)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('agree on Jacobians', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(1, 2, 3, 37, 257), (seed, nRows) => {
        const data = randomData(seed, nRows, 3, false);
        for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
        const rng = createRng(seed);
        const tree = randomTree(rng, { size: 2 + rng.int(20), nFeatures: 3, operators: ALL, constProbability: 0.5 });
        const p = compile(tree);
        const c = ref.jacobian(p);
        for (const ev of [simd!, scalar!]) {
          const a = ev.jacobian(p);
          const what = `${ev.name}: ${toInfix(tree)} (seed ${seed}, ${nRows} rows)`;
          expect(a.finite, what).toBe(c.finite);
          for (let i = 0; i < a.jac.length; i++) expect(same(a.jac[i], c.jac[i]), `${what} entry ${i}: ${a.jac[i]} vs ${c.jac[i]}`).toBe(true);
          for (let i = 0; i < a.predictions.length; i++) expect(same(a.predictions[i], c.predictions[i]), `${what} row ${i}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('agree on Jacobians of programs whose constants are not numbered in postfix order', () => {
    // a subtree's constant range then has gaps and overlaps: the rule "an operand's tangent outside its range is +0"
    // is exercised, and every derivative that is finite either way equals the one of the postfix-numbered program
    let compared = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(3, 130, 257), (seed, nRows) => {
        const data = randomData(seed, nRows, 3, false);
        for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
        const rng = createRng(seed);
        const tree = randomTree(rng, { size: 5 + rng.int(20), nFeatures: 3, operators: ALL, constProbability: 0.5 });
        const p = compile(tree);
        const nC = p.consts.length;
        if (nC < 2) return;
        const perm = Array.from({ length: nC }, (_, i) => i);
        for (let i = nC - 1; i > 0; i--) { const j = rng.int(i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
        const code = p.code.slice();
        const consts = new Float64Array(nC);
        for (let i = 0; i < p.length; i++) if (code[2 * i] === 0) code[2 * i + 1] = perm[code[2 * i + 1]];
        for (let c = 0; c < nC; c++) consts[perm[c]] = p.consts[c];
        const q = { ...p, code, consts };
        const c = ref.jacobian(q);
        for (const ev of [simd!, scalar!]) {
          const a = ev.jacobian(q);
          const what = `${ev.name}: ${toInfix(tree)} permuted (seed ${seed}, ${nRows} rows)`;
          expect(a.finite, what).toBe(c.finite);
          for (let i = 0; i < a.jac.length; i++) expect(same(a.jac[i], c.jac[i]), `${what} entry ${i}: ${a.jac[i]} vs ${c.jac[i]}`).toBe(true);
        }
        const o = ref.jacobian(p);
        for (let k = 0; k < nC; k++) {
          for (let r = 0; r < nRows; r++) {
            const x = o.jac[k * nRows + r];
            const y = c.jac[perm[k] * nRows + r];
            if (Number.isFinite(x) && Number.isFinite(y)) { expect(y === x, `${toInfix(tree)} constant ${k} row ${r}: ${y} vs ${x}`).toBe(true); compared++; }
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(compared).toBeGreaterThan(1000);
  });

  it('does not grow WASM memory over 100,000 programs', () => {
    const data = randomData(11, 257, 3, true);
    const rng = createRng(11);
    const programs = Array.from({ length: 2500 }, () => compile(randomTree(rng, { size: 1 + rng.int(30), nFeatures: 3, operators: ALL })));
    for (const ev of [simd!, scalar!]) {
      ev.setDataset(data);
      // warm up: the largest batch, one prediction and one Jacobian reach the high-water mark
      ev.losses(programs, 'mse');
      ev.predict(programs[0]);
      const widest = programs.reduce((a, b) => (b.consts.length * b.maxStack > a.consts.length * a.maxStack ? b : a));
      ev.jacobian(widest);
      const before = ev.memoryBytes();
      let evaluated = 0;
      for (let round = 0; evaluated < 100_000; round++) {
        const batch = programs.slice((round * 500) % 2500, (round * 500) % 2500 + 500);
        ev.losses(batch, (['mse', 'mae', 'mape', 'msle'] as const)[round % 4]);
        evaluated += batch.length;
        if (round % 20 === 0) { ev.predict(batch[0]); ev.jacobian(batch[1]); }
      }
      ev.losses(programs, 'mae');
      expect(ev.memoryBytes(), ev.name).toBe(before);
    }
  });

  it('the reference Jacobian agrees with central finite differences of the reference', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const data = randomData(seed, 12, 2, false);
        data.X.forEach((v, i) => { data.X[i] = 0.5 + Math.abs(v) % 2; });
        ref.setDataset(data);
        const rng = createRng(seed);
        const tree = randomTree(rng, { size: 3 + rng.int(12), nFeatures: 2, operators: ALL, constProbability: 0.5, constRange: 1.5 });
        const p = compile(tree);
        const { jac, predictions, finite } = ref.jacobian(p);
        if (!finite || p.consts.length === 0 || predictions.some((v) => Math.abs(v) > 1e6)) return;
        for (let c = 0; c < p.consts.length; c++) {
          const fd = (h: number): Float64Array => {
            const plus = p.consts.slice(); plus[c] += h;
            const minus = p.consts.slice(); minus[c] -= h;
            const fp = ref.predict({ ...p, consts: plus });
            const fm = ref.predict({ ...p, consts: minus });
            return fp.map((v, r) => (v - fm[r]) / (2 * h));
          };
          const h = 1e-5 * Math.max(1, Math.abs(p.consts[c]));
          const coarse = fd(h);
          const fine = fd(h / 4);
          for (let r = 0; r < data.nRows; r++) {
            const scale = Math.max(1, Math.abs(fine[r]));
            // kinks (abs, min, max), strong curvature, a step that leaves the domain (sqrt of a negative: NaN): the two
            // step sizes disagree, the quotient is not trusted. (A NaN coarse quotient compared false and slipped through.)
            if (!(Math.abs(coarse[r] - fine[r]) <= 1e-6 * scale)) continue;
            expect(Math.abs(fine[r] - jac[c * data.nRows + r]) / scale, `${toInfix(tree)} constant ${c} row ${r}`).toBeLessThan(1e-5);
            checked++;
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(checked).toBeGreaterThan(300);
  });

  it('agree with central finite differences on smooth expressions', () => {
    const smooth = ['+', '-', '*', '/', 'exp', 'sin', 'cos', 'tanh', 'square', 'cube'];
    let checked = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const data = randomData(seed, 20, 2, false);
        data.X.forEach((v, i) => { data.X[i] = 0.5 + Math.abs(v) % 2; });
        simd!.setDataset(data);
        const rng = createRng(seed);
        const tree = randomTree(rng, { size: 3 + rng.int(12), nFeatures: 2, operators: smooth, constProbability: 0.5, constRange: 1.5 });
        const p = compile(tree);
        const { jac, predictions, finite } = simd!.jacobian(p);
        if (!finite || p.consts.length === 0 || predictions.some((v) => Math.abs(v) > 1e6)) return;
        // a large intermediate value (exp(exp(.)) reaches 1e8) swallows the step h in its rounding: the difference
        // quotient is then noise, however the step sizes agree, so such trees say nothing about the Jacobian
        for (let r = 0; r < data.nRows; r++) if (largestIntermediate(tree, [data.X[r], data.X[data.nRows + r]]) > 1e4) return;
        const fd = (c: number, h: number): Float64Array => {
          const plus = p.consts.slice(); plus[c] += h;
          const minus = p.consts.slice(); minus[c] -= h;
          const fp = simd!.predict({ ...p, consts: plus });
          const fm = simd!.predict({ ...p, consts: minus });
          return fp.map((v, r) => (v - fm[r]) / (2 * h));
        };
        for (let c = 0; c < p.consts.length; c++) {
          const h = 1e-5 * Math.max(1, Math.abs(p.consts[c]));
          const coarse = fd(c, h);
          const fine = fd(c, h / 4);
          for (let r = 0; r < data.nRows; r++) {
            const scale = Math.max(1, Math.abs(fine[r]));
            // where the two step sizes disagree (or one is NaN) the difference quotient itself is not trustworthy
            if (!(Math.abs(coarse[r] - fine[r]) <= 1e-6 * scale)) continue;
            expect(Math.abs(fine[r] - jac[c * data.nRows + r]) / scale, `${toInfix(tree)} constant ${c} row ${r}`).toBeLessThan(1e-5);
            checked++;
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(checked).toBeGreaterThan(500);
  });
});

// The f32x4 path against the f64 reference. Stated tolerance: on data and constants that are exact in f32, with
// positive operands and no subtraction (no cancellation), each f32 operation adds at most 2^-24 relative error, so
// a tree of up to 21 nodes (squares and cubes at most triple an error) stays within 1e-4 relative of the f64 value.
// The transcendentals are the f64 functions on the widened value, rounded once: exactly fround(f64 result).
describe.skipIf(!built)('conformance: the f32x4 path against the f64 reference', () => {
  const f32 = built ? createWasmEvaluator({ precision: 'f32' }) : undefined;
  const ref = new ReferenceEvaluator();
  const f32Data = (seed: number, nRows: number, nFeatures: number, lo: number, hi: number): Dataset => {
    const rng = createRng(seed);
    const X = Float64Array.from({ length: nFeatures * nRows }, () => Math.fround(lo + (hi - lo) * rng.next()));
    const y = Float64Array.from({ length: nRows }, () => 0.1 + 3 * rng.next());
    return { X, y, nFeatures, nRows };
  };

  // every value inside the tree within [1e-30, 1e30] on every row: no f32 overflow or underflow
  const inF32Range = (tree: Node, data: Dataset): boolean => {
    const walk = (n: Node, r: number): number => {
      const v = n.kind === 'const' ? n.value : n.kind === 'feature' ? data.X[n.index * data.nRows + r]
        : (operatorByName(n.op)!.ref as (a: number, b?: number) => number)(...(n.children.map((c) => walk(c, r)) as [number, number]));
      if (!(Math.abs(v) < 1e30 && Math.abs(v) > 1e-30)) throw new RangeError();
      return v;
    };
    try { for (let r = 0; r < data.nRows; r++) walk(tree, r); } catch { return false; }
    return true;
  };
  const positiveConstants = (n: Node): Node => n.kind === 'const' ? { kind: 'const', value: Math.fround(0.5 + Math.abs(n.value)) }
    : n.kind === 'feature' ? n : { ...n, children: n.children.map(positiveConstants) } as Node;

  it.each([1, 3, 4, 5, 255, 256, 257, 1000])('agree within 1e-4 relative on well-conditioned trees with %i rows', (nRows) => {
    let compared = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const data = f32Data(seed, nRows, 3, 0.5, 2.5);
        f32!.setDataset(data);
        ref.setDataset(data);
        const rng = createRng(seed ^ 0x2545f491);
        for (let t = 0; t < 8; t++) {
          const tree = positiveConstants(randomTree(rng, { size: 1 + rng.int(21), nFeatures: 3, operators: ['+', '*', '/', 'sqrt', 'square', 'cube', 'inv'], constProbability: 0.4 }));
          if (!inF32Range(tree, data)) continue;
          const p = compile(tree);
          const c = ref.predict(p);
          const a = f32!.predict(p);
          for (let r = 0; r < nRows; r++) {
            expect(Math.abs(a[r] - c[r]) <= 1e-4 * Math.abs(c[r]), `${toInfix(tree)} row ${r}: f32 ${a[r]} vs f64 ${c[r]} (seed ${seed})`).toBe(true);
          }
          // the loss is summed in f64 from these predictions: mae within 1e-4 of the mean |prediction|
          const [l32] = f32!.losses([p], 'mae');
          const [l64] = ref.losses([p], 'mae');
          const scale = c.reduce((s, v) => s + Math.abs(v), 0) / nRows;
          expect(Math.abs(l32 - l64) <= 1e-4 * scale + 1e-12, `mae of ${toInfix(tree)}: f32 ${l32} vs f64 ${l64}`).toBe(true);
          compared++;
        }
      }),
      { numRuns: nRows >= 1000 ? 10 : 25 },
    );
    expect(compared).toBeGreaterThan(50);
  });

  it('computes transcendentals in f64 and rounds them once to f32', () => {
    const data = f32Data(7, 1001, 2, -30, 30);
    const positive = f32Data(8, 1001, 2, 1e-3, 50);
    for (const [name, d] of [['exp', data], ['sin', data], ['cos', data], ['tanh', data], ['cbrt', data], ['log', positive], ['^', positive]] as const) {
      f32!.setDataset(d);
      ref.setDataset(d);
      const tree: Node = name === '^'
        ? { kind: 'op', op: '^', children: [{ kind: 'feature', index: 0 }, { kind: 'feature', index: 1 }] }
        : { kind: 'op', op: name, children: [{ kind: 'feature', index: 0 }] };
      const a = f32!.predict(compile(tree));
      const c = ref.predict(compile(tree));
      for (let r = 0; r < d.nRows; r++) expect(same(a[r], Math.fround(c[r])), `${name} row ${r}: ${a[r]} vs fround(${c[r]})`).toBe(true);
    }
  });

  it('scores +Infinity where a value overflows f32, and agrees with f64 on NaN and Infinity from the data', () => {
    const data = f32Data(9, 64, 1, 0.5, 2.5);
    f32!.setDataset(data);
    const x = { kind: 'feature', index: 0 } as const;
    const big: Node = { kind: 'op', op: '*', children: [x, { kind: 'const', value: 1e39 }] }; // finite in f64, not in f32
    const over: Node = { kind: 'op', op: 'exp', children: [{ kind: 'op', op: '*', children: [x, { kind: 'const', value: 100 }] }] };
    const absorbed: Node = { kind: 'op', op: 'inv', children: [over] }; // 1 / Infinity = 0: finite output, non-finite intermediate
    const nan: Node = { kind: 'op', op: 'log', children: [{ kind: 'op', op: 'neg', children: [x] }] };
    const [a, b, c, d] = f32!.losses([big, over, absorbed, nan].map(compile), 'mse');
    expect([a, b, c, d]).toEqual([Infinity, Infinity, Infinity, Infinity]);
    const [ok] = f32!.losses([compile({ kind: 'op', op: '*', children: [x, { kind: 'const', value: 2 }] })], 'mse');
    expect(Number.isFinite(ok)).toBe(true);
  });

  it('does not grow WASM memory over 50,000 programs, switching precision', () => {
    const ev = createWasmEvaluator();
    const data = randomData(12, 257, 3, true);
    const rng = createRng(12);
    const programs = Array.from({ length: 500 }, () => compile(randomTree(rng, { size: 1 + rng.int(30), nFeatures: 3, operators: ALL })));
    ev.setDataset(data);
    ev.setPrecision('f32');
    ev.losses(programs, 'mse');
    ev.setPrecision('f64');
    ev.losses(programs, 'mse');
    const before = ev.memoryBytes();
    for (let round = 0; round < 100; round++) {
      ev.setPrecision(round % 2 === 0 ? 'f32' : 'f64');
      ev.losses(programs, (['mse', 'mae', 'mape', 'msle'] as const)[round % 4]);
      if (round % 10 === 0) ev.predict(programs[round]);
    }
    expect(ev.memoryBytes()).toBe(before);
  });
});
