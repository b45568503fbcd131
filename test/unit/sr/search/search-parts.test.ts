import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveOptions, DEFAULT_OPTIONS } from '../../../../src/sr/search/options.js';
import { mutate, crossover, mutationContext, randomMember } from '../../../../src/sr/search/mutate.js';
import { satisfiesConstraints, complexity } from '../../../../src/sr/search/tree-ops.js';
import { HallOfFame, paretoFront, selectModel } from '../../../../src/sr/search/hall-of-fame.js';
import { fitConstants } from '../../../../src/sr/search/constants.js';
import { simplifyTree, evaluateAt } from '../../../../src/sr/search/simplify.js';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import type { SerializedMember } from '../../../../src/sr/search/runner.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (err) { return (err as { code?: string }).code; }
  return undefined;
};

describe('search options', () => {
  it('fills in defaults and normalises operator names', () => {
    const o = resolveOptions({ operators: ['add', 'pow', 'ln'], maxGenerations: 10 });
    expect(o.operators).toEqual(['+', '^', 'log']);
    expect(o.populationSize).toBe(DEFAULT_OPTIONS.populationSize);
  });
  it.each([
    [{ populations: 0 }, 'INVALID_OPTION', /populations must be a positive integer/],
    [{ operators: ['+', 'frobnicate'] }, 'UNKNOWN_OPERATOR', /frobnicate/],
    [{ maxSize: 2 }, 'INVALID_OPTION', /maxSize must be at least 3/],
    [{ tournamentSize: 100, populationSize: 10 }, 'INVALID_OPTION', /tournamentSize/],
    [{ loss: 'huber' }, 'INVALID_OPTION', /loss must be one of/],
    [{ targetLoss: -1 }, 'INVALID_OPTION', /targetLoss/],
    [{ maxTime: null, maxEvaluations: null, maxGenerations: null, targetLoss: null }, 'INVALID_OPTION', /no stop condition/],
    [{ speed: 3 }, 'INVALID_OPTION', /unknown option "speed"/],
  ])('rejects %j', (partial, code, message) => {
    expect(codeOf(() => resolveOptions(partial as never))).toBe(code);
    expect(() => resolveOptions(partial as never)).toThrow(message);
  });
});

describe('mutations', () => {
  const o = resolveOptions({ maxSize: 15, maxDepth: 6, maxGenerations: 1, operators: ['+', '-', '*', '/', 'exp', 'log', 'sin', 'cos', 'square'] });
  it('always respect size, depth and forbidden nestings', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = createRng(seed);
      const ctx = mutationContext(o, 3, rng);
      let t = randomMember(ctx);
      expect(satisfiesConstraints(t, o)).toBe(true);
      for (let i = 0; i < 30; i++) {
        const m = mutate(t, ctx);
        if (m) { expect(satisfiesConstraints(m.tree, o), toInfix(m.tree)).toBe(true); t = m.tree; }
        const c = crossover(t, randomMember(ctx), ctx);
        if (c) expect(satisfiesConstraints(c, o)).toBe(true);
      }
    }), { numRuns: 200 });
  });
  it('forbids exp inside exp at any depth', () => {
    expect(satisfiesConstraints(parseExpression('exp(x0 + exp(x1))'), o)).toBe(false);
    expect(satisfiesConstraints(parseExpression('exp(x0) + exp(x1)'), o)).toBe(true);
    expect(complexity(parseExpression('exp(x0) + 1'), o)).toBe(2 + 1 + 1 + 1);
  });
  it('never changes the parent', () => {
    const rng = createRng(1);
    const ctx = mutationContext(o, 2, rng);
    const parent = parseExpression('x0 * 2.5 + sin(x1)');
    for (let i = 0; i < 100; i++) mutate(parent, ctx);
    expect(toInfix(parent)).toBe('x0 * 2.5 + sin(x1)');
  });
});

