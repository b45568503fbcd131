// Residual trees in the model file: XGBoost's trees read from its saved bytes and walked in TypeScript (the booster's
// own predictions), the packed section's round trip and its checks, fitSeriesEffects with residual trees, predict
// and fit --base applying them, and a model file without them predicting as before.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGradientBoostingMethod, createStackedHierarchicalMethod, encoderFromColumns, tabularEncoder, type EnergyMethod, type TrainRecord } from '../../../../src/energy/baselines/index.js';
import {
  calibrateFromBase, energyModelText, fitEnergyModel, fitSeriesEffects, packResidualTrees, PHYSICS_STRUCTURE, predictEnergy, predictPoints, readEnergyModel,
  residualTreeFactors, unpackResidualTrees, validateEnergyModel, walkTrees, type EnergyModel, type FitRecord, type ResidualTrees,
} from '../../../../src/energy/model/index.js';
import { leveledRecords } from './series-records.js';

/** Each (model, hardware) series carries a level no feature describes; the batch carries a curvature the structure lacks. */
const LEVELS: Record<string, number> = {
  'meta-llama/Llama-3.1-8B-Instruct|H100': 1.3, 'meta-llama/Llama-3.1-8B-Instruct|B200': 0.8,
  'Qwen/Qwen3-30B-A3B-Instruct-2507|H100': 0.75, 'Qwen/Qwen3-30B-A3B-Instruct-2507|B200': 1.2,
  'meta-llama/Llama-3.1-70B-Instruct|H100': 1.1, 'meta-llama/Llama-3.1-70B-Instruct|B200': 0.9,
};
const records = (models: string[], seed: number): FitRecord[] => leveledRecords(models, seed, LEVELS, (r) => (r.batch === 16 ? 1.15 : 1));

const FIT = { structure: PHYSICS_STRUCTURE, restarts: 1, seed: 0 };
const train = records(['meta-llama/Llama-3.1-8B-Instruct', 'Qwen/Qwen3-30B-A3B-Instruct-2507'], 1);
let xgb: EnergyMethod;
let model: EnergyModel;
beforeAll(async () => {
  xgb = await createGradientBoostingMethod();
  model = fitSeriesEffects(fitEnergyModel(train, FIT), train, FIT, { residualTrees: { method: xgb, folds: 2 } });
});

const trees = (): ResidualTrees => model.residualTrees as ResidualTrees;
const cloneModel = (): EnergyModel => JSON.parse(JSON.stringify(model)) as EnergyModel;
const expectRefused = (m: unknown, pattern: RegExp): void => {
  const dir = mkdtempSync(join(tmpdir(), 'energylens-trees-'));
  const file = join(dir, 'model.json');
  writeFileSync(file, JSON.stringify(m));
  let err: (Error & { code?: string }) | undefined;
  try { readEnergyModel(file); } catch (e) { err = e as Error & { code?: string }; }
  expect(err?.code).toBe('INVALID_MODEL_FILE');
  expect(err?.message).toContain(file);
  expect(err?.message).toMatch(pattern);
  expect(err?.message.split('\n')).toHaveLength(1);
};

describe('XGBoost trees in TypeScript', () => {
  it('the walker gives the booster\'s own predictions on records it did not see', () => {
    const fitted = xgb.fit(train as TrainRecord[], { seed: 4 });
    try {
      const t = fitted.trees!();
      expect(t.trees.length).toBe(400);
      const unseen = records(['meta-llama/Llama-3.1-70B-Instruct'], 5) as TrainRecord[];
      const section = packResidualTrees(t.trees, t.features, t.baseScore, { target: 'level', folds: 5, records: train.length });
      const g = walkTrees(unpackResidualTrees(JSON.parse(JSON.stringify(section))), encoderFromColumns(section.features).encode(unseen));
      const booster = fitted.predict(unseen).map(Math.log);
      g.forEach((v, i) => expect(v).toBeCloseTo(booster[i], 6));
    } finally {
      fitted.dispose?.();
    }
  });

  it('the encoder from a fitted encoder\'s columns writes the same rows', () => {
    const fitted = tabularEncoder(train as TrainRecord[]);
    const other = records(['meta-llama/Llama-3.1-70B-Instruct'], 6) as TrainRecord[];
    expect(encoderFromColumns(fitted.columns).encode(other)).toEqual(fitted.encode(other));
  });
});

