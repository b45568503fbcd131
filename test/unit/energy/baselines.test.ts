import { describe, expect, it } from 'vitest';
import {
  createMethods, fitWilkins, latencyProxyMethod, METHOD_NAMES, randomForestMethod, rooflineEnergyPerTokenJ, rooflineMethod,
  tabularEncoder, wilkinsEnergyJ, wilkinsMethod, closedFormMethod, structureMethod, NUMERIC_FEATURES, CATEGORICAL_FEATURES,
} from '../../../src/energy/baselines/index.js';
import { PHYSICS_STRUCTURE } from '../../../src/energy/model/structure-physics.js';
import { configurationFeatures } from '../../../src/energy/model/features.js';
import { scenarioKey, selectionMetrics } from '../../../src/energy/evaluation/metrics.js';

import { sweep, testRecords, trainRecords } from './sweep-fixture.js';
const metricsOf = (pred: number[]) => selectionMetrics(testRecords.map((r, i) => ({ measured: r.energy_j / r.output_tokens, predicted: pred[i], scenario: scenarioKey(r as unknown as Record<string, unknown>, ['model', 'hardware', 'batch']) })));

describe('the method registry', () => {
  it('creates every method by name, in order, and rejects unknown names naming the known ones', async () => {
    const all = await createMethods();
    expect(all.map((m) => m.name)).toEqual([...METHOD_NAMES]);
    expect((await createMethods(['roofline', 'closed-form'])).map((m) => m.name)).toEqual(['roofline', 'closed-form']);
    await expect(createMethods(['closed-form', 'svm'], '--methods')).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/--methods: unknown method "svm" \(known: closed-form, hierarchical, latency-proxy/) });
    await expect(createMethods([])).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('every method fits 40 simulated records and predicts a positive, finite energy per token for the rest', async () => {
    for (const m of await createMethods()) {
      const f = m.fit(trainRecords, { seed: 1 });
      const p = f.predict(testRecords);
      expect(p, m.name).toHaveLength(testRecords.length);
      for (const x of p) expect(x > 0 && Number.isFinite(x), `${m.name}: ${x}`).toBe(true);
      expect(Array.isArray(f.notes)).toBe(true);
      f.dispose?.();
    }
  });
});

describe('closed form', () => {
  it('ranks simulated configurations better than the latency proxy, and calibrates from a few records', () => {
    const cf = closedFormMethod.fit(trainRecords, { seed: 1 });
    const lp = latencyProxyMethod.fit(trainRecords, { seed: 1 });
    const a = metricsOf(cf.predict(testRecords));
    const b = metricsOf(lp.predict(testRecords));
    expect(a.pairwise).toBeGreaterThan(0.9);
    expect(a.pairwise).toBeGreaterThan(b.pairwise);
    expect(a.mape).toBeLessThan(0.2);
    const calibrated = cf.calibrate!(testRecords.slice(0, 5), { seed: 1 });
    expect(calibrated.predict(testRecords.slice(5, 8)).every((x) => x > 0)).toBe(true);
  });
});

describe('latency proxy', () => {
  it('predicts measured time per token times one scale, so it ranks by latency', () => {
    const f = latencyProxyMethod.fit(trainRecords);
    const p = f.predict(testRecords);
    const ratios = p.map((x, i) => x / (testRecords[i].tpot_s as number));
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 9);
    // the scale is the geometric mean of energy per token over time per token on the training records
    const g = Math.exp(trainRecords.reduce((a, r) => a + Math.log(r.energy_j / r.output_tokens / (r.tpot_s as number)), 0) / trainRecords.length);
    expect(ratios[0]).toBeCloseTo(g, 9);
  });

  it('predicts time where a configuration has none: the closed form\'s latency part, or the roofline without any measured time', () => {
    const noTime = testRecords.slice(0, 3).map(({ tpot_s: _t, ...r }) => r);
    const f = latencyProxyMethod.fit(trainRecords);
    expect(f.predict(noTime).every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    const untimed = latencyProxyMethod.fit(trainRecords.map(({ tpot_s: _t, ...r }) => r));
    expect(untimed.notes.join(' ')).toMatch(/roofline/);
    expect(untimed.predict(noTime).every((x) => x > 0 && Number.isFinite(x))).toBe(true);
  });
});

