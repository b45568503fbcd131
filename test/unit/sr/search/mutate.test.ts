import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_MUTATION_WEIGHTS, resolveOptions, type MutationWeights } from '../../../../src/sr/search/options.js';
import { crossover, mutate, mutationContext, productNodes, randomMember, randomProduct, type MutationName } from '../../../../src/sr/search/mutate.js';
import { complexity, satisfiesConstraints } from '../../../../src/sr/search/tree-ops.js';
import { constantNodes, depth, equals, size, type Node } from '../../../../src/sr/expression/node.js';
import { operatorByName } from '../../../../src/sr/expression/operators.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import { evaluateAt } from '../../../../src/sr/search/simplify.js';

const only = (name: MutationName): MutationWeights =>
  Object.fromEntries(Object.keys(DEFAULT_MUTATION_WEIGHTS).map((k) => [k, k === name ? 1 : 0])) as unknown as MutationWeights;
const operators = ['+', '-', '*', '/', 'exp', 'log', 'sin', 'cos', 'square'];
const optionsFor = (name: MutationName) => resolveOptions({ maxSize: 20, maxDepth: 7, maxGenerations: 1, operators, mutationWeights: only(name), simplifyDuringSearch: name === 'simplify' });

function ops(t: Node, out: string[] = []): string[] {
  if (t.kind === 'op') { out.push(t.op); t.children.forEach((c) => ops(c, out)); }
  return out;
}
function features(t: Node, out: number[] = []): number[] {
  if (t.kind === 'feature') out.push(t.index);
  if (t.kind === 'op') t.children.forEach((c) => features(c, out));
  return out;
}
const arities = (t: Node): number[] => ops(t).map((o) => operatorByName(o)!.arity);

