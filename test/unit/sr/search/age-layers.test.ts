import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import type { Dataset } from '../../../../src/sr/eval/types.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { ageLimit, layerOf, routeOutgrown } from '../../../../src/sr/search/age-layers.js';
import { createIslandState, runIslandTask } from '../../../../src/sr/search/island.js';
import { resolveOptions, type SearchOptions } from '../../../../src/sr/search/options.js';
import { deserializeMember, makeMember, serializeMember } from '../../../../src/sr/search/population.js';
import type { IslandTask, SerializedMember } from '../../../../src/sr/search/runner.js';
import { equationSearch } from '../../../../src/sr/search/search.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const names = ['x', 'y'];

/** 20 rows of x, y in [0.5, 2.5) and log(x + 1) + y^2 / 2 (a sum of a log and a polynomial, no constants) */
function data(): Dataset {
  const rng = createRng(3);
  const n = 20;
  const X = new Float64Array(2 * n);
  for (let i = 0; i < X.length; i++) X[i] = 0.5 + 2 * rng.next();
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) y[r] = Math.log(X[r] + 1) + (X[n + r] * X[n + r]) / 2;
  return { X, y, nFeatures: 2, nRows: n };
}

const base = {
  operators: ['+', '-', '*', '/', 'log', 'exp'], constantProbability: 0, maxSize: 30, populations: 4, populationSize: 16,
  generationsPerCycle: 5, maxTime: null, maxEvaluations: 8000, strictEvaluationBudget: true, seed: 4,
};
const layeredOptions = (partial: Partial<SearchOptions> = {}): SearchOptions => resolveOptions({ ...base, populations: 8, ageLayers: 4, ageGap: 10, ...partial });

const d = data();
const ev = new ReferenceEvaluator();
ev.setDataset(d);
const member = (text: string, origin: number, birth = 0): SerializedMember => {
  const tree = parseExpression(text, names);
  const program = compile(tree);
  return serializeMember(makeMember(tree, program, ev.losses([program], 'mse')[0], birth, resolveOptions(base), origin));
};
const stateAt = (islandId: number, generation: number, members: SerializedMember[]) => ({ ...createIslandState(islandId, 9), generation, members });
const task = (islandId: number, o: SearchOptions, state = createIslandState(islandId, 9), extra: Partial<IslandTask> = {}): IslandTask => ({
  islandId, state, generations: 5, migrants: [], options: o, ...extra,
});
const ages = (s: { generation: number; members: SerializedMember[] }): number[] => s.members.map((m) => s.generation - (m.origin as number));

