// Epochs (options.epochRestartCycles, 25 by default; 0 turns them off): draw for draw the search without them until an
// epoch ends; a new epoch starts every island afresh, the final front keeps every epoch's members, and a saved state
// resumes the epochs exactly.
import { describe, expect, it } from 'vitest';
import { equationSearch, nextEpoch, type SearchState } from '../../../../src/sr/search/search.js';
import { HallOfFame } from '../../../../src/sr/search/hall-of-fame.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { problem } from './problem-fixture.js';

const small = { populations: 3, populationSize: 32, generationsPerCycle: 10, maxTime: null, stopOnExact: false, operators: ['+', '-', '*', '/', 'sin', 'exp'] };
const texts = (r: { front: { tree: Parameters<typeof toInfix>[0] }[] }): string[] => r.front.map((m) => toInfix(m.tree));

describe('nextEpoch', () => {
  const o = resolveOptions({ maxGenerations: 1, epochRestartCycles: 2, epochGrowth: 2, restartImprovement: 0.01 });
  const hofOf = (loss: number): HallOfFame => {
    const h = new HallOfFame();
    h.offer({ code: [1, 0], consts: [], loss, complexity: 1, birth: 0 });
    return h;
  };
  it('counts a fall of at least restartImprovement as progress, anything less as a stagnant cycle', () => {
    expect(nextEpoch({ index: 0, stagnantCycles: 1, bestLoss: Infinity }, hofOf(5), o)).toEqual({ index: 0, stagnantCycles: 0, bestLoss: 5 });
    expect(nextEpoch({ index: 0, stagnantCycles: 0, bestLoss: 5 }, hofOf(4.96), o)).toEqual({ index: 0, stagnantCycles: 1, bestLoss: 5 });
    expect(nextEpoch({ index: 0, stagnantCycles: 1, bestLoss: 5 }, hofOf(4.9), o)).toEqual({ index: 0, stagnantCycles: 0, bestLoss: 4.9 });
  });
  it('ends epoch e after epochRestartCycles * epochGrowth^e stagnant cycles', () => {
    expect(nextEpoch({ index: 0, stagnantCycles: 1, bestLoss: 5 }, hofOf(5), o)).toEqual({ index: 1, stagnantCycles: 0, bestLoss: Infinity });
    expect(nextEpoch({ index: 1, stagnantCycles: 2, bestLoss: 5 }, hofOf(5), o)).toEqual({ index: 1, stagnantCycles: 3, bestLoss: 5 });
    expect(nextEpoch({ index: 1, stagnantCycles: 3, bestLoss: 5 }, hofOf(5), o)).toEqual({ index: 2, stagnantCycles: 0, bestLoss: Infinity });
  });
});

describe('epochs in the search', () => {
  const data = problem((x) => Math.sin(x) * x + x * x * x);

  it('are on by default (25 cycles), and change no draw until an epoch ends', async () => {
    expect(resolveOptions({ maxGenerations: 1 }).epochRestartCycles).toBe(25);
    const base = await equationSearch(data, { ...small, maxGenerations: 80, seed: 3, epochRestartCycles: 0 });
    expect(base.state.epoch).toBeUndefined();
    const never = await equationSearch(data, { ...small, maxGenerations: 80, seed: 3, epochRestartCycles: 1000 });
    expect(never.evaluations).toBe(base.evaluations);
    expect(texts(never)).toEqual(texts(base));
    expect(never.front.map((m) => m.loss)).toEqual(base.front.map((m) => m.loss));
    expect(never.state.epoch?.index).toBe(0);
  });

  it('start every island afresh, and the final front keeps what earlier epochs found', async () => {
    const o = { ...small, maxGenerations: 200, seed: 5, epochRestartCycles: 1, restartImprovement: 0.5 };
    const seen: { epoch: number; front: number[] }[] = [];
    const res = await equationSearch(data, o, {
      onCycle: (s) => { seen.push({ epoch: s.epoch!.index, front: s.hallOfFame.map((m) => m.loss) }); },
    });
    const ended = seen.findIndex((c, i) => i > 0 && c.epoch > seen[i - 1].epoch);
    expect(ended).toBeGreaterThan(0); // an epoch ended
    // the islands of a new epoch start from nothing (generation 0, no members yet)
    let fresh: SearchState | undefined;
    await equationSearch(data, { ...o, maxGenerations: (ended + 1) * small.generationsPerCycle }, { onCycle: (s) => { fresh = s; } });
    expect(fresh!.islands.every((i) => i.generation === 0 && i.members.length === 0)).toBe(true);
    expect(fresh!.migrants.every((m) => m.length === 0)).toBe(true);
    expect(fresh!.epoch!.hallOfFame).toEqual([]);
    // the run's hall of fame never loses a loss it once held
    const lowest = (l: number[]): number => Math.min(...l);
    for (let i = 1; i < seen.length; i++) expect(lowest(seen[i].front)).toBeLessThanOrEqual(lowest(seen[i - 1].front));
    expect(Math.min(...res.front.map((m) => m.loss))).toBeLessThanOrEqual(lowest(seen[ended - 1].front));
  });

  it('resume from a saved state exactly where an uninterrupted run goes', async () => {
    const o = { ...small, seed: 9, epochRestartCycles: 1, epochGrowth: 1.5, restartImprovement: 0.5 };
    const straight = await equationSearch(data, { ...o, maxGenerations: 120 });
    let saved: SearchState | undefined;
    await equationSearch(data, { ...o, maxGenerations: 60 }, { onCycle: (s) => { saved = JSON.parse(JSON.stringify(s)) as SearchState; } });
    const resumed = await equationSearch(data, { ...o, maxGenerations: 120 }, { resume: saved });
    expect(straight.state.epoch!.index).toBeGreaterThan(0);
    expect(resumed.state.epoch).toEqual(straight.state.epoch);
    expect(resumed.evaluations).toBe(straight.evaluations);
    expect(texts(resumed)).toEqual(texts(straight));
  });

  it('are checked as options', () => {
    expect(() => resolveOptions({ maxGenerations: 1, epochRestartCycles: -1 })).toThrow(/epochRestartCycles/);
    expect(() => resolveOptions({ maxGenerations: 1, epochRestartCycles: 1.5 })).toThrow(/epochRestartCycles/);
    expect(() => resolveOptions({ maxGenerations: 1, epochGrowth: 0.5 })).toThrow(/epochGrowth/);
  });
});
