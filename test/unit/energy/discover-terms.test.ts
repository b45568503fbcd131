// Reading a discovered front against the closed form: features used, closed-form terms, the summary text.
import { describe, expect, it } from 'vitest';
import { analyseTerms } from '../../../src/energy/model/discover-terms.js';
import { parseExpression, type Equation } from '../../../src/sr/index.js';

const NAMES = ['batch', 'layers', 'memory_ms', 'compute_ms', 'idle_power_w', 'tp'];
const eq = (expression: string, loss: number, complexity: number): Equation => ({
  expression, loss, complexity, r2: 0, latex: '', tree: parseExpression(expression, NAMES),
});

describe('analyseTerms', () => {
  const front = [
    eq('layers', 4, 1),
    eq('0.002 * idle_power_w * memory_ms / batch', 1, 7),
    eq('0.002 * idle_power_w * memory_ms / batch + 0.5 * tp - 3', 0.9, 13),
  ];

  it('lists the features of the selected expression and of the members within 2x of the best loss', () => {
    const a = analyseTerms('energy_per_token', front, front[1], NAMES, []);
    expect(a.selectedFeatures).toEqual(['batch', 'idle_power_w', 'memory_ms']);
    expect(a.nearBestFeatures).toEqual(['batch', 'idle_power_w', 'memory_ms', 'tp']);
    expect(a.nearBestCount).toBe(2);
    const kMem = a.closedForm.find((u) => u.parameter === 'k_mem');
    expect(kMem).toMatchObject({ column: 'memory_ms', expected: true, inSelected: true, inNearBest: true });
    expect(a.closedForm.find((u) => u.parameter === 'k_comp' && u.feature === 'compute_ms')).toMatchObject({ inSelected: false, inNearBest: false });
    expect(a.extra).toEqual([]);
  });

  it('splits the selected expression into additive terms and maps each onto closed-form parameters', () => {
    const a = analyseTerms('energy_per_token', front, front[2], NAMES, []);
    expect(a.found).toEqual([
      { term: '0.002 * idle_power_w * memory_ms / batch', parameters: ['k_mem', 'p_static'] },
      { term: 'tp', parameters: [] },
    ]);
    expect(a.extra).toEqual(['tp']);
    expect(a.summary).toMatch(/^found: 0\.002 \* idle_power_w \* memory_ms \/ batch -> k_mem, p_static; tp -> \(no closed-form term\)\. missing: .*k_comp \(compute_ms\)/);
    expect(a.summary).toContain('not in the closed form here: tp');
  });

  it('follows a dropped column to the one it is proportional to, and calls a constant one untestable', () => {
    const a = analyseTerms('tpot', front, front[2], NAMES, [
      { name: 'sequences', reason: 'equal to batch', keptAs: 'batch' },
      { name: 'pp', reason: 'constant (1)' },
    ]);
    expect(a.closedForm.find((u) => u.parameter === 'tau_seq')).toMatchObject({ column: 'batch', inSelected: true });
    expect(a.closedForm.find((u) => u.parameter === 'tau_pp')).toMatchObject({ column: null, inSelected: false });
    expect(a.closedForm.find((u) => u.parameter === 'p_static')?.expected).toBe(false); // time has no static power
    expect(a.extra).toEqual(['idle_power_w', 'tp']);
    expect(a.summary).toContain('tau_pp (pp: constant (1))');
    // per token, batch divides every term: it cannot stand for the per-sequence host time
    const perToken = analyseTerms('energy_per_token', front, front[2], NAMES, [{ name: 'sequences', reason: 'equal to batch', keptAs: 'batch' }]);
    expect(perToken.closedForm.find((u) => u.parameter === 'tau_seq')).toMatchObject({ column: 'batch', ambiguous: true });
    expect(perToken.found[0].parameters).toEqual(['k_mem', 'p_static']);
    expect(perToken.summary).toContain('ambiguous: tau_seq (sequences = batch here)');
    expect(perToken.missing.join()).not.toContain('tau_seq');
    expect(a.summary).toContain('untestable: k_expert (expert_ms: not among the columns)');
  });
});
