// Series effects in a fitted energy model: fitSeriesEffects, the model file's series section, predictEnergy's use of
// it, calibrateFromBase, and the shipped base model. Small simulated data with a known level per series.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  calibrateFromBase, fitEnergyModel, fitSeriesEffects, PHYSICS_STRUCTURE, predictEnergy, readEnergyModel, validateEnergyModel,
  type EnergyModel, type FitRecord,
} from '../../../../src/energy/model/index.js';
import { leveledRecords } from './series-records.js';
import { closedFormMethod, hierarchicalMethod, type TrainRecord } from '../../../../src/energy/baselines/index.js';

/** Each (model, hardware) series carries a level (a factor on energy) no feature describes. */
const LEVELS: Record<string, number> = {
  'meta-llama/Llama-3.1-8B-Instruct|H100': 1.35, 'meta-llama/Llama-3.1-8B-Instruct|B200': 0.8,
  'Qwen/Qwen3-30B-A3B-Instruct-2507|H100': 0.75, 'Qwen/Qwen3-30B-A3B-Instruct-2507|B200': 1.25,
  'meta-llama/Llama-3.1-70B-Instruct|H100': 1.1, 'meta-llama/Llama-3.1-70B-Instruct|B200': 0.9,
};

const records = (models: string[], seed: number): FitRecord[] => leveledRecords(models, seed, LEVELS);

