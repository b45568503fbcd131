// Dimensional analysis: unit parsing (mathjs), propagation over hand-built trees (wildcard constants, sqrt of
// m^2, exp(m)), the penalty, and the option's validation.
import { describe, expect, it } from 'vitest';
import { constant, feature, op } from '../../../../src/sr/expression/node.js';
import { resolveOptions } from '../../../../src/sr/search/options.js';
import {
  dimensionTable, dimensionViolations, parseUnit, parseUnitAssignments, penalisedLoss, unitPenalty, unitsByIndex,
} from '../../../../src/sr/search/units.js';

// features: 0 m [kg], 1 v [m/s], 2 x [m], 3 t [s], 4 n [dimensionless]
const table = dimensionTable({ features: ['kg', 'm/s', 'm', 's', null], target: 'J' }, 5);
const m = feature(0), v = feature(1), x = feature(2), t = feature(3), n = feature(4);
const viol = (tree: Parameters<typeof dimensionViolations>[0], root = true): number => dimensionViolations(tree, table, root);

describe('parseUnit', () => {
  it('reads SI, derived and prefixed units, products and powers, and the project base units', () => {
    expect(parseUnit('J', 'y')).toEqual(parseUnit('kg m^2 / s^2', 'y'));
    expect(parseUnit('W', 'y')).toEqual(parseUnit('J/s', 'y'));
    expect(parseUnit('TB/s', 'y')).toEqual(parseUnit('GB/ms', 'y'));
    expect(parseUnit('token/s', 'y')).not.toEqual(parseUnit('1/s', 'y'));
    expect(parseUnit('tokens', 'y')).toEqual(parseUnit('token', 'y'));
    expect(parseUnit('GPU', 'y').some((d) => d !== 0)).toBe(true);
  });
  it('treats angles, 1, count and the empty string as dimensionless', () => {
    for (const u of ['rad', 'deg', '1', 'count', '', 'dimensionless']) expect(parseUnit(u, 'y').every((d) => d === 0)).toBe(true);
  });
  it('rejects an unknown unit or a quantity with INVALID_UNIT, naming what and the string', () => {
    expect(() => parseUnit('kgg', 'unit of feature "m"')).toThrow(/unit of feature "m": cannot read the unit "kgg"/);
    try { parseUnit('5 m', 'x'); } catch (e) { expect((e as { code: string }).code).toBe('INVALID_UNIT'); }
    expect(() => parseUnit('5 m', 'x')).toThrow(/"5 m"/);
  });
});

describe('dimensionViolations', () => {
  it('accepts m * v^2 / 2 as energy and flags m * v against J at the root', () => {
    expect(viol(op('/', op('*', m, op('square', v)), constant(2)))).toBe(0);
    expect(viol(op('*', m, op('square', v)))).toBe(0);
    expect(viol(op('*', m, v))).toBe(1);
    expect(viol(op('*', m, v), false)).toBe(0); // linear scaling: the root is not compared
  });
  it('needs equal dimensions for + and -, a wildcard constant adopting the other side', () => {
    expect(viol(op('+', x, t), false)).toBe(1);
    expect(viol(op('+', x, constant(3)), false)).toBe(0);
    expect(viol(op('-', op('*', v, t), x), false)).toBe(0);
    expect(viol(op('+', op('*', m, op('square', v)), constant(1)))).toBe(0);
  });
  it('makes a product with a constant a wildcard (the constant may carry any unit)', () => {
    expect(viol(op('+', op('*', constant(2), m), t), false)).toBe(0);
    expect(viol(op('*', constant(9.8), op('*', m, x)))).toBe(0);
  });
  it('halves under sqrt: sqrt(x^2) is a length, sqrt(x^2) + t is not', () => {
    expect(viol(op('-', op('sqrt', op('square', x)), x), false)).toBe(0);
    expect(viol(op('+', op('sqrt', op('square', x)), t), false)).toBe(1);
    expect(viol(op('-', op('sqrt', x), x), false)).toBe(1); // m^0.5 against m
  });
  it('needs dimensionless arguments for exp, log, sin and cos', () => {
    expect(viol(op('exp', m), false)).toBe(1);
    expect(viol(op('exp', op('/', x, op('*', v, t))), false)).toBe(0);
    expect(viol(op('sin', n), false)).toBe(0);
    expect(viol(op('log', op('*', constant(2), m)), false)).toBe(0); // the constant carries 1/kg
    expect(viol(op('+', op('exp', m), x), false)).toBe(2); // exp(m), and dimensionless + m
  });
  it('scales by a constant exponent and needs a dimensionless exponent', () => {
    expect(viol(op('-', op('^', x, constant(2)), op('square', x)), false)).toBe(0);
    expect(viol(op('^', x, t), false)).toBe(2); // exponent with a unit, and a non-constant exponent of a length
    expect(viol(op('^', n, n), false)).toBe(0);
  });
  it('treats a subtree made only of constants as a wildcard', () => {
    expect(viol(op('+', op('exp', constant(1)), x), false)).toBe(0);
    expect(viol(constant(4))).toBe(0);
  });
});

