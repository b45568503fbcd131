// The allocation-free paths of the search (issue 17): Levenberg-Marquardt writing into per-evaluator scratch
// through predictInto/jacobianInto, and the tournament's insertion sort, give exactly what the allocating paths give.
import { describe, expect, it } from 'vitest';
import { fitConstants } from '../../../../src/sr/search/constants.js';
import { tournament, type Member } from '../../../../src/sr/search/population.js';
import { createWasmEvaluator } from '../../../../src/sr/eval/wasm-kernel.js';
import type { Dataset, Evaluator, LossName } from '../../../../src/sr/eval/types.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';

function dataset(n: number, weighted: boolean): Dataset {
  const rng = createRng(n);
  const X = new Float64Array(2 * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    X[r] = -2 + 4 * rng.next();
    X[n + r] = 0.5 + rng.next();
    y[r] = 1.5 + 2.3 * Math.exp(-0.7 * X[n + r]) * X[r] * X[r] + 0.01 * rng.normal();
  }
  return { X, y, nFeatures: 2, nRows: n, weights: weighted ? Float64Array.from({ length: n }, () => 0.5 + rng.next()) : undefined };
}

/** The same WASM evaluator seen without its optional into-methods: fitConstants takes its allocating fallback. */
function withoutInto(ev: Evaluator): Evaluator {
  return { name: ev.name, setDataset: (d) => ev.setDataset(d), losses: (p, l) => ev.losses(p, l), predict: (p) => ev.predict(p), jacobian: (p) => ev.jacobian(p), dispose: () => ev.dispose() };
}

describe('Levenberg-Marquardt on scratch arrays', () => {
  const cases: [string, LossName, boolean][] = [['mse', 'mse', false], ['weighted mse', 'mse', true], ['mape', 'mape', true], ['msle', 'msle', false], ['mae', 'mae', false]];
  it.each(cases)('%s: the same constants, loss, sse, iterations and standard errors as the allocating path', (_name, loss, weighted) => {
    const ev = createWasmEvaluator();
    // one evaluator, several datasets and constant counts in turn: the scratch is resized, never stale
    for (const [n, text] of [[57, '1 + 1 * exp(1 * x1) * x0 * x0'], [200, '1 * x0 * x0 + 1'], [31, '1 + 2 * exp(0.5 * x1) * x0 * x0 - 0.1 * x1']] as const) {
      const data = dataset(n, weighted);
      ev.setDataset(data);
      const a = fitConstants(parseExpression(text), ev, data, { loss, restarts: 2 });
      const b = fitConstants(parseExpression(text), withoutInto(ev), data, { loss, restarts: 2 });
      expect(Array.from(a.constants)).toEqual(Array.from(b.constants));
      expect(Object.is(a.loss, b.loss) && Object.is(a.sse, b.sse)).toBe(true);
      expect([a.iterations, a.evaluations]).toEqual([b.iterations, b.evaluations]);
      expect(a.standardErrors && Array.from(a.standardErrors)).toEqual(b.standardErrors && Array.from(b.standardErrors));
    }
  });

  it('predictInto and jacobianInto equal predict and jacobian bit for bit, and name a wrong length', () => {
    for (const simd of [true, false]) {
      const ev = createWasmEvaluator({ simd });
      const data = dataset(101, false);
      ev.setDataset(data);
      const p = compile(parseExpression('1.5 + 2 * exp(0.3 * x1) * x0'));
      const pred = new Float64Array(101);
      ev.predictInto(p, pred);
      expect(Array.from(pred)).toEqual(Array.from(ev.predict(p)));
      const jac = new Float64Array(p.consts.length * 101);
      const finite = ev.jacobianInto(p, pred, jac);
      const j = ev.jacobian(p);
      expect(finite).toBe(j.finite);
      expect(Array.from(pred)).toEqual(Array.from(j.predictions));
      expect(Array.from(jac)).toEqual(Array.from(j.jac));
      expect(() => ev.predictInto(p, new Float64Array(100))).toThrow(expect.objectContaining({ code: 'LENGTH_MISMATCH' }));
      expect(() => ev.jacobianInto(p, pred, new Float64Array((p.consts.length + 1) * 101))).toThrow(expect.objectContaining({ code: 'LENGTH_MISMATCH' }));
    }
  });
});

describe('tournament order', () => {
  it('picks what Array.prototype.sort order would pick, with ties, infinities and NaN costs', () => {
    const o = resolveOptions({ tournamentSize: 8, tournamentProbability: 0.6 });
    const members = Array.from({ length: 30 }, (_, i) => ({ birth: i }) as unknown as Member);
    // the former implementation: sort the picks by cost
    const bySort = (costs: number[], rng: ReturnType<typeof createRng>): Member => {
      const picks: number[] = [];
      for (let i = 0; i < o.tournamentSize; i++) picks.push(rng.int(members.length));
      picks.sort((a, b) => costs[a] - costs[b]);
      for (let i = 0; i < picks.length - 1; i++) if (rng.next() < o.tournamentProbability) return members[picks[i]];
      return members[picks[picks.length - 1]];
    };
    const gen = createRng(7);
    for (let t = 0; t < 2000; t++) {
      const costs = members.map(() => { const u = gen.next(); return u < 0.2 ? Infinity : u < 0.25 && t % 3 === 0 ? Number.NaN : Math.floor(u * 6); });
      const r1 = createRng(t);
      const r2 = createRng(t);
      expect(tournament(members, costs, o, r1)).toBe(bySort(costs, r2));
      expect(r1.next()).toBe(r2.next());
    }
  });
});
