// Residual discovery's units: every correction feature names the unit of the quantity it is the log of, and
// mathjs (the engine's parser) reads each one.
import { describe, expect, it } from 'vitest';
import { CORRECTION_FEATURES } from '../../../../src/energy/model/discovery/correction-features.js';
import { DEFAULT_RESIDUAL_OPTIONS } from '../../../../src/energy/model/discovery/residual.js';
import { dimensionTable, dimensionViolations, parseUnit } from '../../../../src/sr/search/units.js';
import { constant, feature, op } from '../../../../src/sr/expression/node.js';

describe('correction features carry units', () => {
  it('each quantity unit parses; tokens, W, TB/s and GB differ; tp and pp are dimensionless', () => {
    for (const c of CORRECTION_FEATURES) expect(() => parseUnit(c.quantityUnit, c.name)).not.toThrow();
    const dims = (n: string) => parseUnit(CORRECTION_FEATURES.find((c) => c.name === n)!.quantityUnit, n);
    expect(dims('log_tp').every((d) => d === 0)).toBe(true);
    expect(dims('log_output_tokens')).toEqual(dims('log_context_tokens'));
    expect(dims('log_hbm_tbs')).not.toEqual(dims('log_cache_gb_per_step'));
    expect(dims('log_idle_power_w')).not.toEqual(dims('log_output_tokens'));
    expect(['auto', 'off']).toContain(DEFAULT_RESIDUAL_OPTIONS.units);
  });
  it('in log space a power law is consistent and a product of two dimensioned logs is not', () => {
    const names = CORRECTION_FEATURES.map((c) => c.quantityUnit);
    const t = dimensionTable({ features: names, target: null, space: 'log' }, names.length);
    const i = (n: string) => feature(CORRECTION_FEATURES.findIndex((c) => c.name === n));
    expect(dimensionViolations(op('+', op('*', constant(0.2), i('log_batch')), op('*', constant(-0.5), i('log_hbm_tbs'))), t, false)).toBe(0);
    expect(dimensionViolations(op('*', i('log_batch'), i('log_hbm_tbs')), t, false)).toBe(2);
  });
});
