// Simulated records of several (model, hardware) series, each carrying a level (a factor on energy) no feature
// describes: the fixture of the series-effect tests (series-fit.test.ts, residual-trees.test.ts).
import type { FitRecord } from '../../../../src/energy/model/index.js';
import { simulate } from '../../../../src/energy/simulator/index.js';

/** Levels by "model|GPU" (the GPU's first four characters); `extra` multiplies a record's energy further. */
export function leveledRecords(models: string[], seed: number, levels: Readonly<Record<string, number>>, extra: (r: { batch: number }) => number = () => 1): FitRecord[] {
  const sim = simulate({ models, hardware: ['H100', 'B200'], tp: [1, 2, 4], pp: [1], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed });
  return sim.records.map((r) => ({ ...r, energy_j: r.energy_j * (levels[`${r.model}|${r.hardware.slice(0, 4)}`] ?? 1) * extra(r) })) as FitRecord[];
}
