// `select`'s text: the configurations it names are always rows of the table, the headline compares layouts at the
// same batch (or within the SLO), intervals are factors, and a wide one names the measurement that narrows it most.
import { beforeAll, describe, expect, it } from 'vitest';
import { fitEnergyModel } from '../../src/energy/model/fit.js';
import type { EnergyModel } from '../../src/energy/model/model-file.js';
import { selectConfigurations } from '../../src/energy/model/select.js';
import { widestInterval } from '../../src/energy/profiler/adaptive.js';
import { simulate } from '../../src/energy/simulator/index.js';
import { selectionText, shownCandidates } from '../../src/cli/select-output.js';

let model: EnergyModel;
const ask = { llm: 'Llama-3.1-70B', hardware: 'H100', inputTokens: 1000, outputTokens: 500 };
const text = (s: ReturnType<typeof selectConfigurations>, top: number, slo?: number) => selectionText(s, { llm: ask.llm, hardware: ask.hardware, input: 1000, output: 500, top, sloTpotMs: slo });

beforeAll(() => {
  // a small sample, so the intervals are wide
  const { records } = simulate({ models: ['Llama-3.1-8B', 'Llama-3.1-70B'], hardware: ['H100'], tp: [2, 4], pp: [1, 2], batch: [1, 32], input: [512], output: [256], seed: 4, noise: 0.1 });
  model = fitEnergyModel(records, { seed: 1, restarts: 1 });
});

describe('select: headline and table', () => {
  it('compares the most frugal with the fastest layout at the same batch, and puts both in the table even with --top 1', () => {
    const s = selectConfigurations(model, ask);
    expect(s.mostFrugal).not.toBeNull();
    expect(s.fastestAtBatch!.batch).toBe(s.mostFrugal!.batch);
    const { shown } = shownCandidates(s, 1);
    for (const c of [s.mostFrugal, s.fastestAtBatch, s.fastest, s.mostInformative]) expect(shown).toContain(c);
    const t = text(s, 1);
    expect(t).toMatch(new RegExp(`at (the same batch \\(${s.mostFrugal!.batch}\\), the fastest layout is tp \\d+, pp \\d+: [\\d.]+x faster|batch ${s.mostFrugal!.batch}, the most frugal layout is also the fastest)`));
    if (s.fastest !== s.fastestAtBatch && s.fastest!.batch !== s.mostFrugal!.batch) expect(t).toMatch(/fastest overall: .*a lighter load, not a choice of layout/);
    expect(t).toMatch(/^ \.\.\.$/m);
  });

  it('with an SLO every row it names meets it, and the chosen row is in the table', () => {
    const s = selectConfigurations(model, { ...ask, sloTpotMs: 40 });
    const t = text(s, 3, 40);
    if (s.mostFrugal) {
      expect(s.mostFrugal.meetsSlo).toBe(true);
      expect(s.fastestAtBatch!.meetsSlo).toBe(true);
      expect(t).toMatch(/^\s+\d+ .* ok .*most frugal(,|$)/m);
      expect(t).toMatch(/most frugal within the 40 ms objective: /);
    } else {
      expect(t).toMatch(/no configuration meets the TPOT objective of 40 ms/);
    }
  });

  it('shows intervals as factors and, where wide, the measurement the profiler\'s adaptive rule would take', () => {
    const s = selectConfigurations(model, ask);
    for (const c of s.candidates) expect(c.intervalFactor).toBeCloseTo(Math.sqrt(c.energyPerTokenHighJ / c.energyPerTokenLowJ), 12);
    const i = widestInterval(s.candidates.map((c) => ({ lowJ: c.energyPerTokenLowJ, highJ: c.energyPerTokenHighJ, fits: true })));
    expect(s.mostInformative).toBe(s.candidates[i]);
    const t = text(s, 5);
    expect(t).toMatch(/x\/÷\d/);
    if (s.mostFrugal!.intervalFactor > 1.5) {
      const m = s.mostInformative!;
      expect(t).toContain(`measuring tp ${m.tp}, pp ${m.pp}, batch ${m.batch} (the widest interval, x/÷`);
      expect(t).toMatch(/would narrow them most \(the profiler's adaptive rule/);
    }
  });
});
