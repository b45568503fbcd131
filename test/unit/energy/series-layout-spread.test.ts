// The layout spread: when no training series shows two layouts, tauSetting was learnt from workloads alone, so a
// seen series' record at a setting its records lack gets the spread of series levels when its layout is new to the
// series or the series' records span several layouts; when some training series does show two layouts, nothing changes.
import { describe, expect, it } from 'vitest';
import { effectFor, layoutKeyOf, posteriorOf, seriesStats, withLayoutSpread, type SeriesBy, type VarianceComponents } from '../../../src/energy/model/series-effects.js';
import { fitEnergyModel, fitSeriesEffects, PHYSICS_STRUCTURE, validateEnergyModel, type FitRecord } from '../../../src/energy/model/index.js';
import { simulate } from '../../../src/energy/simulator/index.js';

const BY: SeriesBy = { series: ['model'], setting: ['tp', 'workload'] };
const C: VarianceComponents = { sigma: 0.05, tauLevel: 0.3, tauSlope: 0.05, tauSetting: 0.05, residualDof: 4 };
const rec = (model: string, tp: number, workload: string, batch = 16) => ({ model, tp, workload, batch });

describe('layout spread', () => {
  const oneLayout = [rec('a', 1, 'w1'), rec('a', 1, 'w2'), rec('b', 1, 'w1'), rec('b', 1, 'w3')];
  const statsOne = seriesStats(oneLayout, oneLayout.map(() => 0), BY, Math.log(16));
  it('is the spread of series levels when no series shows two layouts, and absent otherwise', () => {
    expect(layoutKeyOf('2|w1', BY)).toBe('2');
    expect(withLayoutSpread(C, statsOne, BY).layoutSpread).toBe(C.tauLevel);
    const twoLayouts = [...oneLayout, rec('b', 2, 'w1')];
    expect(withLayoutSpread({ ...C, layoutSpread: 0.3 }, seriesStats(twoLayouts, twoLayouts.map(() => 0), BY, Math.log(16)), BY).layoutSpread).toBeUndefined();
    expect(withLayoutSpread(C, statsOne, { series: ['model'], setting: ['workload'] }).layoutSpread).toBeUndefined();
  });

  it('widens a seen series\' record at a new layout, or at a new setting when its records span layouts; not a seen setting', () => {
    const c = withLayoutSpread(C, statsOne, BY);
    // the new series: records at tp 1 (two workloads), then also at tp 2
    const mine = [rec('n', 1, 'w1'), rec('n', 1, 'w2')];
    const sd = (records: ReturnType<typeof rec>[], at: ReturnType<typeof rec>, comps: VarianceComponents): number => {
      const [st] = seriesStats(records, records.map(() => 0.1), BY, Math.log(16));
      return effectFor(at, BY, Math.log(16), comps, new Map([['n', posteriorOf(st, comps)]]), 'n').sd;
    };
    const newWorkload = sd(mine, rec('n', 1, 'w3'), c);
    const newLayout = sd(mine, rec('n', 4, 'w1'), c);
    expect(newWorkload).toBeCloseTo(sd(mine, rec('n', 1, 'w3'), C), 12);
    expect(newLayout).toBeGreaterThan(2.5 * newWorkload);
    const spanning = [...mine, rec('n', 2, 'w1')];
    expect(sd(spanning, rec('n', 1, 'w3'), c)).toBeGreaterThan(2.5 * sd(spanning, rec('n', 1, 'w3'), C));
    expect(sd(spanning, rec('n', 1, 'w1'), c)).toBeCloseTo(sd(spanning, rec('n', 1, 'w1'), C), 12);
  });

  it('a model file\'s layoutSpread must be a positive number', () => {
    const train = simulate({ models: ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100'], tp: [1], pp: [1], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed: 1 }).records as FitRecord[];
    const fit = { structure: PHYSICS_STRUCTURE, restarts: 1, seed: 0 };
    const model = fitSeriesEffects(fitEnergyModel(train, fit), train, fit);
    const file = JSON.parse(JSON.stringify(model));
    expect(validateEnergyModel(file).series?.components.layoutSpread).toBe(model.series?.components.layoutSpread);
    file.series.components.layoutSpread = -1;
    expect(() => validateEnergyModel(file, 'm.json')).toThrow(/m\.json: series\.components\.layoutSpread, when present, must be a positive number/);
  });
});
