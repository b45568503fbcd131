// Levenberg-Marquardt's sums in the kernel (sumOfSquaresOf, normalEquationsInto) against the TypeScript sums they
// replace, bit for bit, and constant fitting with and without them.
import { describe, expect, it } from 'vitest';
import { fitConstants } from '../../../../src/sr/search/constants.js';
import { createWasmEvaluator } from '../../../../src/sr/eval/wasm-kernel.js';
import type { Dataset, Evaluator } from '../../../../src/sr/eval/types.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { createRng } from '../../../../src/sr/util/rng.js';

function dataset(n: number): Dataset {
  const rng = createRng(5);
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    X[r] = -2 + 4 * rng.next();
    X[n + r] = 0.5 + rng.next();
    y[r] = Math.sin(X[r]) * X[n + r] + 0.3 * rng.normal();
  }
  return { X, y, nFeatures: 2, nRows: n };
}

const EXPRESSIONS = [
  '1.3 * x0 + 0.2',
  '0.7 * sin(1.1 * x0 + 0.1) * x1 - 0.05',
  '2.1 / (x1 + 0.4) - exp(0.3 * x0) * 0.9',
  '(x0 - 0.5) ^ 2 * 0.8 + cos(x1 * 1.7)',
  'x0 * x1',
];

/** The TypeScript sums of constants.ts: r = p - y, sse, J^T J and J^T r, each over the rows in order. */
function sumsInTs(ev: Evaluator, expr: string, y: Float64Array, n: number): { sse: number; A: number[]; g: number[] } {
  const p = compile(parseExpression(expr));
  const nC = p.consts.length;
  const pred = new Float64Array(n);
  const jac = new Float64Array(nC * n);
  ev.jacobianInto?.(p, pred, jac);
  const r = new Float64Array(n);
  let sse = 0;
  for (let i = 0; i < n; i++) { r[i] = (pred[i] - y[i]) * 1; sse += r[i] * r[i]; }
  const A = new Array<number>(nC * nC).fill(0);
  const g = new Array<number>(nC).fill(0);
  for (let a = 0; a < nC; a++) {
    let ga = 0;
    for (let i = 0; i < n; i++) ga += jac[a * n + i] * r[i];
    g[a] = ga;
    for (let b = a; b < nC; b++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += jac[a * n + i] * jac[b * n + i];
      A[a * nC + b] = v;
      A[b * nC + a] = v;
    }
  }
  return { sse, A, g };
}

describe('the kernel sums of Levenberg-Marquardt', () => {
  for (const n of [37, 300]) {
    it(`equal the TypeScript sums bit for bit (${n} rows; the dataset's y and another y)`, () => {
      const data = dataset(n);
      const ev = createWasmEvaluator();
      ev.setDataset(data);
      const other = Float64Array.from(data.y, (v, i) => v * 1.5 - i * 1e-3);
      for (const y of [data.y, other]) {
        for (const expr of EXPRESSIONS) {
          const p = compile(parseExpression(expr));
          const nC = p.consts.length;
          const want = sumsInTs(ev, expr, y, n);
          const A = new Array<number>(nC * nC).fill(0);
          const g = new Array<number>(nC).fill(0);
          const sse = ev.normalEquationsInto(p, y, A, g);
          expect(Object.is(sse, want.sse), `${expr}: sse`).toBe(true);
          expect(A.every((v, k) => Object.is(v, want.A[k])), `${expr}: A`).toBe(true);
          expect(g.every((v, k) => Object.is(v, want.g[k])), `${expr}: g`).toBe(true);
          const pred = ev.predict(p);
          let s = 0;
          for (let i = 0; i < n; i++) { const d = (pred[i] - y[i]) * 1; s += d * d; }
          expect(Object.is(ev.sumOfSquaresOf(p, y), s), `${expr}: sum of squares`).toBe(true);
        }
      }
    });
  }

  it('give Infinity for a non-finite prediction and leave A and g alone; a y of the wrong length is LENGTH_MISMATCH', () => {
    const data = dataset(37);
    const ev = createWasmEvaluator();
    ev.setDataset(data);
    const p = compile(parseExpression('log(x0 - 0.5) * 1.2'));
    const A = [7, 7, 7, 7];
    const g = [8, 8];
    expect(ev.normalEquationsInto(p, data.y, A, g)).toBe(Infinity);
    expect(A).toEqual([7, 7, 7, 7]);
    expect(g).toEqual([8, 8]);
    expect(ev.sumOfSquaresOf(p, data.y)).toBe(Infinity);
    let code: string | undefined;
    try { ev.sumOfSquaresOf(p, new Float64Array(36)); } catch (err) { code = (err as { code?: string }).code; }
    expect(code).toBe('LENGTH_MISMATCH');
  });

  it('leave constant fitting unchanged: the same constants, sums, iterations and evaluations without them', () => {
    const data = dataset(120);
    const ev = createWasmEvaluator();
    ev.setDataset(data);
    // the same evaluator without the two methods: constants.ts sums in TypeScript
    const plain: Evaluator = {
      name: ev.name,
      setDataset: (d) => ev.setDataset(d),
      losses: (ps, l) => ev.losses(ps, l),
      predict: (p) => ev.predict(p),
      jacobian: (p) => ev.jacobian(p),
      predictInto: (p, out) => ev.predictInto(p, out),
      jacobianInto: (p, pr, j) => ev.jacobianInto(p, pr, j),
      dispose: () => undefined,
    };
    for (const expr of EXPRESSIONS) {
      for (const loss of ['mse', 'mae'] as const) {
        const a = fitConstants(parseExpression(expr), ev, data, { loss, restarts: 1 });
        const b = fitConstants(parseExpression(expr), plain, data, { loss, restarts: 1 });
        expect(Array.from(a.constants), expr).toEqual(Array.from(b.constants));
        expect(Object.is(a.sse, b.sse) && Object.is(a.loss, b.loss), expr).toBe(true);
        expect([a.iterations, a.evaluations]).toEqual([b.iterations, b.evaluations]);
      }
    }
  });
});