const seeds = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('each mutation does what its name says and respects the constraints', () => {
  const check = (name: MutationName, property: (parent: Node, child: Node) => void, runs = 150) => {
    const o = optionsFor(name);
    fc.assert(fc.property(seeds, (seed) => {
      const ctx = mutationContext(o, 3, createRng(seed));
      const parent = randomMember(ctx);
      const before = toInfix(parent);
      const out = mutate(parent, ctx);
      expect(toInfix(parent)).toBe(before); // the parent is never changed
      if (!out) return;
      expect(out.mutation).toBe(name);
      expect(satisfiesConstraints(out.tree, o)).toBe(true);
      property(parent, out.tree);
    }), { numRuns: runs });
  };

  it('perturbConstant changes one constant value only', () => check('perturbConstant', (p, c) => {
    expect(ops(c)).toEqual(ops(p));
    expect(features(c)).toEqual(features(p));
    const diff = constantNodes(p).filter((k, i) => !Object.is(k.value, constantNodes(c)[i].value));
    expect(diff.length).toBeLessThanOrEqual(1);
  }));
  it('changeOperator keeps the shape and the arity of every node', () => check('changeOperator', (p, c) => {
    expect(size(c)).toBe(size(p));
    expect(arities(c)).toEqual(arities(p));
    expect(ops(c).filter((o, i) => o !== ops(p)[i]).length).toBe(1);
  }));
  it('changeFeature puts a feature in place of one leaf', () => check('changeFeature', (p, c) => {
    expect(size(c)).toBe(size(p));
    expect(ops(c)).toEqual(ops(p));
    expect(features(c).every((f) => f >= 0 && f < 3)).toBe(true);
  }));
  it('insertNode adds nodes', () => check('insertNode', (p, c) => expect(size(c)).toBeGreaterThan(size(p))));
  it('deleteNode removes nodes', () => check('deleteNode', (p, c) => expect(size(c)).toBeLessThan(size(p))));
  it('swapOperands keeps the nodes and swaps one pair', () => check('swapOperands', (p, c) => {
    expect(size(c)).toBe(size(p));
    expect([...ops(c)].sort()).toEqual([...ops(p)].sort());
  }));
  it('rotateTree keeps every node and changes the shape', () => check('rotateTree', (p, c) => {
    expect(size(c)).toBe(size(p));
    expect([...ops(c)].sort()).toEqual([...ops(p)].sort());
    expect(features(c).sort()).toEqual(features(p).sort());
  }));
  it('rotateTree turns (a * b) * c into a * (b * c) and keeps its value', () => {
    const o = optionsFor('rotateTree');
    const t = parseExpression('(x0 * x1) * x2');
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) seen.add(toInfix(mutate(t, mutationContext(o, 3, createRng(seed)))!.tree));
    expect(seen).toEqual(new Set(['x0 * (x1 * x2)', 'x0 * x2 * x1']));
  });
  it('replaceSubtree and randomize give valid trees', () => {
    check('replaceSubtree', () => undefined);
    check('randomize', () => undefined);
  });
  it('doNothing gives an equal copy', () => check('doNothing', (p, c) => {
    expect(equals(c, p)).toBe(true);
    expect(c).not.toBe(p);
  }));
  it('multiplyByFeature multiplies or divides a factor of the product by a feature', () => check('multiplyByFeature', (p, c) => {
    expect(features(c).length).toBe(features(p).length + 1);
    expect(ops(c).length - ops(p).length).toBeGreaterThanOrEqual(1);
  }));
  it('multiplyByFeature only edits the product: under a + the sum stays whole', () => {
    const o = optionsFor('multiplyByFeature');
    const t = parseExpression('(x0 + x1) * x2');
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) seen.add(toInfix(mutate(t, mutationContext(o, 1, createRng(seed)))!.tree));
    // the root, the sum as one factor, or x2 gets a * x0, / x0 or a square(x0); never x0 + x1 * x0
    for (const e of seen) expect(e).not.toMatch(/x1 [*/] x0/);
    expect([...seen].some((e) => e.startsWith('(x0 + x1) * x2 * x0') || e.includes('x2 * x0'))).toBe(true);
  });
  it('powerFactor steps one factor along sqrt, identity, square, cube or moves it across the fraction bar', () => {
    const o = optionsFor('powerFactor');
    const t = parseExpression('x0 * square(x1)');
    const seen = new Set<string>();
    for (let seed = 0; seed < 80; seed++) {
      const out = mutate(t, mutationContext(o, 2, createRng(seed)));
      if (out) seen.add(toInfix(out.tree));
    }
    // the operators here have square but neither sqrt nor cube
    expect(seen).toContain('x0 * x1');
    expect(seen).toContain('x0 / x1 ^ 2');
    expect(seen).toContain('x0 ^ 2 * x1 ^ 2');
    for (const e of seen) expect(e).not.toMatch(/sqrt|\^ 3/);
  });
  it('addTerm adds or subtracts a product of features at one node', () => check('addTerm', (p, c) => {
    expect(features(c).length).toBeGreaterThan(features(p).length);
    expect(ops(c).filter((o) => o === '+' || o === '-').length).toBe(ops(p).filter((o) => o === '+' || o === '-').length + 1);
    expect(constantNodes(c).length).toBe(constantNodes(p).length);
  }));
  it('productNodes lists the root and what * and / reach, not what is under + or a function', () => {
    const t = parseExpression('x0 / (x1 * exp(x2)) * (x0 + x1)');
    expect(productNodes(t).map(({ node }) => toInfix(node))).toEqual([
      'x0 / (x1 * exp(x2)) * (x0 + x1)', 'x0 / (x1 * exp(x2))', 'x0', 'x1 * exp(x2)', 'x1', 'exp(x2)', 'x0 + x1',
    ]);
  });
  it('randomProduct gives products of powers of features within the constraints', () => {
    const o = resolveOptions({ maxSize: 20, maxDepth: 7, maxGenerations: 1, operators: ['+', '*', '/', 'sqrt', 'square', 'cube', 'exp'] });
    fc.assert(fc.property(seeds, (seed) => {
      const t = randomProduct(mutationContext(o, 4, createRng(seed)));
      expect(t).not.toBeNull();
      expect(satisfiesConstraints(t!, o)).toBe(true);
      expect(ops(t!).every((op) => ['*', '/', 'sqrt', 'square', 'cube'].includes(op))).toBe(true);
      expect(constantNodes(t!)).toHaveLength(0);
    }), { numRuns: 100 });
    expect(randomProduct(mutationContext(resolveOptions({ maxGenerations: 1, operators: ['+', '-'] }), 2, createRng(1)))).toBeNull();
  });
  it('simplify never grows a tree', () => check('simplify', (p, c) => expect(size(c)).toBeLessThanOrEqual(size(p)), 15));
});

