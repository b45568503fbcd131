// The series effects' backfitting refits the shared structure on the records' rows in columns, with each record's
// effect as a log offset on its energies (fitPreparedEnergy), instead of on a view of every record with its energies
// scaled (withoutEffect): both must give the same model. Series keys by catalog names (seriesKeys) must equal the
// keys of the records copied with those names (canonicalNames).
import { describe, expect, it } from 'vitest';
import {
  canonicalNames, fitEnergyModel, fitPreparedEnergy, groupKey, PHYSICS_STRUCTURE, prepareEnergyFit, seriesKeys, DEFAULT_SERIES_BY,
  type EnergyModel, type FitRecord,
} from '../../../../src/energy/model/index.js';
import { withoutEffect } from '../../../../src/energy/model/hierarchical.js';
import type { TrainRecord } from '../../../../src/energy/baselines/method.js';
import { simulate } from '../../../../src/energy/simulator/index.js';

const sim = simulate({
  models: ['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200'],
  tp: [1, 2], pp: [1], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed: 3,
});
const records = sim.records as unknown as FitRecord[];
const FIT = { structure: PHYSICS_STRUCTURE, restarts: 0, seed: 0 };
/** A model without its timing (fit.seconds differs from run to run). */
const untimed = (m: EnergyModel): unknown => ({ ...m, fit: { ...m.fit, seconds: 0 } });

describe('fitPreparedEnergy with log offsets', () => {
  it('fits the rows of energy, prefill and latency', () => {
    expect(Object.keys(prepareEnergyFit(records, FIT).rows.data).sort()).toEqual(['energy', 'latency', 'prefill']);
  });

  it('equals fitEnergyModel on the records with their energies scaled by exp(-offset)', () => {
    const offsets = Float64Array.from(records, (_, i) => (i % 3 === 0 ? 0 : 0.3 * Math.sin(i)));
    const columnar = fitPreparedEnergy(prepareEnergyFit(records, FIT), FIT, offsets);
    const viewed = fitEnergyModel(records.map((r, i) => withoutEffect(r as unknown as TrainRecord, offsets[i]) as unknown as FitRecord), FIT);
    expect(untimed(columnar)).toEqual(untimed(viewed));
    // and the offsets moved it: the pooled fit differs
    expect(columnar.parameters.map((p) => p.value)).not.toEqual(fitEnergyModel(records, FIT).parameters.map((p) => p.value));
  });

  it('without offsets equals fitEnergyModel', () => {
    expect(untimed(fitPreparedEnergy(prepareEnergyFit(records, FIT), FIT))).toEqual(untimed(fitEnergyModel(records, FIT)));
  });
});

describe('seriesKeys', () => {
  it('equals groupKey of the records copied with catalog names, aliases included', () => {
    const keys = seriesKeys(records, DEFAULT_SERIES_BY.series);
    expect(keys).toEqual(records.map((r) => groupKey(canonicalNames(r), DEFAULT_SERIES_BY.series)));
    expect(keys.some((k) => k.includes('H100-SXM5-80GB'))).toBe(true); // the alias H100 was named by the catalog
  });
});
