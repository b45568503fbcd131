import { describe, expect, it } from 'vitest';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { islandMutationOptions, islandRole, islandTermCrossover, resolveOptions } from '../../../../src/sr/search/options.js';
import type { SerializedMember } from '../../../../src/sr/search/runner.js';
import { equationSearch, migrate } from '../../../../src/sr/search/search.js';
import { createRng } from '../../../../src/sr/util/rng.js';
import { twoFeatureData } from './problem-fixture.js';

const ids = [0, 1, 2, 3, 4, 5, 6, 7];
const koza = ['+', '-', '*', '/', 'sin', 'cos', 'exp', 'log'];

describe('island roles (options.disjointIslandRoles)', () => {
  const opts = (partial: object) => resolveOptions({ maxGenerations: 1, termCrossover: 0.1, ...partial });
  const sums = (partial: object) => { const o = opts(partial); return ids.filter((i) => islandTermCrossover(o, i) > 0); };
  const products = (partial: object) => { const o = opts(partial); return ids.filter((i) => islandMutationOptions(o, i).mutationWeights.powerFactor > 0); };

  it('off by default: the two shares are spread on their own and may name the same islands', () => {
    expect(resolveOptions({ maxGenerations: 1 }).disjointIslandRoles).toBe(false);
    expect(products({ productMoveIslands: 0.5, termCrossoverIslands: 0.5 })).toEqual([1, 3, 5, 7]);
    expect(sums({ productMoveIslands: 0.5, termCrossoverIslands: 0.5 })).toEqual([1, 3, 5, 7]);
  });

  it('on: the termCrossover share is taken from the islands without product moves, whose share is unchanged', () => {
    const both = { productMoveIslands: 0.5, termCrossoverIslands: 0.5, disjointIslandRoles: true };
    expect(products(both)).toEqual([1, 3, 5, 7]);
    expect(sums(both)).toEqual([0, 2, 4, 6]);
    expect(sums({ ...both, termCrossoverIslands: 0.25 })).toEqual([2, 6]);
    // a share larger than the islands left: all of them
    expect(sums({ ...both, termCrossoverIslands: 1 })).toEqual([0, 2, 4, 6]);
    expect(sums({ productMoveIslands: 0.25, termCrossoverIslands: 0.375, disjointIslandRoles: true })).toEqual([1, 4, 6]);
    // product moves everywhere (the default) leave no island for sums; none anywhere, the share as without the option
    expect(sums({ termCrossoverIslands: 0.5, disjointIslandRoles: true })).toEqual([]);
    expect(sums({ productMoveIslands: 0, termCrossoverIslands: 0.25, disjointIslandRoles: true })).toEqual([3, 7]);
    // termCrossover 0: no sums whatever the shares
    expect(sums({ ...both, termCrossover: 0 })).toEqual([]);
  });

  it('names each island by what it makes', () => {
    const roles = (partial: object) => { const o = opts(partial); return ids.map((i) => islandRole(o, i)); };
    expect(roles({ productMoveIslands: 0.5, termCrossoverIslands: 0.25, disjointIslandRoles: true }))
      .toEqual(['plain', 'product', 'sum', 'product', 'plain', 'product', 'sum', 'product']);
    expect(roles({ productMoveIslands: 0.5, termCrossoverIslands: 0.5 }))
      .toEqual(['plain', 'both', 'plain', 'both', 'plain', 'both', 'plain', 'both']);
    expect(roles({ termCrossover: 0 })).toEqual(Array(8).fill('product'));
  });

  it('validates its options', () => {
    expect(resolveOptions({ maxGenerations: 1 }).roleMigration).toBe('mixed');
    expect(() => resolveOptions({ maxGenerations: 1, disjointIslandRoles: 1 as never })).toThrow(/disjointIslandRoles/);
    expect(() => resolveOptions({ maxGenerations: 1, roleMigration: 'ring' as never })).toThrow(/roleMigration/);
  });
});

