import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { foldConstants, preorder, replaceAt } from '../../../../src/sr/search/tree-ops.js';
import { evaluateAt } from '../../../../src/sr/search/simplify.js';
import { size } from '../../../../src/sr/expression/node.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { createRng } from '../../../../src/sr/util/rng.js';

describe('foldConstants', () => {
  it('folds operators on constants only', () => {
    expect(toInfix(foldConstants(parseExpression('x0 * (2 * 3) + log(1)')))).toBe('x0 * 6 + 0');
    expect(foldConstants(parseExpression('exp(2) - 1'))).toEqual({ kind: 'const', value: Math.exp(2) - 1 });
  });
  it('leaves non-finite folds and constant-free trees alone (same object)', () => {
    const t = parseExpression('x0 + 1 / 0');
    expect(toInfix(foldConstants(t))).toBe(toInfix(t));
    const u = parseExpression('sin(x0) * x1');
    expect(foldConstants(u)).toBe(u);
  });
  it('never changes values and never grows', () => {
    const points = [[0.3, 1.7], [-1.2, 0.4], [2.5, -0.8]];
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const t = randomTree(createRng(seed), { size: 1 + (seed % 15), nFeatures: 2, operators: ['+', '-', '*', '/', 'exp', 'log', 'sin'], constProbability: 0.6 });
      const f = foldConstants(t);
      expect(size(f)).toBeLessThanOrEqual(size(t));
      for (const p of points) expect(Object.is(evaluateAt(f, p), evaluateAt(t, p)) || Math.abs(evaluateAt(f, p) - evaluateAt(t, p)) === 0).toBe(true);
    }), { numRuns: 200 });
  });
});

describe('preorder and replaceAt', () => {
  it('replace the node at a preorder index without touching the original', () => {
    const t = parseExpression('sin(x0) + 2 * x1');
    expect(preorder(t).map((n) => n.kind)).toEqual(['op', 'op', 'feature', 'op', 'const', 'feature']);
    const r = replaceAt(t, 3, parseExpression('x0'));
    expect(toInfix(r)).toBe('sin(x0) + x0');
    expect(toInfix(t)).toBe('sin(x0) + 2 * x1');
  });
});
