import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateAt, simplifyTree } from '../../../../src/sr/search/simplify.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import { complexity } from '../../../../src/sr/search/tree-ops.js';
import { size, type Node } from '../../../../src/sr/expression/node.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const opsOf = (t: Node, out = new Set<string>()): Set<string> => {
  if (t.kind === 'op') { out.add(t.op); t.children.forEach((c) => opsOf(c, out)); }
  return out;
};

describe('simplifyTree', () => {
  it('folds constants and collects like terms', () => {
    expect(toInfix(simplifyTree(parseExpression('x0 + x0 + x0 * 2.5')))).toBe('4.5 * x0');
    expect(toInfix(simplifyTree(parseExpression('1 / (1 / x0)')))).toBe('x0');
    expect(toInfix(simplifyTree(parseExpression('x0 - (-0.35)')))).toBe('x0 + 0.35');
    expect(simplifyTree(parseExpression('x0 ^ 3 * x0 ^ 2'))).toMatchObject({ op: '^' });
  });

  it('writes small integer powers back as square and cube', () => {
    expect(simplifyTree(parseExpression('x0 * x0 + x0'))).toMatchObject({ op: '+', children: [{ op: 'square' }, { kind: 'feature' }] });
  });

  it('keeps to the operators and the complexity it is given', () => {
    const o = resolveOptions({ operators: ['+', '*'], maxGenerations: 1 });
    const t = parseExpression('x0 * x0 + x0');
    expect(simplifyTree(t, { operators: o.operators })).toBe(t);
    const heavy = resolveOptions({ operatorComplexity: { square: 5 }, maxGenerations: 1 });
    expect(simplifyTree(t, { complexity: (x) => complexity(x, heavy) })).toBe(t);
  });

  it('returns leaves and unsimplifiable trees as they are', () => {
    const leaf = parseExpression('x1');
    expect(simplifyTree(leaf)).toBe(leaf);
    const t = parseExpression('sin(x0) ^ 2 + cos(x0) ^ 2');
    expect(toInfix(simplifyTree(t))).toBe(toInfix(t));
  });

  it('never changes what an expression evaluates to, and never grows it', () => {
    const rng = createRng(31);
    const points = Array.from({ length: 16 }, () => [4 * rng.next() - 2, 4 * rng.next() - 2]);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const t = randomTree(createRng(seed), { size: 1 + (seed % 14), nFeatures: 2, operators: ['+', '-', '*', '/', 'square', 'exp', 'log', 'sin', 'sqrt'] });
      const s = simplifyTree(t);
      expect(size(s)).toBeLessThanOrEqual(size(t));
      for (const p of points) {
        const a = evaluateAt(t, p);
        const b = evaluateAt(s, p);
        // an ill-conditioned point (sin of 1e27, say) changes with the last bit of its input: rounding alone moves it
        const nudged = evaluateAt(t, p.map((x) => x * (1 + 1e-13)));
        if (Math.abs(nudged - a) > 1e-9 * Math.max(1, Math.abs(a))) continue;
        if (Number.isFinite(a) && Number.isFinite(b)) expect(Math.abs(a - b), `${toInfix(t)} -> ${toInfix(s)} at ${p}`).toBeLessThanOrEqual(1e-6 * Math.abs(a) + 1e-12);
      }
      const allowed = new Set(['+', '-', '*', '/', 'square', 'exp', 'log', 'sin', 'sqrt']);
      for (const o of opsOf(s)) expect(allowed.has(o) || ['^', 'neg', 'cube', 'inv', 'cbrt'].includes(o)).toBe(true);
    }), { numRuns: 80 });
  });
});
