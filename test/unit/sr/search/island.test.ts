import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import type { Dataset } from '../../../../src/sr/eval/types.js';
import type { Node } from '../../../../src/sr/expression/node.js';
import { createIslandState, runIslandTask } from '../../../../src/sr/search/island.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import { emptyFrequency, selectionCost, updateSizeFrequency } from '../../../../src/sr/search/parsimony.js';
import { deserializeMember } from '../../../../src/sr/search/population.js';
import type { IslandTask, SerializedMember } from '../../../../src/sr/search/runner.js';
import { migrate } from '../../../../src/sr/search/search.js';
import { withoutScaleAndOffset } from '../../../../src/sr/search/scaling.js';
import { satisfiesConstraints } from '../../../../src/sr/search/tree-ops.js';
import { createRng } from '../../../../src/sr/util/rng.js';

function problem(n = 24): Dataset {
  const rng = createRng(8);
  const X = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) { X[r] = 2 * rng.next() - 1; y[r] = X[r] * X[r] + Math.sin(X[r]); }
  return { X, y, nFeatures: 1, nRows: n };
}

const options = resolveOptions({ populationSize: 24, maxGenerations: 10, maxSize: 15, operators: ['+', '-', '*', 'sin', 'exp'] });
const task = (seed: number, generations = 5): IslandTask => ({
  islandId: 2, state: createIslandState(2, seed), generations, migrants: [], options: options,
});

describe('parsimony', () => {
  it('keeps loss and cost apart: a crowded size costs more, the loss is untouched', () => {
    const o = { parsimony: 0, adaptiveParsimonyScaling: 2 };
    const m = { loss: 0.5, complexity: 3 };
    const frequency = emptyFrequency(10);
    expect(selectionCost(m, o, 1, frequency)).toBe(0.5);
    frequency[3] = 0.5;
    expect(selectionCost(m, o, 1, frequency)).toBeCloseTo(0.5 * Math.exp(1), 12);
    expect(m.loss).toBe(0.5);
    expect(selectionCost({ loss: Infinity, complexity: 3 }, o, 1, frequency)).toBe(Infinity);
    expect(selectionCost({ loss: null as unknown as number, complexity: 3 }, o, 1, frequency)).toBe(Infinity);
  });
  it('adds linear parsimony on the loss normalised by the baseline', () => {
    expect(selectionCost({ loss: 4, complexity: 10 }, { parsimony: 0.01, adaptiveParsimonyScaling: 0 }, 2, [])).toBeCloseTo(2.1, 12);
  });
  it('smooths size shares into frequencies that tend to the population histogram', () => {
    const f = emptyFrequency(5);
    for (let i = 0; i < 300; i++) updateSizeFrequency(f, [1, 1, 3, 9]);
    expect(f[1]).toBeCloseTo(0.5, 10);
    expect(f[3]).toBeCloseTo(0.25, 10);
    expect(f[5]).toBeCloseTo(0.25, 10); // sizes above the last bin share it
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });
});

describe('runIslandTask', () => {
  const data = problem();
  const ev = new ReferenceEvaluator();
  ev.setDataset(data);

  it('is a pure function of its task: same task, bitwise the same result', () => {
    const t = task(11);
    const a = runIslandTask(structuredClone(t), { evaluator: ev, data });
    const b = runIslandTask(structuredClone(t), { evaluator: ev, data });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.evaluations).toBeGreaterThan(5 * 12);
  });

  it('continues from a saved state, alike after structured clone (workers) or JSON (checkpoints)', () => {
    const first = runIslandTask(task(3), { evaluator: ev, data });
    const next = { ...task(3), state: first.state };
    const a = runIslandTask(structuredClone(next), { evaluator: ev, data });
    const b = runIslandTask(JSON.parse(JSON.stringify(next)), { evaluator: ev, data });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect((a.state as unknown as { generation: number }).generation).toBe(10);
  });

  it('keeps a population within the constraints and a hall of fame of finite, sorted members', () => {
    const res = runIslandTask(task(5, 8), { evaluator: ev, data });
    const members = (res.state as unknown as { members: SerializedMember[] }).members;
    expect(members).toHaveLength(options.populationSize);
    for (const m of members) expect(satisfiesConstraints(deserializeMember(m).tree, options)).toBe(true);
    expect(res.hallOfFame.length).toBeGreaterThan(0);
    expect(res.hallOfFame.every((m) => Number.isFinite(m.loss))).toBe(true);
    expect(res.hallOfFame.every((m, i) => i === 0 || m.complexity > res.hallOfFame[i - 1].complexity)).toBe(true);
  });

  it('takes migrants in', () => {
    const migrant: SerializedMember = { ...runIslandTask(task(7, 1), { evaluator: ev, data }).hallOfFame[0], loss: 1e-30, complexity: 1 };
    // (without linear scaling: with it the hall of fame rescores what it keeps as a * f + b, made-up losses included)
    const res = runIslandTask({ ...task(9, 1), options: { ...options, linearScaling: false }, migrants: [migrant] }, { evaluator: ev, data });
    expect(res.hallOfFame.some((m) => m.loss === 1e-30)).toBe(true);
  });

  it('rejects a state of another version', () => {
    const t = task(1);
    expect(() => runIslandTask({ ...t, state: { ...t.state, version: 99 } }, { evaluator: ev, data })).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID' }));
  });
});

