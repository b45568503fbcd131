// asin and acos in the WASM kernel: the SIMD path (both of fdlibm's branches computed lane-parallel), the scalar
// path and the reference agree to the last bit on data that covers the domain, its edges (±1, 0.5, 0.975) and what
// lies beyond it (NaN); losses are +Infinity as soon as one row leaves the domain; the f32 path rounds the f64
// value once; Jacobians agree between the paths and with central finite differences.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createWasmEvaluator, kernelPath } from '../../src/sr/eval/wasm-kernel.js';
import { ReferenceEvaluator } from '../../src/sr/eval/reference.js';
import { compile } from '../../src/sr/expression/compile.js';
import { parseExpression } from '../../src/sr/expression/parse.js';
import { toInfix } from '../../src/sr/expression/print.js';
import { randomTree } from '../../src/sr/expression/random.js';
import { createRng } from '../../src/sr/util/rng.js';
import type { Dataset } from '../../src/sr/eval/types.js';

const built = existsSync(kernelPath());
const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
// losses are sums in a different order on each path
const relClose = (a: number, b: number): boolean => same(a, b) || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

/** n rows of one feature: the domain's edges and special values first, then uniform over [lo, hi]. */
function column(seed: number, n: number, lo: number, hi: number, edges: readonly number[]): Dataset {
  const rng = createRng(seed);
  const X = Float64Array.from({ length: n }, (_, i) => (i < edges.length ? edges[i] : lo + (hi - lo) * rng.next()));
  return { X, y: Float64Array.from({ length: n }, () => 0.5 + rng.next()), nFeatures: 1, nRows: n };
}

const EDGES = [
  1, -1, 0, -0, 0.5, -0.5, 0.4999999999999999, 0.975, -0.975, 0.9749999999999999, 1 - 2 ** -53, -1 + 2 ** -53, 5e-324, -1e-300,
  1 + 2 ** -52, -1 - 2 ** -52, 3, -1e300, 1.7976931348623157e308,
];

