import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import type { Node } from '../../../../src/sr/expression/node.js';
import { DEFAULT_MUTATION_WEIGHTS, resolveOptions, type MutationWeights } from '../../../../src/sr/search/options.js';
import { libraryMember, mutate, mutationContext, randomMember } from '../../../../src/sr/search/mutate.js';
import { buildLibrary, semanticContext, semanticTerm, type SemanticContext } from '../../../../src/sr/search/semantic.js';
import { satisfiesConstraints } from '../../../../src/sr/search/tree-ops.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import { twoFeatureData } from './problem-fixture.js';

const names = ['x', 'y'];
const koza = ['+', '-', '*', '/', 'sin', 'cos', 'exp', 'log'];

/** 20 rows of x, y in (0, 2) and the values of `truth` on them, held by a reference evaluator. */
const dataFor = (truth: string, seed = 1) => twoFeatureData(truth, 0.05, 1.9, seed);

const valuesOf = (sem: SemanticContext, text: string): Float64Array => sem.values(parseExpression(text, names))!;
const closeTo = (a: Float64Array, b: Float64Array): boolean => a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(b[i])));

describe('semanticTerm (residual-guided term move)', () => {
  const o = resolveOptions({ operators: koza, constantProbability: 0, maxSize: 40, maxDepth: 12 });

  it('completes a sum inside a log from a library expression: log(x + x/x) + log(x*x) -> the truth', () => {
    const { ev, data } = dataFor('log(x + 1) + log(x*x + 1)');
    const sem = semanticContext(ev, data, false);
    sem.library = ['y', 'x / x', 'x * y', 'x - y'].map((t) => ({ tree: parseExpression(t, names), values: valuesOf(sem, t) }));
    const parent = parseExpression('log(x + x / x) + log(x * x)', names);
    const children: Node[] = [];
    for (let seed = 0; seed < 60; seed++) {
      const child = semanticTerm(parent, sem, createRng(seed), ['+', '-', '*', '/'], o);
      if (child) children.push(child);
    }
    // some node's target is met exactly: x * x below the second log needs x * x + 1 (its target is exp(y - log(x + 1)))
    expect(children.some((c) => { const v = sem.values(c); return v !== null && closeTo(v, data.y); })).toBe(true);
    // the parent is unchanged and every child is valid
    expect(toInfix(parent, names)).toBe('log(x + x / x) + log(x * x)');
    for (const c of children) expect(satisfiesConstraints(c, o)).toBe(true);
  });

  it('adds the missing term at the root and finds a factor below a product', () => {
    const { ev, data } = dataFor('x * y - y');
    const sem = semanticContext(ev, data, false);
    sem.library = ['y', 'x', 'x / y'].map((t) => ({ tree: parseExpression(t, names), values: valuesOf(sem, t) }));
    const root = semanticTerm(parseExpression('x * y', names), sem, { ...createRng(0), int: () => 0 }, ['+', '-', '*', '/'], o);
    expect(toInfix(root!, names)).toBe('x * y - y');
    // at node x (index 1) of x * x, the target is (x y - y) / x: no library expression meets it, but x * x -> ...
    const below = semanticTerm(parseExpression('(x - y / y) * x', names), sem, { ...createRng(0), int: () => 6 }, ['+', '-', '*', '/'], o);
    expect(toInfix(below!, names)).toBe('(x - y / y) * y');
  });

  it('under linear scaling aims the root at (y - b) / a', () => {
    const { ev, data } = dataFor('3 * (x + y) + 2');
    const sem = semanticContext(ev, data, true);
    sem.library = ['y', 'x * y'].map((t) => ({ tree: parseExpression(t, names), values: valuesOf(sem, t) }));
    const child = semanticTerm(parseExpression('x', names), sem, { ...createRng(0), int: () => 0 }, ['+', '-', '*', '/'], o);
    expect(toInfix(child!, names)).toBe('x + y');
  });

  it('gives up on operators without an inverse and when nothing comes closer', () => {
    const { ev, data } = dataFor('sin(x) + y');
    const sem = semanticContext(ev, data, false);
    sem.library = [{ tree: parseExpression('x', names), values: valuesOf(sem, 'x') }];
    // the node below sin has no target
    expect(semanticTerm(parseExpression('sin(y)', names), sem, { ...createRng(0), int: () => 1 }, ['+'], o)).toBeNull();
    // sin(x) + y is the truth: nothing is closer
    expect(semanticTerm(parseExpression('sin(x) + y', names), sem, { ...createRng(0), int: () => 0 }, ['+', '-', '*', '/'], o)).toBeNull();
  });

  it('through mutate: every child is valid, and every prediction is counted', () => {
    const { ev, data } = dataFor('x*x*x*x - x*x*x + y*y/2 - y');
    const only = Object.fromEntries(Object.keys(DEFAULT_MUTATION_WEIGHTS).map((k) => [k, k === 'semanticTerm' ? 1 : 0])) as unknown as MutationWeights;
    const so = resolveOptions({ operators: koza, constantProbability: 0, maxSize: 25, maxDepth: 8, mutationWeights: only });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const sem = semanticContext(ev, data, false);
      const ctx = mutationContext(so, 2, createRng(seed), sem);
      buildLibrary(sem, 32, () => libraryMember(ctx), so);
      expect(sem.library.length).toBeGreaterThan(0);
      expect(sem.evaluations).toBeGreaterThanOrEqual(sem.library.length);
      const parent = randomMember(ctx);
      const out = mutate(parent, ctx);
      if (!out) return;
      expect(out.mutation).toBe('semanticTerm');
      expect(satisfiesConstraints(out.tree, so)).toBe(true);
    }), { numRuns: 60 });
  });

  it('makes no child without a semantic context (weight 0 is the default)', () => {
    expect(DEFAULT_MUTATION_WEIGHTS.semanticTerm).toBe(0);
    const only = Object.fromEntries(Object.keys(DEFAULT_MUTATION_WEIGHTS).map((k) => [k, k === 'semanticTerm' ? 1 : 0])) as unknown as MutationWeights;
    const so = resolveOptions({ operators: koza, constantProbability: 0, mutationWeights: only });
    const ctx = mutationContext(so, 2, createRng(3));
    expect(mutate(parseExpression('x + y', names), ctx)).toBeNull();
  });
});