const FIT = { structure: PHYSICS_STRUCTURE, restarts: 1, seed: 0 };
const train = records(['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], 1);
const pooled = fitEnergyModel(train, FIT);
const model = fitSeriesEffects(pooled, train, FIT);
const mape = (m: EnergyModel, rs: readonly FitRecord[]): number => predictEnergy(m, rs)
  .reduce((a, p, i) => a + Math.abs(p.energyPerTokenJ / (rs[i].energy_j / rs[i].output_tokens) - 1), 0) / rs.length;

describe('fitSeriesEffects and predictEnergy', () => {
  it('adds a series section (by, center, spreads, one entry per series) and survives the file round trip', () => {
    expect(model.series?.by.series).toEqual(['model', 'hardware', 'precision', 'framework']);
    expect(model.series?.stats).toHaveLength(4);
    expect(model.series?.components.tauLevel).toBeGreaterThan(0.1);
    const back = validateEnergyModel(JSON.parse(JSON.stringify(model)));
    expect(predictEnergy(back, train.slice(0, 3)).map((p) => p.energyJ)).toEqual(predictEnergy(model, train.slice(0, 3)).map((p) => p.energyJ));
  });

  it('predicts a seen series better than the pooled fit and says which effect applied', () => {
    expect(mape(model, train)).toBeLessThan(mape(pooled, train) / 2);
    const p = predictEnergy(model, [train[0]])[0];
    expect(p.series).toMatchObject({ series: 'meta-llama/Llama-3.1-8B-Instruct|H100-SXM5-80GB|bf16|', seen: true, records: 9 });
    expect(p.series!.factorLow).toBeLessThan(p.series!.factor);
    expect(p.series!.factorHigh).toBeGreaterThan(p.series!.factor);
    expect(predictEnergy(pooled, [train[0]])[0].series).toBeNull();
  });

  it('an unseen series gets no shift and a wider interval than a seen one', () => {
    const unseen = records(['meta-llama/Llama-3.1-70B-Instruct'], 2)[0];
    const [p] = predictEnergy(model, [unseen]);
    expect(p.series).toMatchObject({ seen: false, records: 0, factor: 1 });
    const [q] = predictEnergy(model, [train[0]]);
    expect(p.energyHighJ / p.energyLowJ).toBeGreaterThan(q.energyHighJ / q.energyLowJ);
  });

  it('predicts an unseen series by the fit without series effects stored beside the shared parameters', () => {
    const unseen = records(['meta-llama/Llama-3.1-70B-Instruct'], 2);
    expect(model.series?.pooled?.parameters.map((p) => p.value)).toEqual(pooled.parameters.map((p) => p.value));
    const want = predictEnergy(pooled, unseen);
    predictEnergy(model, unseen).forEach((p, i) => {
      expect([p.energyJ, p.energyLowJ, p.energyHighJ, p.tpotS]).toEqual([want[i].energyJ, want[i].energyLowJ, want[i].energyHighJ, want[i].tpotS]);
      expect(p.series).toMatchObject({ seen: false, records: 0, pooled: true });
    });
    // a seen row in the same call keeps its series' effect
    const [seen, fresh] = predictEnergy(model, [train[0], unseen[0]]);
    expect(seen.energyJ).toBe(predictEnergy(model, [train[0]])[0].energyJ);
    expect(seen.series?.pooled).toBeUndefined();
    expect(fresh.energyJ).toBe(want[0].energyJ);
    // a file written before the pooled fit was stored predicts a new series by the shared parameters at effect 0
    const older = JSON.parse(JSON.stringify(model)) as EnergyModel;
    delete older.series!.pooled;
    const [o] = predictEnergy(validateEnergyModel(older), [unseen[0]]);
    expect(o.series?.pooled).toBeUndefined();
    expect(o.energyJ).not.toBe(want[0].energyJ);
  });

  it('the hierarchical method predicts an unseen series by its first, pooled round: the closed form method\'s fit', () => {
    const unseen = records(['meta-llama/Llama-3.1-70B-Instruct'], 2) as unknown as TrainRecord[];
    const trained = train as unknown as TrainRecord[];
    const h = hierarchicalMethod.fit(trained);
    const c = closedFormMethod.fit(trained);
    expect(h.predict(unseen)).toEqual(c.predict(unseen));
    expect(h.predict(trained.slice(0, 1))).not.toEqual(c.predict(trained.slice(0, 1)));
  });

  it('refuses a malformed pooled fit with the field named', () => {
    const broken = JSON.parse(JSON.stringify(model));
    broken.series.pooled.parameters.pop();
    expect(() => validateEnergyModel(broken, 'm.json')).toThrow(/m\.json: series\.pooled: expected \d+ parameters/);
  });

  it('refuses a malformed series section with the field named', () => {
    const broken = JSON.parse(JSON.stringify(model));
    broken.series.components.tauLevel = -1;
    expect(() => validateEnergyModel(broken, 'm.json')).toThrow(/m\.json: series\.components\.tauLevel must be a positive number/);
    const short = JSON.parse(JSON.stringify(model));
    short.series.stats[0].zr.pop();
    expect(() => validateEnergyModel(short, 'm.json')).toThrow(/series\.stats\[0\] is malformed/);
  });

  it('with crossed effects (model, hardware): the file records them, round-trips, and older files without them still load', () => {
    const crossed = fitSeriesEffects(pooled, train, FIT, { crossed: { factors: ['model', 'hardware'] } });
    expect(crossed.series?.crossed).toMatchObject({ factors: ['model', 'hardware'], slope: false });
    expect(crossed.series?.crossed?.tauLevel).toHaveLength(2);
    expect(Object.keys(crossed.series?.crossed?.levels ?? {})).toHaveLength(4);
    const back = validateEnergyModel(JSON.parse(JSON.stringify(crossed)));
    expect(predictEnergy(back, train.slice(0, 3)).map((p) => p.energyJ)).toEqual(predictEnergy(crossed, train.slice(0, 3)).map((p) => p.energyJ));
    expect(mape(crossed, train)).toBeLessThan(mape(pooled, train) / 2);
    const broken = JSON.parse(JSON.stringify(crossed));
    broken.series.crossed.tauLevel = [0.1];
    expect(() => validateEnergyModel(broken, 'm.json')).toThrow(/m\.json: series\.crossed\.tauLevel must hold one positive spread per factor/);
    expect(validateEnergyModel(JSON.parse(JSON.stringify(model))).series?.crossed).toBeUndefined();
    // a new series of a seen model calibrates under the crossed base
    const mine = records(['meta-llama/Llama-3.1-70B-Instruct'], 3).filter((r) => r.hardware.startsWith('H100')).slice(0, 3);
    const cal = calibrateFromBase(crossed, mine);
    expect(cal.series?.crossed?.levels[cal.series.stats[cal.series.stats.length - 1].key]).toBeDefined();
  });

  it('a grouping naming a column no record has is refused', () => {
    expect(() => fitSeriesEffects(pooled, train, FIT, { by: { series: ['model', 'cluster'], setting: ['tp'] }, file: 'x.csv' }))
      .toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/"cluster", a column no record of x\.csv has/) }));
  });
});