describe('fitSeriesEffects with residual trees', () => {
  it('stores the trees, no pooled fit, and survives the file round trip', () => {
    expect(trees().treeNodes.length).toBe(400);
    expect(trees()).toMatchObject({ learner: 'xgboost', target: 'level', folds: 2, records: train.length });
    expect(model.series?.pooled).toBeUndefined();
    const back = validateEnergyModel(JSON.parse(energyModelText(model)));
    expect(predictEnergy(back, train).map((p) => p.energyJ)).toEqual(predictEnergy(model, train).map((p) => p.energyJ));
  });

  it('predicts the shared parameters times exp(g) times the series effect', () => {
    const unseen = records(['meta-llama/Llama-3.1-70B-Instruct'], 2);
    const shared = predictPoints(model, unseen, 'energy');
    const g = residualTreeFactors(model, unseen);
    expect(g.some((v) => Math.abs(Math.log(v)) > 0.01)).toBe(true);
    predictEnergy(model, unseen).forEach((p, i) => {
      expect(p.residualFactor).toBeCloseTo(g[i], 12);
      expect(p.series).toMatchObject({ seen: false, records: 0, factor: 1 });
      expect(p.energyPerTokenJ).toBeCloseTo(shared[i] * g[i], 12);
      expect(p.energyLowJ).toBeLessThan(p.energyJ);
      expect(p.energyHighJ).toBeGreaterThan(p.energyJ);
    });
  });

  it('fit --base calibrates a new series on the residuals under the trees (a known series level is found)', () => {
    const mine = records(['meta-llama/Llama-3.1-70B-Instruct'], 3).filter((r) => r.hardware.startsWith('H100'));
    const calibrated = calibrateFromBase(model, mine.slice(0, 5));
    expect(calibrated.residualTrees).toBe(model.residualTrees);
    const [p] = predictEnergy(calibrated, [mine[0]]);
    expect(p.series).toMatchObject({ seen: true, records: 5 });
    // the series' effect is set against shared x exp(g): the calibrated prediction of a calibration record is close
    expect(Math.abs(p.energyPerTokenJ / (mine[0].energy_j / mine[0].output_tokens) - 1)).toBeLessThan(0.1);
  });

  it('a model file without residual trees predicts as with trees whose every leaf is 0', () => {
    const plain = cloneModel();
    delete plain.residualTrees;
    const zero = cloneModel();
    const e = unpackResidualTrees(trees());
    const leaves = { split: Array.from(e.split), value: Array.from(e.value, (v, k) => (e.split[k] === -1 ? 0 : v)), left: Array.from(e.left), right: Array.from(e.right), defaultLeft: Array.from(e.defaultLeft) };
    const decoded = trees().treeNodes.map((n, t) => {
      const at = e.starts[t];
      const cut = <T>(a: T[]): T[] => a.slice(at, at + n);
      return { split: cut(leaves.split), value: cut(leaves.value), left: cut(leaves.left), right: cut(leaves.right), defaultLeft: cut(leaves.defaultLeft) };
    });
    zero.residualTrees = packResidualTrees(decoded, e.features, 0, { target: 'level', folds: 2, records: train.length });
    const unseen = records(['meta-llama/Llama-3.1-70B-Instruct'], 2);
    const a = predictEnergy(plain, [...train, ...unseen]);
    const b = predictEnergy(zero, [...train, ...unseen]);
    expect(a.every((p) => p.residualFactor === undefined)).toBe(true);
    expect(b.map(({ residualFactor: _, ...p }) => p)).toEqual(a);
  });

  it('the bench method hierarchical-stacked is fit\'s path: the same model file', () => {
    const method = createStackedHierarchicalMethod(xgb, { folds: 2 });
    const fitted = method.fit(train as TrainRecord[], { seed: 0 }) as ReturnType<typeof method.fit> & { model: EnergyModel };
    const test = records(['meta-llama/Llama-3.1-70B-Instruct'], 2);
    expect(fitted.predict(test as TrainRecord[])).toEqual(predictEnergy(fitted.model, test).map((p) => p.energyPerTokenJ));
    const byFit = fitSeriesEffects(fitEnergyModel(train, { seed: 0 }), train, { seed: 0 }, { residualTrees: { method: xgb, folds: 2 } });
    expect(energyModelText({ ...fitted.model, fit: byFit.fit }) === energyModelText(byFit)).toBe(true);
  });
});

describe('malformed residual trees are refused, naming the file, on one line', () => {
  it('a packed array of the wrong length', () => {
    const m = cloneModel();
    m.residualTrees!.nodes.value = m.residualTrees!.nodes.value.slice(0, 40);
    expectRefused(m, /residualTrees\.nodes\.value must be base64 of \d+ nodes x 4 bytes/);
  });
  it('a node count that does not add up, or is not a count', () => {
    const m = cloneModel();
    m.residualTrees!.treeNodes[0] += 2;
    expectRefused(m, /residualTrees\.nodes\.split must be base64/);
    const n = cloneModel();
    (n.residualTrees!.treeNodes as unknown[])[3] = 'x';
    expectRefused(n, /residualTrees\.treeNodes must list each tree's node count/);
  });
  it('a split on a feature the section does not list, and a child before its parent', () => {
    const m = cloneModel();
    m.residualTrees!.features = m.residualTrees!.features.slice(0, 2);
    expectRefused(m, /residualTrees: tree \d+, node \d+ splits on feature \d+; there are 2/);
    const c = cloneModel();
    const left = new Int16Array(Uint8Array.from(atob(c.residualTrees!.nodes.left), (ch) => ch.charCodeAt(0)).buffer);
    left[0] = 0;
    c.residualTrees!.nodes.left = btoa(String.fromCharCode(...new Uint8Array(left.buffer)));
    expectRefused(c, /residualTrees: tree 0, node 0 has children 0 and/);
  });
  it('a feature column no encoder writes, and a section that is not an object', () => {
    const m = cloneModel();
    m.residualTrees!.features[0] = 'gpu_temperature';
    expectRefused(m, /residualTrees\.features: "gpu_temperature" is neither a numeric feature nor category=level/);
    const s = cloneModel();
    (s as unknown as Record<string, unknown>).residualTrees = [1, 2];
    expectRefused(s, /residualTrees\.learner/);
  });
});