describe('nodeValues', () => {
  it('gives every node its values, the root equal to the evaluator prediction, as one evaluation', () => {
    const { ev, data } = dataFor('x');
    const sem = semanticContext(ev, data, false);
    const tree = parseExpression('log(x * y + 1) - exp(y) / x', names);
    const all = sem.nodeValues(tree);
    expect(sem.evaluations).toBe(1);
    expect(all.length).toBe(11);
    expect(Array.from(all[0])).toEqual(Array.from(ev.predict(compile(tree))));
    expect(Array.from(all[3])).toEqual(Array.from(ev.predict(compile(parseExpression('x * y', names)))));
  });
});

describe('buildLibrary', () => {
  it('keeps distinct expressions, constant ones (not 0) only in a search without constants', () => {
    const { ev, data } = dataFor('x');
    const draws = ['x / x', 'y / y', 'x - x', 'x * y', 'y * x', 'x / (x + x)'];
    const build = (constantProbability: number) => {
      const sem = semanticContext(ev, data, false);
      let k = 0;
      buildLibrary(sem, 10, () => (k < draws.length ? parseExpression(draws[k++], names) : null), resolveOptions({ operators: koza, constantProbability }));
      return sem.library.map((e) => toInfix(e.tree, names));
    };
    expect(build(0)).toEqual(['x / x', 'x * y', 'x / (x + x)']);
    expect(build(0.3)).toEqual(['1', 'x * y']);
  });
});
