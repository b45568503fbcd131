import { describe, expect, it } from 'vitest';
import { DEFAULT_MUTATION_WEIGHTS, DEFAULT_OPTIONS, islandMutationOptions, resolveOptions } from '../../../../src/sr/search/options.js';
import { equationSearch } from '../../../../src/sr/search/search.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (err) { return (err as { code?: string }).code; }
  return undefined;
};

describe('resolveOptions', () => {
  it('gives JSON-safe options that survive a JSON round trip unchanged', () => {
    const o = resolveOptions({ maxGenerations: 5, constantBounds: [-10, 10], migrationTopology: 'all' });
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);
    expect(resolveOptions(JSON.parse(JSON.stringify(o)))).toEqual(o);
  });

  it('normalises operator aliases everywhere operators are named', () => {
    const o = resolveOptions({ operators: ['add', 'mul', 'ln', 'exp'], operatorComplexity: { ln: 3 }, forbiddenNestings: [['ln', 'exp']] });
    expect(o.operators).toEqual(['+', '*', 'log', 'exp']);
    expect(o.operatorComplexity).toEqual({ log: 3 });
    expect(o.forbiddenNestings).toEqual([['log', 'exp']]);
  });

  it('keeps the defaults object untouched', () => {
    const before = JSON.stringify(DEFAULT_OPTIONS);
    resolveOptions({ mutationWeights: { insertNode: 3 } as never, operators: ['+'] });
    expect(JSON.stringify(DEFAULT_OPTIONS)).toBe(before);
  });

  it.each([
    [{ populations: 1.5 }, 'INVALID_OPTION', /options\.populations must be a positive integer/],
    [{ populationSize: 2 }, 'INVALID_OPTION', /options\.populationSize must be at least 4/],
    [{ maxDepth: 1 }, 'INVALID_OPTION', /options\.maxDepth must be at least 2/],
    [{ tournamentProbability: 1.5 }, 'INVALID_OPTION', /options\.tournamentProbability must be a number in \[0, 1\]/],
    [{ migrationTopology: 'star' }, 'INVALID_OPTION', /options\.migrationTopology must be one of ring, random, all/],
    [{ optimizeProbability: -0.1 }, 'INVALID_OPTION', /options\.optimizeProbability/],
    [{ constantBounds: [3, 1] }, 'INVALID_OPTION', /options\.constantBounds/],
    [{ constantBounds: [0, Infinity] }, 'INVALID_OPTION', /JSON-safe/],
    [{ forbiddenNestings: [['exp', 'blah']] }, 'UNKNOWN_OPERATOR', /forbiddenNestings: unknown operator "blah"/],
    [{ forbiddenNestings: [['exp']] }, 'INVALID_OPTION', /\[outer, inner\]/],
    [{ operatorComplexity: { zeta: 2 } }, 'UNKNOWN_OPERATOR', /operatorComplexity: unknown operator "zeta"/],
    [{ operatorComplexity: { exp: -1 } }, 'INVALID_OPTION', /operatorComplexity\.exp must be a number in \[0, 100\]/],
    [{ mutationWeights: { teleport: 1 } }, 'INVALID_OPTION', /mutationWeights\.teleport/],
    [{ maxEvaluations: 10.5 }, 'INVALID_OPTION', /maxEvaluations must be a positive integer or null/],
    [{ maxTime: -1 }, 'INVALID_OPTION', /maxTime must be a positive number or null/],
    [{ seed: -3 }, 'INVALID_OPTION', /seed must be a non-negative integer/],
    [{ simplifyDuringSearch: 'yes' }, 'INVALID_OPTION', /simplifyDuringSearch/],
    [{ operators: [] }, 'INVALID_OPTION', /at least one operator/],
    [{ offspringOptimizeProbability: 2 }, 'INVALID_OPTION', /options\.offspringOptimizeProbability must be a number in \[0, 1\]/],
    [{ offspringOptimizeIterations: 0 }, 'INVALID_OPTION', /options\.offspringOptimizeIterations must be a positive integer/],
    [{ dedupe: 1 }, 'INVALID_OPTION', /options\.dedupe must be true or false/],
    [{ strictEvaluationBudget: 'yes' }, 'INVALID_OPTION', /options\.strictEvaluationBudget must be true or false/],
  ])('rejects %j', (partial, code, message) => {
    expect(codeOf(() => resolveOptions(partial as never))).toBe(code);
    expect(() => resolveOptions(partial as never)).toThrow(message);
  });

  it('checks per-feature complexities against the data', async () => {
    const data = { X: new Float64Array(4), y: new Float64Array([1, 2]), nFeatures: 2, nRows: 2 };
    await expect(equationSearch(data, { featureComplexity: [1, 2, 3], maxGenerations: 1 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('linearScaling default', () => {
  it('is on for mse, off for other losses and for a search without constants unless asked for', () => {
    expect(resolveOptions({ maxGenerations: 1 }).linearScaling).toBe(true);
    expect(resolveOptions({ maxGenerations: 1, loss: 'mae' }).linearScaling).toBe(false);
    expect(resolveOptions({ maxGenerations: 1, constantProbability: 0 }).linearScaling).toBe(false);
    expect(resolveOptions({ maxGenerations: 1, constantProbability: 0, linearScaling: true }).linearScaling).toBe(true);
    expect(resolveOptions({ maxGenerations: 1, constantProbability: 0.1 }).linearScaling).toBe(true);
  });
});

describe('product-of-powers moves by island', () => {
  const weightsOf = (o: ReturnType<typeof resolveOptions>, island: number) => islandMutationOptions(o, island).mutationWeights;
  it('are on every island by default, with or without constants', () => {
    for (const partial of [{ maxGenerations: 1 }, { maxGenerations: 1, constantProbability: 0 }]) {
      const o = resolveOptions(partial);
      expect(o.productMoveIslands).toBe(1);
      for (let i = 0; i < 8; i++) expect(weightsOf(o, i)).toEqual(DEFAULT_MUTATION_WEIGHTS);
    }
  });
  it('are on the asked share of the islands, spread over the ids; the others keep the other weights', () => {
    const half = resolveOptions({ maxGenerations: 1, productMoveIslands: 0.5 });
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter((i) => weightsOf(half, i).powerFactor > 0)).toEqual([1, 3, 5, 7]);
    for (const i of [0, 2, 4, 6]) {
      expect(weightsOf(half, i).multiplyByFeature).toBe(0);
      expect(weightsOf(half, i).insertNode).toBe(DEFAULT_MUTATION_WEIGHTS.insertNode);
    }
    // the resolved options and the shared defaults are not changed
    expect(half.mutationWeights.multiplyByFeature).toBe(DEFAULT_MUTATION_WEIGHTS.multiplyByFeature);
    expect(DEFAULT_MUTATION_WEIGHTS.multiplyByFeature).toBeGreaterThan(0);
    const none = resolveOptions({ maxGenerations: 1, productMoveIslands: 0 });
    for (let i = 0; i < 8; i++) expect(weightsOf(none, i).multiplyByFeature).toBe(0);
    const quarter = resolveOptions({ maxGenerations: 1, productMoveIslands: 0.25 });
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter((i) => weightsOf(quarter, i).multiplyByFeature > 0)).toEqual([3, 7]);
    expect(() => resolveOptions({ maxGenerations: 1, productMoveIslands: 1.5 })).toThrow('productMoveIslands');
  });
});
