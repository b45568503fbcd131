import { describe, expect, it } from 'vitest';
import { monotoneTop1Bound, selectionMetrics, type OrderedRecord } from '../../../../src/energy/evaluation/metrics.js';
import { fitEnergyModel } from '../../../../src/energy/model/fit.js';
import { predictEnergy } from '../../../../src/energy/model/predict.js';
import { trainRecords } from '../sweep-fixture.js';

const rec = (scenario: string, layout: string, order: number, measured: number): OrderedRecord => ({ scenario, layout, order, measured });

describe('monotoneTop1Bound', () => {
  it('loses a scenario whose measured best has a same-layout record of larger order, and only that one', () => {
    const records = [
      // a: the best is the largest batch of its layout: reachable
      rec('a', 'tp1', 8, 3), rec('a', 'tp1', 64, 1), rec('a', 'tp2', 64, 2),
      // b: the best is an interior batch of tp1: lost
      rec('b', 'tp1', 8, 3), rec('b', 'tp1', 64, 1), rec('b', 'tp1', 128, 1.5),
      // c: the best is the smallest batch, but of its own layout (tp2 holds one record): reachable
      rec('c', 'tp1', 8, 3), rec('c', 'tp1', 64, 2), rec('c', 'tp2', 8, 1),
      // d: a lone record is not ranked
      rec('d', 'tp1', 8, 1),
    ];
    expect(monotoneTop1Bound(records)).toBeCloseTo(2 / 3, 12);
  });

  it('counts a tie for the best as reachable when either tied record can be picked, as selectionMetrics does', () => {
    // the best (1) is measured at batch 64 and at batch 128 of the same layout: picking 128 scores
    expect(monotoneTop1Bound([rec('a', 'tp1', 8, 2), rec('a', 'tp1', 64, 1), rec('a', 'tp1', 128, 1)])).toBe(1);
    // a same-layout record of larger order that is worse still blocks a monotone predictor
    expect(monotoneTop1Bound([rec('a', 'tp1', 64, 1), rec('a', 'tp1', 128, 1.2)])).toBe(0);
  });

  it('bounds the Top-1 of a predictor falling in the order within each layout', () => {
    const records = [
      rec('a', 'x', 1, 5), rec('a', 'x', 2, 4), rec('a', 'x', 4, 4.5), rec('a', 'y', 2, 6),
      rec('b', 'x', 1, 3), rec('b', 'y', 1, 2), rec('b', 'y', 3, 1),
      rec('c', 'x', 1, 2), rec('c', 'x', 2, 2.5),
    ];
    const bound = monotoneTop1Bound(records);
    expect(bound).toBeCloseTo(1 / 3, 12);
    // some predictors falling in the order within each layout (per-layout levels, slopes), all within the bound
    for (const [levelX, levelY, slope] of [[1, 1, 1], [1, 0.1, 0.5], [0.1, 1, 2], [5, 1, 0.01]]) {
      const predicted = records.map((r) => (r.layout === 'x' ? levelX : levelY) / r.order ** slope);
      const top1 = selectionMetrics(records.map((r, i) => ({ measured: r.measured, predicted: predicted[i], scenario: r.scenario }))).top1;
      expect(top1).toBeLessThanOrEqual(bound + 1e-12);
    }
  });

  it('is NaN without a scenario of two or more records', () => {
    expect(monotoneTop1Bound([rec('a', 'x', 1, 1)])).toBeNaN();
  });
});

describe('the physics structure is monotone in the batch', () => {
  it('predicts energy per token that does not rise with the batch at a fixed layout and output length, MoE and dense', () => {
    const model = fitEnergyModel(trainRecords, { seed: 1 });
    const batches = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];
    for (const base of [trainRecords[0], trainRecords.find((r) => r.model.includes('Qwen3') && r.tp === 2)!]) {
      const configs = batches.map((batch) => ({ ...base, batch }));
      const e = predictEnergy(model, configs).map((p) => p.energyPerTokenJ);
      for (let i = 1; i < e.length; i++) expect(e[i], `${base.model} batch ${batches[i]}`).toBeLessThanOrEqual(e[i - 1] * (1 + 1e-12));
      expect(e.at(-1)!).toBeLessThan(e[0]);
    }
  });
});