describe('age layers: layers and limits', () => {
  it('splits the islands into contiguous layers with limits ageGap * (1, 2, 4, 9, ...), none on the top layer', () => {
    const o = layeredOptions();
    expect(Array.from({ length: 8 }, (_, i) => layerOf(o, i))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(Array.from({ length: 8 }, (_, i) => ageLimit(o, i))).toEqual([10, 10, 20, 20, 40, 40, Infinity, Infinity]);
    const six = layeredOptions({ ageLayers: 6, ageGap: 3 });
    expect(Array.from({ length: 8 }, (_, i) => ageLimit(six, i))).toEqual([3, 3, 6, 12, 27, 27, 48, Infinity]);
    expect(ageLimit(resolveOptions(base), 0)).toBe(Infinity);
  });

  it('validates ageLayers (0, or 2 to populations) and ageGap', () => {
    expect(resolveOptions(base).ageLayers).toBe(0);
    expect(() => resolveOptions({ ...base, ageLayers: 1 })).toThrow(/ageLayers/);
    expect(() => resolveOptions({ ...base, ageLayers: 5 })).toThrow(/ageLayers.*populations \(4\)/);
    expect(() => resolveOptions({ ...base, ageLayers: 2.5 })).toThrow(/ageLayers/);
    expect(() => resolveOptions({ ...base, ageLayers: 2, ageGap: 0 })).toThrow(/ageGap/);
  });

  it('routes the members that outgrew a layer, best first, over the islands of the next layer', () => {
    const o = layeredOptions();
    const m = (loss: number, complexity = 3): SerializedMember => ({ code: [0, 0], consts: [], loss, complexity, birth: 0, origin: 0 });
    const outgrown = [[m(3), m(1)], [m(2), m(1, 1)], [m(5)], [], [m(7)], [], [m(0)], [m(0)]];
    const arrivals = routeOutgrown(outgrown, o);
    expect(arrivals.map((a) => a.map((x) => [x.loss, x.complexity]))).toEqual([
      [], [], [[1, 1], [2, 3]], [[1, 3], [3, 3]], [[5, 3]], [], [[7, 3]], [],
    ]);
    expect(routeOutgrown(outgrown, resolveOptions(base))).toEqual(outgrown.map(() => []));
  });
});

describe('age layers: an island', () => {
  it('random members are born with age 0; children inherit the older parent lineage, so ages grow one a generation', () => {
    const o = layeredOptions();
    // a top-layer island (no limit, no re-seeding): its members all come from one lineage drawn at generation 3
    const start = [member('x', 3), member('y', 3), member('x * y', 3), member('log(x) + y', 3)];
    const r = runIslandTask(task(7, o, stateAt(7, 10, start)), { evaluator: ev, data: d });
    expect(r.state.generation).toBe(15);
    expect(new Set(ages(r.state))).toEqual(new Set([12]));
    // two lineages: every child's origin is one of its parents' (with crossover on every child, never a new one)
    const mixed = [member('x', 0), member('y', 8), member('x * y', 8), member('log(x) + y', 0)];
    const withCrossover = runIslandTask(task(7, { ...o, crossoverProbability: 1 }, stateAt(7, 10, mixed), { generations: 8 }), { evaluator: ev, data: d });
    const origins = withCrossover.state.members.map((m) => m.origin);
    expect(origins.every((x) => x === 0 || x === 8)).toBe(true);
    // a new island: random members, origin the generation they are drawn in
    const fresh = runIslandTask(task(7, o, stateAt(7, 20, []), { generations: 1 }), { evaluator: ev, data: d });
    expect(new Set(ages(fresh.state))).toEqual(new Set([1]));
    expect(fresh.state.members).toHaveLength(16);
  });

  it('members leave an island when they reach its age limit; layer 0 re-seeds itself with random members', () => {
    const o = layeredOptions(); // island 0: limit 10
    const first = runIslandTask(task(0, o, createIslandState(0, 9), { generations: 5 }), { evaluator: ev, data: d });
    expect(first.outgrown).toEqual([]);
    expect(Math.max(...ages(first.state))).toBe(5);
    const second = runIslandTask(task(0, o, first.state, { generations: 5 }), { evaluator: ev, data: d });
    expect(second.outgrown).toHaveLength(16);
    expect(second.outgrown!.every((m) => 10 - (m.origin as number) >= 10)).toBe(true);
    expect(second.state.members).toEqual([]);
    const third = runIslandTask(task(0, o, second.state, { generations: 5 }), { evaluator: ev, data: d });
    expect(third.state.members).toHaveLength(16);
    expect(Math.max(...ages(third.state))).toBe(5); // drawn at generation 10
    // every member the island holds after any cycle is under its limit
    for (const r of [first, second, third]) expect(ages(r.state).every((a) => a < ageLimit(o, 0))).toBe(true);
  });

  it('admits migrants only under its age limit', () => {
    const o = layeredOptions();
    const old = member('log(x + x / x) + y * y * y / (y + y)', 0); // the truth itself, drawn at generation 0
    const young = member('log(x + x / x) + y * y * y / (y + y)', 95);
    const run = (islandId: number, migrant: SerializedMember) =>
      runIslandTask(task(islandId, o, stateAt(islandId, 100, [member('x', 98), member('y', 98), member('x * y', 98), member('y + y', 98)]), { migrants: [migrant], generations: 1 }), { evaluator: ev, data: d });
    const best = (r: ReturnType<typeof run>) => Math.min(...r.hallOfFame.map((m) => m.loss));
    expect(best(run(0, old))).toBeGreaterThan(1e-6); // age 100 against limit 10
    expect(best(run(0, young))).toBeLessThan(1e-20); // age 5
    expect(best(run(7, old))).toBeLessThan(1e-20); // the top layer admits any age
  });

  it('arrivals take free places, then replace the costliest member when cheaper; a short island grows back', () => {
    const o = layeredOptions({ populationSize: 4, tournamentSize: 2 });
    const held = [member('x', 50), member('y', 50), member('x * y', 50)];
    const exact = member('log(x + x / x) + y * y * y / (y + y)', 50);
    const arrivals = [exact, member('x / x', 50), member('y * y', 50), member('x - x', 50)];
    // no generation: the placement alone
    const r = runIslandTask(task(4, o, stateAt(4, 60, held), { arrivals, generations: 0 }), { evaluator: ev, data: d });
    const text = (m: SerializedMember) => toInfix(deserializeMember(m).tree, names);
    const losses = Object.fromEntries([...held, ...arrivals].map((m) => [text(m), m.loss]));
    // the exact fit takes the free place; each later arrival replaces the costliest member when it costs less
    expect(r.state.members.map(text)).toContain(text(exact));
    expect(r.state.members).toHaveLength(4);
    const kept = r.state.members.map(text);
    const dropped = Object.keys(losses).filter((t) => !kept.includes(t));
    expect(dropped).toHaveLength(3);
    // (same complexity-free order here: every dropped member has a loss at least that of every kept one)
    for (const t of dropped) for (const k of kept) expect(losses[t]).toBeGreaterThanOrEqual(losses[k] - 1e-12);
    // a short island grows back with its children instead of replacing
    const short = runIslandTask(task(6, o, stateAt(6, 60, [member('x * y', 50)]), { generations: 1 }), { evaluator: ev, data: d });
    expect(short.state.members).toHaveLength(3); // 1 + 2 children (populationSize / 2)
    const full = runIslandTask(task(6, o, stateAt(6, 60, [member('x * y', 50)]), { generations: 3 }), { evaluator: ev, data: d });
    expect(full.state.members).toHaveLength(4); // never more than populationSize
  });
});

describe('age layers: the search', () => {
  // recorded at 290da53, before age layers existed: the default search must stay draw for draw the same
  const recorded = {
    evaluations: 8028,
    generations: 235,
    front: [
      ['y', 1, 0.5664411604597459], ['y * x', 3, 0.49982293966116564], ['y + y / y', 5, 0.16835917860885047],
      ['y / (y + y) + y', 7, 0.11740016953429822], ['y + y / ((y + y) / y)', 9, 0.047922733123942726],
      ['log(y) + (y / ((y + y) * y) + y)', 13, 0.04466138031837268], ['log(y) + (y / ((y + y * y) * y) + y)', 15, 0.03905410865701456],
      ['log(y) + (y / ((y / y + y) * y) / y + y)', 17, 0.03905410865701455],
      ['log(y) + (y / ((y + x) / (y + (x - y)) * y * y) + y)', 21, 0.02984421223371491],
      ['log(y) + (y / (((y + x) / ((y + (x - y)) * x) + y) * y) / y + y)', 25, 0.02441910499334976],
      ['log(y) + (y / (((y + x) / ((y + (x - y)) * x) + y / y) * y) / y + y)', 27, 0.0213481419018391],
    ],
  };
  const summary = (r: Awaited<ReturnType<typeof equationSearch>>) => ({ evaluations: r.evaluations, generations: r.generations, front: r.front.map((m) => [toInfix(m.tree, names), m.complexity, m.loss]) });

  it('off (the default) leaves the search draw for draw as before, whatever ageGap is; no member carries an origin', async () => {
    const plain = await equationSearch(d, base);
    expect(summary(plain)).toEqual(recorded);
    expect(summary(await equationSearch(d, { ...base, ageGap: 7 }))).toEqual(recorded);
    expect(plain.islands.flatMap((s) => s.members).some((m) => 'origin' in m)).toBe(false);
    expect(plain.state.arrivals).toBeUndefined();
  });

  it('on, the search runs its layers: the islands hold members under their limits and the arrivals are saved', async () => {
    const o = { ...base, ageLayers: 2, ageGap: 10 };
    const cycles: { limitOk: boolean; arrivals: number }[] = [];
    const r = await equationSearch(d, o, {
      onCycle: (st) => {
        const opts = resolveOptions(o);
        cycles.push({
          limitOk: st.islands.every((s, i) => s.members.every((m) => s.generation - (m.origin as number) < ageLimit(opts, i))),
          arrivals: (st.arrivals ?? []).reduce((a, x) => a + x.length, 0),
        });
      },
    });
    expect(summary(r)).not.toEqual(recorded);
    expect(cycles.every((c) => c.limitOk)).toBe(true);
    expect(cycles.some((c) => c.arrivals > 0)).toBe(true);
    expect(r.state.arrivals).toHaveLength(4);
  });
});