describe('constraints under long chains of mutation and crossover', () => {
  it('size, depth, nesting and per-operator complexities always hold', () => {
    const o = resolveOptions({
      maxSize: 12, maxDepth: 5, maxGenerations: 1, operators, operatorComplexity: { exp: 3, log: 3 }, featureComplexity: [1, 2, 3],
      forbiddenNestings: [['exp', 'exp'], ['log', 'exp'], ['sin', 'cos']],
    });
    fc.assert(fc.property(seeds, (seed) => {
      const ctx = mutationContext(o, 3, createRng(seed));
      let t = randomMember(ctx);
      for (let i = 0; i < 25; i++) {
        const m = mutate(t, ctx);
        if (m) t = m.tree;
        expect(complexity(t, o)).toBeLessThanOrEqual(12);
        expect(depth(t)).toBeLessThanOrEqual(5);
        expect(satisfiesConstraints(t, o)).toBe(true);
        const c = crossover(t, randomMember(ctx), ctx);
        if (c) expect(satisfiesConstraints(c, o)).toBe(true);
      }
    }), { numRuns: 100 });
  });

  it('complexity adds operator, feature and constant complexities', () => {
    const o = resolveOptions({ maxGenerations: 1, operatorComplexity: { exp: 3 }, featureComplexity: [1, 4], constantComplexity: 2 });
    expect(complexity(parseExpression('exp(x1) * 2 + x0'), o)).toBe(3 + 4 + 1 + 2 + 1 + 1);
  });

  it('forbidden nestings apply at any depth, not only to direct children', () => {
    const o = resolveOptions({ maxGenerations: 1, forbiddenNestings: [['log', 'exp']] });
    expect(satisfiesConstraints(parseExpression('log(1 + x0 * exp(x1))'), o)).toBe(false);
    expect(satisfiesConstraints(parseExpression('exp(log(x0))'), o)).toBe(true);
  });
});

describe('logSum', () => {
  const o = resolveOptions({ maxSize: 30, maxDepth: 8, maxGenerations: 1, operators: ['+', '-', '*', '/', 'exp', 'log'], mutationWeights: only('logSum') });
  const rewrites = (text: string): Set<string> => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const out = mutate(parseExpression(text), mutationContext(o, 2, createRng(seed)));
      if (out) seen.add(toInfix(out.tree));
    }
    return seen;
  };
  it('joins and splits logarithms and exponentials, keeping the value', () => {
    expect([...rewrites('log(x0 + 1) + log(x0 * x0 + 1)')]).toEqual(['log((x0 + 1) * (x0 * x0 + 1))']);
    expect([...rewrites('log(x0 / x1)')]).toEqual(['log(x0) - log(x1)']);
    expect(rewrites('exp(x0) * exp(x1) + log(x0 * x1)')).toEqual(new Set(['exp(x0 + x1) + log(x0 * x1)', 'exp(x0) * exp(x1) + (log(x0) + log(x1))']));
    expect(mutate(parseExpression('x0 * x1 + exp(x0)'), mutationContext(o, 2, createRng(1)))).toBeNull();
    const t = parseExpression('log(x0 + 1) - log(x1 * x1 + 2) + exp(x0) / exp(x1)');
    for (const s of rewrites(toInfix(t))) {
      for (const [a, b] of [[0.3, 1.7], [2, 0.5]]) {
        const at = (e: string) => evaluateAt(parseExpression(e), [a, b]);
        expect(at(s)).toBeCloseTo(at(toInfix(t)), 10);
      }
    }
  });
});