describe('hall of fame and model selection', () => {
  const m = (complexity: number, loss: number): SerializedMember => ({ code: [1, 0], consts: [], loss, complexity, birth: 0 });
  it('keeps the best of each complexity and reads the Pareto front', () => {
    const h = new HallOfFame();
    h.merge([m(1, 10), m(1, 5), m(3, 6), m(5, 1), m(7, 1.5), m(9, 0.5), m(4, Infinity)]);
    expect(h.members().map((x) => [x.complexity, x.loss])).toEqual([[1, 5], [3, 6], [5, 1], [7, 1.5], [9, 0.5]]);
    expect(h.paretoFront().map((x) => x.complexity)).toEqual([1, 5, 9]);
  });
  it('selects where the loss stops falling steeply', () => {
    const front = paretoFront([m(1, 100), m(3, 50), m(5, 0.011), m(9, 0.01), m(15, 0.0099)]);
    expect(selectModel(front)?.complexity).toBe(5);
    expect(selectModel([])).toBeUndefined();
  });
});

describe('constant fitting (Levenberg-Marquardt)', () => {
  const n = 40;
  const X = new Float64Array(2 * n);
  for (let r = 0; r < n; r++) { X[r] = -2 + (4 * r) / n; X[n + r] = 0.5 + r / n; }
  it('fits 2.5 * x0^2 to 2.5, not 2.49', () => {
    const y = Float64Array.from({ length: n }, (_, r) => 2.5 * X[r] * X[r]);
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures: 2, nRows: n });
    const fit = fitConstants(compile(parseExpression('0.3 * x0 ^ 2')), ev, { y });
    expect(Math.abs(fit.constants[0] - 2.5) / 2.5).toBeLessThan(1e-10);
    expect(fit.loss).toBeLessThan(1e-20);
  });
  it('fits x0 * exp(c / x1) in log space, with bounds and standard errors', () => {
    const y = Float64Array.from({ length: n }, (_, r) => 3 * Math.exp(-1.5 / X[n + r]) * (1 + 0.01 * Math.sin(7 * r)));
    const ev = new ReferenceEvaluator();
    ev.setDataset({ X, y, nFeatures: 2, nRows: n });
    const p = compile(parseExpression('1 * exp(-0.2 / x1)'));
    const fit = fitConstants(p, ev, { y }, { loss: 'msle', restarts: 2, rng: createRng(3) });
    expect(fit.constants[0]).toBeCloseTo(3, 1);
    expect(fit.constants[1]).toBeCloseTo(-1.5, 1);
    expect(fit.standardErrors![0]).toBeGreaterThan(0);
    expect(fit.standardErrors![0]).toBeLessThan(0.1);
    const bounded = fitConstants(p, ev, { y }, { loss: 'msle', lower: [0, -1], upper: [10, 0] });
    expect(bounded.constants[1]).toBe(-1);
  });
});

describe('simplification', () => {
  it('folds constants and collects terms', () => {
    expect(toInfix(simplifyTree(parseExpression('x0 * 2 + x0')))).toBe('3 * x0');
    expect(toInfix(simplifyTree(parseExpression('2 * 3 * x0 + 0')))).toBe('6 * x0');
  });
  it('never changes what an expression evaluates to', () => {
    const rng = createRng(9);
    const points = Array.from({ length: 10 }, () => [0.2 + 2 * rng.next(), 0.2 + 2 * rng.next()]);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const t = randomTree(createRng(seed), { size: 1 + (seed % 12), nFeatures: 2, operators: ['+', '-', '*', '/', 'square', 'exp', 'sin'] });
      const s = simplifyTree(t);
      for (const p of points) {
        const a = evaluateAt(t, p);
        const b = evaluateAt(s, p);
        // an ill-conditioned point (sin of 1e27, say) changes with the last bit of its input: rounding alone moves it
        const nudged = evaluateAt(t, p.map((x) => x * (1 + 1e-13)));
        const wellConditioned = Math.abs(nudged - a) <= 1e-10 * Math.max(1, Math.abs(a));
        if (Number.isFinite(a) && Number.isFinite(b) && wellConditioned) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-8 * Math.max(1, Math.abs(a)));
      }
    }), { numRuns: 60 });
  });
});