describe('migration', () => {
  const member = (island: number, loss: number): SerializedMember => ({ code: [1, island], consts: [], loss, complexity: 1 + island, birth: 0 });
  const bests = [[member(0, 5)], [member(1, 3)], [member(2, 1)], [member(3, 4)]];
  const o = resolveOptions({ populationSize: 20, migrationFraction: 0.05, maxGenerations: 1 });

  it('ring: island i receives the best of island i - 1', () => {
    const out = migrate(bests, [], o, createRng(1));
    expect(out.map((m) => m[0].code[1])).toEqual([3, 0, 1, 2]);
  });
  it('all: every island receives the best of the others', () => {
    const out = migrate(bests, [], { ...o, migrationTopology: 'all' }, createRng(1));
    expect(out.map((m) => m[0].code[1])).toEqual([2, 2, 1, 2]);
  });
  it('random: never from itself, and the same draw for the same seed', () => {
    const a = migrate(bests, [], { ...o, migrationTopology: 'random' }, createRng(4));
    const b = migrate(bests, [], { ...o, migrationTopology: 'random' }, createRng(4));
    expect(a).toEqual(b);
    a.forEach((m, i) => expect(m[0].code[1]).not.toBe(i));
  });
  it('adds members of the merged front and nothing from a lone island', () => {
    const out = migrate([[member(0, 5)]], [member(9, 0.1)], o, createRng(1));
    expect(out).toEqual([[member(9, 0.1)]]);
  });
});