describe('migration by role (options.roleMigration)', () => {
  // island j's member: code [1, j], loss given; roles plain, product, sum, product, plain, product, sum, product
  const member = (island: number, loss: number): SerializedMember => ({ code: [1, island], consts: [], loss, complexity: 1 + island, birth: 0 });
  const losses = [5, 3, 1, 4, 6, 2, 7, 8];
  const bests = losses.map((l, j) => [member(j, l)]);
  const o = resolveOptions({
    maxGenerations: 1, populationSize: 20, migrationFraction: 0.05, termCrossover: 0.1,
    productMoveIslands: 0.5, termCrossoverIslands: 0.25, disjointIslandRoles: true,
  });
  const from = (out: SerializedMember[][]) => out.map((m) => m[0]?.code[1]);

  it("'mixed' (default) migrates as without roles", () => {
    expect(from(migrate(bests, [], o, createRng(1)))).toEqual([7, 0, 1, 2, 3, 4, 5, 6]);
  });
  it("'within', ring: the nearest island of the same role before it", () => {
    expect(from(migrate(bests, [], { ...o, roleMigration: 'within' }, createRng(1)))).toEqual([4, 7, 6, 1, 0, 3, 2, 5]);
  });
  it("'within', all: the best of the same role's other islands", () => {
    expect(from(migrate(bests, [], { ...o, roleMigration: 'within', migrationTopology: 'all' }, createRng(1)))).toEqual([4, 5, 6, 5, 0, 1, 2, 5]);
  });
  it("'within', random: never itself, always its own role, the same draw for the same seed", () => {
    const p = { ...o, roleMigration: 'within' as const, migrationTopology: 'random' as const };
    const a = migrate(bests, [], p, createRng(4));
    expect(a).toEqual(migrate(bests, [], p, createRng(4)));
    from(a).forEach((j, i) => { expect(j).not.toBe(i); expect(islandRole(o, j)).toBe(islandRole(o, i)); });
  });
  it("'fromPlain': role islands take from their own role and plain ones; plain ones only from plain ones", () => {
    expect(from(migrate(bests, [], { ...o, roleMigration: 'fromPlain' }, createRng(1)))).toEqual([4, 0, 0, 1, 0, 4, 4, 5]);
    expect(from(migrate(bests, [], { ...o, roleMigration: 'fromPlain', migrationTopology: 'all' }, createRng(1)))).toEqual([4, 5, 0, 5, 0, 1, 2, 5]);
  });
  it("the front's migrants come from the islands an island takes from, itself included", () => {
    // count 1: one island migrant then one front member; the global front is not used
    const out = migrate(bests, [member(9, 0)], { ...o, roleMigration: 'within' }, createRng(1));
    out.forEach((m, i) => {
      expect(m).toHaveLength(2);
      expect(islandRole(o, m[1].code[1])).toBe(islandRole(o, i));
    });
    const plainIn = migrate(bests, [member(9, 0)], { ...o, roleMigration: 'fromPlain' }, createRng(1));
    for (const i of [0, 4]) expect(islandRole(o, plainIn[i][1].code[1])).toBe('plain');
  });
  it('a role with one island takes only front members', () => {
    const one = resolveOptions({ ...o, productMoveIslands: 0.5, termCrossoverIslands: 0.125, roleMigration: 'within' });
    // roles: plain, product, plain, product, plain, product, sum, product: island 6 alone
    expect(islandRole(one, 6)).toBe('sum');
    const out = migrate(bests, [], one, createRng(1));
    expect(out[6].map((m) => m.code[1])).toEqual([6]);
  });
});

describe('island roles leave default searches draw for draw unchanged', () => {
  it("disjointIslandRoles false and roleMigration 'mixed' are the search as before; on, they change it", async () => {
    const { data } = twoFeatureData('x*x - y', 0.01, 0.98, 2);
    const base = { operators: koza, constantProbability: 0, maxSize: 30, populations: 4, populationSize: 24, maxTime: null, maxEvaluations: 20000, strictEvaluationBudget: true, seed: 7 };
    const summary = (r: Awaited<ReturnType<typeof equationSearch>>) => ({ evaluations: r.evaluations, front: r.front.map((m) => [toInfix(m.tree, ['x', 'y']), m.loss]) });
    const plain = summary(await equationSearch(data, base));
    expect(summary(await equationSearch(data, { ...base, disjointIslandRoles: false, roleMigration: 'mixed' }))).toEqual(plain);
    const tc = { ...base, termCrossover: 0.3, productMoveIslands: 0.5, termCrossoverIslands: 0.5 };
    const shared = summary(await equationSearch(data, tc));
    expect(summary(await equationSearch(data, { ...tc, disjointIslandRoles: false, roleMigration: 'mixed' }))).toEqual(shared);
    expect(summary(await equationSearch(data, { ...tc, disjointIslandRoles: true, roleMigration: 'within' }))).not.toEqual(shared);
  });
});
