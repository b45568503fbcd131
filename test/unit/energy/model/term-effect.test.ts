// A discovered constant term in plain words: "d6 = -1.77: multiplies ... by exp(1.77)" was right (g subtracts d6)
// but read as a slip. The text names the parameter with the sign it enters g with, then the figures.
import { describe, expect, it } from 'vitest';
import { termEffect } from '../../../../src/energy/model/discovery/index.js';

const constant = { parameter: 'd6', value: 0, unit: '1', phase: 'prefill' as const, meaning: 'log of a constant factor on the prefill energy' };

describe('termEffect of a constant factor', () => {
  it('a term added to g: exp(d6) = exp(value) = factor', () => {
    expect(termEffect(constant, 0.1)).toBe('multiplies the prefill energy per output token by exp(d6) = exp(0.1) = 1.11');
  });

  it('a term subtracted from g, at a negative value: exp(-d6) = exp(1.77), so the sign reads through', () => {
    expect(termEffect({ ...constant, sign: -1 }, -1.77)).toBe('multiplies the prefill energy per output token by exp(-d6) = exp(1.77) = 5.87');
  });

  it('a term subtracted from g, at a positive value', () => {
    expect(termEffect({ ...constant, sign: -1, phase: 'decode' }, 0.537)).toBe('multiplies the energy per output token by exp(-d6) = exp(-0.537) = 0.584');
  });

  it('a fixed number (no parameter): the value alone', () => {
    expect(termEffect({ ...constant, parameter: null, sign: -1 }, 0.5)).toBe('multiplies the prefill energy per output token by exp(-0.5) = 0.607');
  });
});