describe('island restarts and constant-free search', () => {
  const data = problem();
  const ctx = () => { const evaluator = new ReferenceEvaluator(); evaluator.setDataset(data); return { evaluator, data }; };
  it('an island stagnant for restartAfterCycles cycles starts again from a fresh population', () => {
    const o = resolveOptions({ ...options, restartAfterCycles: 2 });
    let state = createIslandState(2, 5);
    const states: Record<string, unknown>[] = [];
    for (let cycle = 0; cycle < 12; cycle++) {
      const r = runIslandTask({ islandId: 2, state, generations: 2, migrants: [], options: o }, ctx());
      state = r.state;
      states.push(state as unknown as Record<string, unknown>);
    }
    const restarts = states.map((s) => s.restarts as number);
    // restarts never go down, and one happens within the first cycles after two cycles without improvement
    expect(restarts.every((r, i) => i === 0 || r >= restarts[i - 1])).toBe(true);
    expect(restarts.at(-1)).toBeGreaterThan(0);
    const stagnant = states.map((s) => s.stagnantCycles as number);
    for (let i = 1; i < states.length; i++) {
      if (restarts[i] > restarts[i - 1]) expect(stagnant[i - 1]).toBeGreaterThanOrEqual(2);
      else if (stagnant[i - 1] >= 2) throw new Error(`cycle ${i}: stagnant for ${stagnant[i - 1]} cycles and not restarted`);
    }
  });
  it('with restartAfterCycles 0 an island never restarts', () => {
    const o = resolveOptions({ ...options, restartAfterCycles: 0 });
    let state = createIslandState(2, 5);
    for (let cycle = 0; cycle < 8; cycle++) state = runIslandTask({ islandId: 2, state, generations: 2, migrants: [], options: o }, ctx()).state;
    expect((state as unknown as { restarts: number }).restarts).toBe(0);
  });
  it('restartImprovement: a fall of the lowest loss smaller than it leaves the island stagnant', () => {
    // restartImprovement 1: no fall counts after the first cycle, so the island restarts every restartAfterCycles
    const o = resolveOptions({ ...options, restartAfterCycles: 2, restartImprovement: 1 });
    let state = createIslandState(2, 5);
    const seen: { restarts: number; stagnantCycles: number }[] = [];
    for (let cycle = 0; cycle < 7; cycle++) {
      state = runIslandTask({ islandId: 2, state, generations: 2, migrants: [], options: o }, ctx()).state;
      seen.push(state as unknown as { restarts: number; stagnantCycles: number });
    }
    // cycle 1 sets the first lowest loss, cycles 2-3 are stagnant, cycle 4 starts afresh (and cycle 7)
    expect(seen.map((s) => s.stagnantCycles)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(seen.map((s) => s.restarts)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(() => resolveOptions({ restartImprovement: 2 })).toThrow(/restartImprovement/);
  });
  it('constantProbability 0 searches without constants', () => {
    const o = resolveOptions({ ...options, constantProbability: 0 });
    const r = runIslandTask({ islandId: 2, state: createIslandState(2, 9), generations: 6, migrants: [], options: o }, ctx());
    const members = (r.state as unknown as { members: SerializedMember[] }).members;
    expect(members.length).toBe(o.populationSize);
    for (const m of members) expect(m.consts.length).toBe(0);
  });
});

describe('linear scaling in the island', () => {
  it('keeps a * f + b with f free of an outer scale or offset (a and b stand for them: no cancelling pairs)', () => {
    const o = resolveOptions({ populationSize: 24, maxGenerations: 10, maxSize: 15, operators: ['+', '-', '*', 'sin', 'exp'], constantProbability: 0.6 });
    expect(o.linearScaling).toBe(true);
    const data = problem();
    const evaluator = new ReferenceEvaluator();
    evaluator.setDataset(data);
    const kept = [1, 2, 3, 4, 5, 6].flatMap((seed) => runIslandTask({ islandId: 0, state: createIslandState(0, seed), generations: 15, migrants: [], options: o }, { evaluator, data }).hallOfFame);
    expect(kept.length).toBeGreaterThan(12);
    const isConst = (n: Node): boolean => n.kind === 'const';
    for (const m of kept) {
      let f = deserializeMember(m).tree;
      if (f.kind === 'op' && f.op === '+' && isConst(f.children[1])) f = f.children[0];
      if (f.kind === 'op' && f.op === '*' && isConst(f.children[0])) f = f.children[1];
      expect(withoutScaleAndOffset(f)).toBe(f);
    }
  });
});

describe('runIslandTask with the semantic move', () => {
  const data = problem();
  const ev = new ReferenceEvaluator();
  ev.setDataset(data);
  const o = resolveOptions({ ...options, mutationWeights: { ...options.mutationWeights, semanticTerm: 0.5 }, semanticLibrarySize: 16 });
  const semanticTask = (seed: number): IslandTask => ({ islandId: 2, state: createIslandState(2, seed), generations: 5, migrants: [], options: o });

  it('stays a pure function of its task, counts the library and the moves, and keeps members valid', () => {
    const a = runIslandTask(structuredClone(semanticTask(5)), { evaluator: ev, data });
    const b = runIslandTask(structuredClone(semanticTask(5)), { evaluator: ev, data });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const plain = runIslandTask(structuredClone(task(5)), { evaluator: ev, data });
    // the library alone is at least a dozen predictions more than the run without the move
    expect(a.evaluations).toBeGreaterThan(plain.evaluations + 12);
    for (const m of a.state.members) expect(satisfiesConstraints(deserializeMember(m).tree as Node, o)).toBe(true);
  });
  it('rejects a library size that is not a positive integer', () => {
    expect(() => resolveOptions({ semanticLibrarySize: 0 })).toThrow('semanticLibrarySize');
  });
});