describe('Wilkins et al. workload form', () => {
  it('recovers a0, a1, a2 from exact data', () => {
    const tIn = [100, 200, 400, 800, 100, 300];
    const tOut = [50, 80, 120, 60, 300, 200];
    const truth = { a0: 0.5, a1: 2, a2: 0.01 };
    const e = tIn.map((x, i) => wilkinsEnergyJ(truth, x, tOut[i]));
    const c = fitWilkins(tIn, tOut, e)!;
    expect(c.a0).toBeCloseTo(0.5, 5);
    expect(c.a1).toBeCloseTo(2, 5);
    expect(c.a2).toBeCloseTo(0.01, 7);
  });

  it('fits per (model, hardware) and falls back to means where a group is too small or unseen, saying so', () => {
    const f = wilkinsMethod.fit(trainRecords);
    expect(f.notes.join(' ')).toMatch(/groups/);
    const unseen = { ...testRecords[0], hardware: 'B200' };
    const [p] = f.predict([unseen]);
    expect(p).toBeGreaterThan(0);
    expect(f.notes.join(' ')).toMatch(/model mean on other hardware/);
  });
});

describe('roofline', () => {
  it('is board power times the roofline time, with nothing fitted', () => {
    const r = testRecords[0];
    const fe = configurationFeatures(r);
    const expected = (fe.gpus * fe.boardPowerW * (Math.max(fe.computeMs, fe.denseMemoryMs + fe.expertMemoryMs) / fe.batch + fe.prefillMs / fe.outputTokens)) / 1000;
    expect(rooflineEnergyPerTokenJ(fe)).toBeCloseTo(expected, 12);
    const a = rooflineMethod.fit(trainRecords).predict([r])[0];
    const b = rooflineMethod.fit(trainRecords.slice(0, 2)).predict([r])[0];
    expect(a).toBe(b);
  });
});

describe('ensemble features and models', () => {
  it('encodes the physical features in log space and the categories one-hot or ordinally, unseen levels without error', () => {
    const oneHot = tabularEncoder(trainRecords);
    expect(oneHot.columns.slice(0, NUMERIC_FEATURES.length)).toEqual(NUMERIC_FEATURES.map((f) => f.name));
    expect(oneHot.columns).toContain('hardware=A100-SXM4-80GB');
    const [row] = oneHot.encode([{ ...trainRecords[0], hardware: 'B200' }]);
    const hwCols = oneHot.columns.map((c, i) => (c.startsWith('hardware=') ? row[i] : 0));
    expect(hwCols.every((x) => x === 0)).toBe(true);
    const y = trainRecords.map((r) => Math.log(r.energy_j / r.output_tokens));
    const ordinal = tabularEncoder(trainRecords, {}, 'ordinal', y);
    expect(ordinal.columns).toHaveLength(NUMERIC_FEATURES.length + CATEGORICAL_FEATURES.length);
    const [o] = ordinal.encode([{ ...trainRecords[0], model: 'Llama-3.1-70B-Instruct' }]);
    expect(o.every(Number.isFinite)).toBe(true);
  });

  it('encodes the serving framework only where the training records name two or more', () => {
    const one = tabularEncoder(trainRecords.map((r) => ({ ...r, framework: 'vLLM' })));
    expect(one.columns.some((c) => c.startsWith('framework'))).toBe(false);
    const two = trainRecords.map((r, i) => ({ ...r, framework: i % 2 ? 'vLLM' : 'TensorRT-LLM' }));
    const enc = tabularEncoder(two);
    expect(enc.columns.filter((c) => c.startsWith('framework='))).toEqual(['framework=TensorRT-LLM', 'framework=vLLM']);
    const [row] = enc.encode([two[1]]);
    expect(row[enc.columns.indexOf('framework=vLLM')]).toBe(1);
    const y = two.map((r) => Math.log(r.energy_j / r.output_tokens));
    expect(tabularEncoder(two, {}, 'ordinal', y).columns).toHaveLength(NUMERIC_FEATURES.length + CATEGORICAL_FEATURES.length + 1);
  });

  it('random forest and XGBoost are reproducible for a seed', async () => {
    const [xgb] = await createMethods(['xgboost']);
    for (const m of [randomForestMethod, xgb]) {
      const a = m.fit(trainRecords, { seed: 4 });
      const b = m.fit(trainRecords, { seed: 4 });
      expect(a.predict(testRecords.slice(0, 5)), m.name).toEqual(b.predict(testRecords.slice(0, 5)));
      a.dispose?.(); b.dispose?.();
    }
  });
});

describe('structureMethod', () => {
  it('fits a given structure on each split like the closed form, under the structure\'s name and the label given', () => {
    const method = structureMethod({ ...PHYSICS_STRUCTURE, name: 'physics-copy' }, 'physics copy (chosen by fit)');
    expect([method.name, method.label, method.kind]).toEqual(['physics-copy', 'physics copy (chosen by fit)', 'closed form']);
    const fitted = method.fit(trainRecords, { seed: 1 });
    expect(fitted.method).toBe('physics-copy');
    expect(fitted.predict(testRecords)).toEqual(closedFormMethod.fit(trainRecords, { seed: 1 }).predict(testRecords));
    expect(fitted.calibrate!(trainRecords.slice(0, 10)).method).toBe('physics-copy');
  });
});