describe('series effects on latency', () => {
  /** each series also runs slower or faster than any feature says (kernels, engine versions) */
  const SLOWER: Record<string, number> = {
    'meta-llama/Llama-3.1-8B-Instruct|H100': 1.3, 'meta-llama/Llama-3.1-8B-Instruct|B200': 0.8,
    'Qwen/Qwen3-30B-A3B-Instruct-2507|H100': 0.85, 'Qwen/Qwen3-30B-A3B-Instruct-2507|B200': 1.2, 'meta-llama/Llama-3.1-70B-Instruct|H100': 1.4,
  };
  const timed = (rs: FitRecord[]): FitRecord[] => rs.map((r) => ({ ...r, tpot_s: (r.tpot_s as number) * SLOWER[`${r.model}|${r.hardware.slice(0, 4)}`] }));
  const data = timed(train);
  const withLatency = fitSeriesEffects(fitEnergyModel(data, FIT), data, FIT);
  const tpotMape = (m: EnergyModel, rs: readonly FitRecord[]): number => predictEnergy(m, rs)
    .reduce((a, p, i) => a + Math.abs((p.tpotS as number) / (rs[i].tpot_s as number) - 1), 0) / rs.length;
  const pooledOf = (m: EnergyModel): EnergyModel => { const p = { ...m }; delete p.series; return p; };

  it('fits per-series latency effects that a seen series\' time per token uses, and keeps them through the file', () => {
    expect(withLatency.series?.latency?.stats).toHaveLength(4);
    expect(withLatency.series?.latency?.components.tauLevel).toBeGreaterThan(0.1);
    expect(tpotMape(withLatency, data)).toBeLessThan(tpotMape(pooledOf(withLatency), data) / 2);
    // the effects carry the series' relative speed: Llama 8B is 1.3 / 0.8 times slower on H100 than on B200 (the
    // shared parameters, which know the hardware, take part of it; the effects, shrunk, most of the rest)
    const at = (hw: string) => predictEnergy(withLatency, [data.find((r) => r.model.includes('8B') && r.hardware.startsWith(hw)) as FitRecord])[0].series;
    const ratio = (at('H100')?.latencyFactor as number) / (at('B200')?.latencyFactor as number);
    expect(ratio).toBeGreaterThan(1.3);
    expect(ratio).toBeLessThan(1.3 / 0.8 * 1.05);
    expect(at('H100')?.latencyRecords).toBe(9);
    const back = validateEnergyModel(JSON.parse(JSON.stringify(withLatency)));
    expect(predictEnergy(back, data.slice(0, 3)).map((x) => x.tpotS)).toEqual(predictEnergy(withLatency, data.slice(0, 3)).map((x) => x.tpotS));
    const broken = JSON.parse(JSON.stringify(withLatency));
    broken.series.latency.components.sigma = 0;
    expect(() => validateEnergyModel(broken, 'm.json')).toThrow(/series\.latency\.components\.sigma must be a positive number/);
  });

  it('a few timed records of a new series pin its latency under the base', () => {
    const mine = timed(records(['meta-llama/Llama-3.1-70B-Instruct'], 3).filter((r) => r.hardware.startsWith('H100')));
    const cal = calibrateFromBase(withLatency, mine.slice(0, 3));
    expect(cal.series?.latency?.components).toEqual(withLatency.series?.latency?.components);
    const test = mine.slice(3);
    expect(tpotMape(cal, test)).toBeLessThan(tpotMape(withLatency, test) / 2);
  });
});

describe('calibrateFromBase', () => {
  const mine = records(['meta-llama/Llama-3.1-70B-Instruct'], 3).filter((r) => r.hardware.startsWith('H100'));
  it('a few records of a new series pin its level; the shared parameters and spreads stay the base\'s', () => {
    const cal = calibrateFromBase(model, mine.slice(0, 3), { baseFile: 'base.json' });
    expect(cal.parameters).toEqual(model.parameters);
    expect(cal.series?.components).toEqual(model.series?.components);
    expect(cal.series?.calibration).toMatchObject({ base: 'base.json', records: 3 });
    const test = mine.slice(3);
    expect(mape(cal, test)).toBeLessThan(mape(model, test));
    const [before] = predictEnergy(model, [test[0]]);
    const [after] = predictEnergy(cal, [test[0]]);
    expect(after.series?.records).toBe(3);
    expect(after.energyHighJ / after.energyLowJ).toBeLessThan(before.energyHighJ / before.energyLowJ);
  });

  it('refuses a base without a series section', () => {
    expect(() => calibrateFromBase(pooled, mine, { baseFile: 'pooled.json' })).toThrow(expect.objectContaining({ code: 'INVALID_MODEL_FILE', message: expect.stringMatching(/pooled\.json has no series section/) }));
  });
});

describe('the shipped base model', () => {
  const path = join(__dirname, '..', '..', '..', '..', 'models', 'mlenergy-v3.json');
  it('loads, has ML.ENERGY v3 series, and predicts a seen and a new series', () => {
    expect(existsSync(path)).toBe(true);
    const base = readEnergyModel(path);
    expect(base.series?.stats.length).toBeGreaterThan(40);
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(3);
    const seen = base.series!.stats.reduce((a, s) => (s.n > a.n ? s : a));
    const [model, hardware, precision] = seen.key.split('|');
    const config = { model, hardware, precision: precision as 'bf16', tp: 1, pp: 1, batch: 32, input_tokens: 1000, output_tokens: 500 };
    const [p, q] = predictEnergy(base, [config, { ...config, model: 'meta-llama/Llama-3.1-8B-Instruct', precision: 'fp8' as const }]);
    expect(p.series).toMatchObject({ series: seen.key, seen: true });
    expect(p.energyPerTokenJ).toBeGreaterThan(0);
    expect(q.series?.seen).toBe(false);
  });
});
