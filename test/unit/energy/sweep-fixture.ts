// The simulated sweep the baseline tests fit and score on: two models on H100 and A100, TP 1-4, PP 1-2, three
// batches, 2 % noise; 40 records to train on, the rest to test.
import type { TrainRecord } from '../../../src/energy/baselines/index.js';
import { randomSplit } from '../../../src/energy/evaluation/metrics.js';
import { simulate } from '../../../src/energy/simulator/index.js';

export const sweep: TrainRecord[] = simulate({
  models: ['Llama-3.1-8B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'A100'],
  tp: [1, 2, 4], pp: [1, 2], batch: [4, 16, 64], input: [512], output: [256], noise: 0.02, seed: 3,
}).records;
const { train, test } = randomSplit(sweep.length, 40, 1);
export const trainRecords = train.map((i) => sweep[i]);
export const testRecords = test.map((i) => sweep[i]);