describe.skipIf(!built)('asin and acos in the kernel', () => {
  const simd = built ? createWasmEvaluator({ simd: true }) : undefined;
  const scalar = built ? createWasmEvaluator({ simd: false }) : undefined;
  const f32 = built ? createWasmEvaluator({ precision: 'f32' }) : undefined;
  const ref = new ReferenceEvaluator();

  it.each(['asin', 'acos'] as const)('%s: SIMD, scalar and reference predictions are bit-identical, and match Math', (name) => {
    for (const n of [1, 2, 21, 255, 256, 257, 1001]) {
      const data = column(n, n, -1.05, 1.05, EDGES);
      for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
      const p = compile(parseExpression(`${name}(x0)`));
      const c = ref.predict(p);
      for (const ev of [simd!, scalar!]) {
        const a = ev.predict(p);
        for (let r = 0; r < n; r++) expect(same(a[r], c[r]), `${ev.name} ${name}(${data.X[r]}) = ${a[r]}, reference ${c[r]}`).toBe(true);
        // infinite and NaN arguments (x / 0 is ±Infinity, and NaN at x = 0) give NaN
        const q = ev.predict(compile(parseExpression(`${name}(x0 / 0)`)));
        for (let r = 0; r < n; r++) expect(q[r], `${ev.name} ${name}(${data.X[r]} / 0)`).toBeNaN();
      }
      const math = name === 'asin' ? Math.asin : Math.acos;
      for (let r = 0; r < n; r++) {
        const x = data.X[r];
        const want = math(x);
        if (Number.isNaN(want)) expect(c[r], `${name}(${x})`).toBeNaN();
        else expect(Math.abs(c[r] - want), `${name}(${x})`).toBeLessThanOrEqual(1e-15 * Math.abs(want));
      }
    }
  });

  it('agree bit for bit on random trees over data inside the domain', () => {
    const ops = ['+', '-', '*', '/', 'asin', 'acos', 'sin', 'cos', 'square', 'sqrt'];
    let finiteTrees = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rng = createRng(seed);
      const nRows = 1 + rng.int(300);
      const X = Float64Array.from({ length: 2 * nRows }, () => (rng.next() < 0.05 ? (rng.next() < 0.5 ? 1 : -1) : 2 * rng.next() - 1));
      const data: Dataset = { X, y: Float64Array.from({ length: nRows }, () => rng.next()), nFeatures: 2, nRows };
      for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
      const tree = randomTree(rng, { size: 2 + rng.int(14), nFeatures: 2, operators: ops, constProbability: 0.3, constRange: 1 });
      const p = compile(tree);
      const lc = ref.losses([p], 'mse')[0];
      if (Number.isFinite(lc)) finiteTrees++;
      const c = ref.predict(p);
      for (const ev of [simd!, scalar!]) {
        expect(relClose(ev.losses([p], 'mse')[0], lc), `${ev.name} loss of ${toInfix(tree)}`).toBe(true);
        const a = ev.predict(p);
        for (let r = 0; r < nRows; r++) expect(same(a[r], c[r]), `${ev.name} ${toInfix(tree)} row ${r}`).toBe(true);
        const ja = ev.jacobian(p);
        const jc = ref.jacobian(p);
        expect(ja.finite, `${ev.name} ${toInfix(tree)}`).toBe(jc.finite);
        for (let i = 0; i < ja.jac.length; i++) expect(same(ja.jac[i], jc.jac[i]), `${ev.name} Jacobian of ${toInfix(tree)} entry ${i}`).toBe(true);
      }
    }
    expect(finiteTrees).toBeGreaterThan(30);
  });

  it('scores +Infinity when one row leaves the domain, like log of a negative', () => {
    const inside = column(3, 64, -0.99, 0.99, []);
    const outside = column(3, 64, -0.99, 0.99, [1.0000001]);
    for (const name of ['asin', 'acos']) {
      const p = compile(parseExpression(`${name}(x0)`));
      for (const ev of [simd!, scalar!, f32!, ref]) {
        ev.setDataset(inside);
        expect(Number.isFinite(ev.losses([p], 'mse')[0]), `${ev.name} ${name} inside`).toBe(true);
        ev.setDataset(outside);
        expect(ev.losses([p], 'mse')[0], `${ev.name} ${name} outside`).toBe(Infinity);
      }
    }
  });

  it('the f32 path computes them in f64 and rounds once', () => {
    const rng = createRng(4);
    const X = Float64Array.from({ length: 1001 }, (_, i) => (i < 4 ? [1, -1, 0, 0.5][i] : Math.fround(2 * rng.next() - 1)));
    const data: Dataset = { X, y: Float64Array.from({ length: 1001 }, () => 1), nFeatures: 1, nRows: 1001 };
    f32!.setDataset(data);
    ref.setDataset(data);
    for (const name of ['asin', 'acos']) {
      const p = compile(parseExpression(`${name}(x0)`));
      const a = f32!.predict(p);
      const c = ref.predict(p);
      for (let r = 0; r < 1001; r++) expect(same(a[r], Math.fround(c[r])), `${name} row ${r}`).toBe(true);
    }
  });

  it('Jacobians: d asin(u) = u\' / sqrt(1 - u^2), d acos(u) = -u\' / sqrt(1 - u^2), against central differences', () => {
    const data = column(5, 97, -1.2, 1.2, []);
    let checked = 0;
    for (const ev of [simd!, scalar!, ref]) ev.setDataset(data);
    for (const text of ['asin(0.7 * x0)', 'acos(0.7 * x0 + 0.1)', '2.5 * asin(0.4 * x0 - 0.2) + 0.3', 'acos(0.3 * x0) * asin(0.6 * x0)']) {
      const p = compile(parseExpression(text));
      for (const ev of [simd!, scalar!, ref]) {
        const { jac, finite } = ev.jacobian(p);
        expect(finite, `${ev.name} ${text}`).toBe(true);
        for (let k = 0; k < p.consts.length; k++) {
          const h = 1e-6;
          const plus = p.consts.slice(); plus[k] += h;
          const minus = p.consts.slice(); minus[k] -= h;
          const fp = ref.predict({ ...p, consts: plus });
          const fm = ref.predict({ ...p, consts: minus });
          for (let r = 0; r < data.nRows; r++) {
            const fd = (fp[r] - fm[r]) / (2 * h);
            expect(Math.abs(fd - jac[k * data.nRows + r]), `${ev.name} ${text} constant ${k} row ${r}`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
    // at the edge of the domain the derivative is infinite: the Jacobian says it is not finite
    const edge: Dataset = { X: Float64Array.from([0.5, 1]), y: Float64Array.from([0, 0]), nFeatures: 1, nRows: 2 };
    for (const ev of [simd!, scalar!, ref]) {
      ev.setDataset(edge);
      expect(ev.jacobian(compile(parseExpression('asin(1 * x0)'))).finite, ev.name).toBe(false);
    }
  });
});