describe('the penalty', () => {
  it('adds penalty * violations * baseline, and nothing without violations or units', () => {
    expect(penalisedLoss(2, 0, table, 10)).toBe(2);
    expect(penalisedLoss(2, 3, { ...table, penalty: 0.5 }, 10)).toBe(17);
    const off = unitPenalty({ units: null, linearScaling: true }, 5, 10);
    expect(off(op('exp', m), 1)).toBe(1);
    const on = unitPenalty({ units: { features: ['kg', 'm/s', 'm', 's', null], target: 'J', penalty: 1 }, linearScaling: false }, 5, 10);
    expect(on(op('exp', m), 1)).toBe(1 + 2 * 10); // exp(m), and a dimensionless root against J
  });
  it('applies a table parsed elsewhere (the search hands islands their dimensions) as the one it would parse', () => {
    const units = { features: ['kg', 'm/s', 'm', 's', null], target: 'J', penalty: 1 };
    const parsed = unitPenalty({ units, linearScaling: false }, 5, 10, dimensionTable(units, 5));
    // a table that differs from the option's shows the parsed one is the one used
    const other = unitPenalty({ units, linearScaling: false }, 5, 10, { ...dimensionTable(units, 5), penalty: 3 });
    expect(parsed(op('exp', m), 1)).toBe(21);
    expect(other(op('exp', m), 1)).toBe(1 + 3 * 2 * 10);
  });
});

describe('options.units', () => {
  it('reads the text form name=unit (the CLI\'s --units, the web page\'s field), the target\'s entry apart', () => {
    expect(parseUnitAssignments(' m=kg, v = m/s ,E=J', 'E')).toEqual({ features: { m: 'kg', v: 'm/s' }, target: 'J' });
    expect(parseUnitAssignments('m=kg', 'E')).toEqual({ features: { m: 'kg' }, target: null });
    expect(() => parseUnitAssignments(' , ', 'E')).toThrow(/--units names no column/);
    expect(() => parseUnitAssignments('m', 'E', 'Units')).toThrow(/Units: "m" is not name=unit/);
    expect(() => parseUnitAssignments('E=J,E=kJ', 'E')).toThrow(/names "E" twice/);
  });
  it('is validated by resolveOptions: shape, unit strings (INVALID_UNIT) and penalty', () => {
    expect(resolveOptions({ units: { features: { m: 'kg' }, target: 'J' } }).units).toEqual({ features: { m: 'kg' }, target: 'J' });
    expect(() => resolveOptions({ units: { features: { m: 'kgg' } } })).toThrow(/feature "m".*"kgg"/);
    expect(() => resolveOptions({ units: { features: { m: 'kg' }, target: 'JJ' } })).toThrow(/target.*"JJ"/);
    expect(() => resolveOptions({ units: { features: { m: 'kg' }, penalty: -1 } as never })).toThrow(/penalty/);
    expect(() => resolveOptions({ units: { feature: {} } as never })).toThrow(/unknown field "feature"/);
  });
  it('resolves feature names to indices, and rejects a name that is not a feature', () => {
    expect(unitsByIndex({ features: { v: 'm/s' }, target: 'J' }, ['m', 'v'])).toEqual({ features: [null, 'm/s'], target: 'J' });
    expect(() => unitsByIndex({ features: { w: 'm/s' } }, ['m', 'v'])).toThrow(/"w" is not a feature/);
  });
});

describe('log-space units (features are logarithms of quantities)', () => {
  // 0 log(batch) [request], 1 log(hbm) [TB/s], 2 log(tp) [1]
  const t = dimensionTable({ features: ['request', 'TB/s', '1'], target: null, space: 'log' }, 3);
  const [b, h, tp] = [feature(0), feature(1), feature(2)];
  const lv = (tree: Parameters<typeof dimensionViolations>[0], root = false): number => dimensionViolations(tree, t, root);
  it('accepts power laws: fitted exponents times logs, sums, constants', () => {
    expect(lv(op('+', op('*', constant(0.3), b), op('*', constant(-1.2), h)))).toBe(0);
    expect(lv(op('+', constant(2), op('*', tp, tp)))).toBe(0); // log(tp) is dimensionless
    expect(lv(op('*', b, tp))).toBe(1); // b ^ log(tp): a power of a request count that varies
  });
  it('charges products of logs of dimensioned quantities, also behind a constant offset', () => {
    expect(lv(op('*', b, h))).toBe(2);
    expect(lv(op('*', op('+', constant(1), b), h))).toBe(1);
    expect(lv(op('square', b))).toBe(1);
  });
  it('checks the root as the log of a dimensionless quantity when asked', () => {
    expect(lv(op('-', b, b), true)).toBe(0);
    expect(lv(b, true)).toBe(1);
    expect(lv(op('*', constant(2), b), true)).toBe(0);
  });
});

describe('units travel with the options', () => {
  it('survive JSON (workers, queues, checkpoints) and a checkpoint notices changed units', async () => {
    const { optionDifferences } = await import('../../../../src/sr/checkpoint.js');
    const a = resolveOptions({ units: { features: ['kg', null], target: 'J', space: 'linear' } });
    expect(resolveOptions(JSON.parse(JSON.stringify(a)))).toEqual(a);
    const b = resolveOptions({ units: { features: ['kg', 's'], target: 'J' } });
    expect(optionDifferences(a, b).join(' ')).toMatch(/^units \(checkpoint/);
    expect(optionDifferences(a, a)).toEqual([]);
  });
});

describe('units on the distributed path', () => {
  it('an island task whose options carry units (by index, as equationSearch sends them) passes the job check', async () => {
    const { checkIslandTask } = await import('../../../../src/distributed/jobs.js');
    const { createIslandState } = await import('../../../../src/sr/search/island.js');
    const options = resolveOptions({ units: { features: ['kg', 'm/s'], target: 'J' }, maxEvaluations: 100 });
    const task = JSON.parse(JSON.stringify({ islandId: 0, generations: 1, state: createIslandState(0, 1), migrants: [], options }));
    expect(checkIslandTask(task, 'job').options.units).toEqual(options.units);
    task.options.units.features[0] = 'kgx';
    expect(() => checkIslandTask(task, 'job')).toThrow(/"kgx"/);
  });
});
