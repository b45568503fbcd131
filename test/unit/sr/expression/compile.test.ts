import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile, decompile, MAX_PROGRAM_LENGTH, MAX_STACK_DEPTH, setConstants } from '../../../../src/sr/expression/compile.js';
import { constant, constantNodes, equals, feature, op, size, type Node } from '../../../../src/sr/expression/node.js';
import { OP_CONST, OP_FEATURE, OPERATORS, operatorByName } from '../../../../src/sr/expression/operators.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const ALL = OPERATORS.map((o) => o.name);
const codeOf = (fn: () => unknown): string | undefined => {
  try { fn(); } catch (err) { return (err as { code?: string }).code; }
  return undefined;
};

describe('compile and decompile', () => {
  it('writes postfix instructions with constants numbered in postfix order', () => {
    // (x1 + 2.5) * exp(-1)
    const p = compile(op('*', op('+', feature(1), constant(2.5)), op('exp', constant(-1))));
    const add = operatorByName('+')!.opcode;
    const mul = operatorByName('*')!.opcode;
    const exp = operatorByName('exp')!.opcode;
    expect(Array.from(p.code)).toEqual([OP_FEATURE, 1, OP_CONST, 0, add, 0, OP_CONST, 1, exp, 0, mul, 0]);
    expect(Array.from(p.consts)).toEqual([2.5, -1]);
    expect(p.length).toBe(6);
    expect(p.maxStack).toBe(2);
    expect(p.nFeaturesUsed).toBe(2);
  });

  it('round-trips random trees of every operator', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 60 }), (seed, n) => {
        const t = randomTree(createRng(seed), { size: n, nFeatures: 4, operators: ALL, constProbability: 0.4 });
        const p = compile(t);
        expect(p.length).toBe(size(t));
        expect(p.consts.length).toBe(constantNodes(t).length);
        expect(equals(decompile(p), t)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps -0 and NaN constants', () => {
    const t = op('+', constant(-0), constant(NaN));
    expect(equals(decompile(compile(t)), t)).toBe(true);
    expect(Object.is(compile(t).consts[0], -0)).toBe(true);
  });

  it('writes constants back in postfix order', () => {
    const t = op('*', constant(1), op('+', feature(0), constant(2)));
    setConstants(t, [3, 4]);
    expect(equals(t, op('*', constant(3), op('+', feature(0), constant(4))))).toBe(true);
    expect(codeOf(() => setConstants(t, [1]))).toBe('INVALID_PROGRAM');
  });

  it('rejects programs beyond the kernel limits with PROGRAM_TOO_LARGE', () => {
    // a chain of unary operators: long but shallow
    let long: Node = feature(0);
    for (let i = 0; i < MAX_PROGRAM_LENGTH; i++) long = op('neg', long);
    expect(codeOf(() => compile(long))).toBe('PROGRAM_TOO_LARGE');
    let ok: Node = feature(0);
    for (let i = 1; i < MAX_PROGRAM_LENGTH; i++) ok = op('neg', ok);
    expect(compile(ok).length).toBe(MAX_PROGRAM_LENGTH);
    // a right comb: x0 + (x0 + (x0 + ...)) needs one stack slot per level
    let deep: Node = feature(0);
    for (let i = 0; i < MAX_STACK_DEPTH; i++) deep = op('+', feature(0), deep);
    expect(codeOf(() => compile(deep))).toBe('PROGRAM_TOO_LARGE');
    expect(() => compile(deep)).toThrow(/stack of 65; the maximum is 64/);
    let shallow: Node = feature(0);
    for (let i = 1; i < MAX_STACK_DEPTH; i++) shallow = op('+', feature(0), shallow);
    expect(compile(shallow).maxStack).toBe(MAX_STACK_DEPTH);
  });

  it('rejects unknown operators, wrong arities and bad feature indices', () => {
    const bad = { kind: 'op', op: 'erf', children: [feature(0)] } as unknown as Node;
    expect(codeOf(() => compile(bad))).toBe('UNKNOWN_OPERATOR');
    expect(() => compile(bad)).toThrow(/erf/);
    expect(codeOf(() => compile(op('+', feature(0))))).toBe('INVALID_PROGRAM');
    expect(codeOf(() => compile(feature(-1)))).toBe('INVALID_PROGRAM');
    expect(codeOf(() => compile(feature(1.5)))).toBe('INVALID_PROGRAM');
  });

  it('rejects malformed programs when decompiling', () => {
    const p = compile(op('+', feature(0), feature(1)));
    const unknown = { ...p, code: Int32Array.from([OP_FEATURE, 0, 99, 0]), length: 2 };
    expect(codeOf(() => decompile(unknown))).toBe('UNKNOWN_OPERATOR');
    const underflow = { ...p, code: Int32Array.from([OP_FEATURE, 0, operatorByName('+')!.opcode, 0]), length: 2 };
    expect(codeOf(() => decompile(underflow))).toBe('INVALID_PROGRAM');
    const twoValues = { ...p, code: Int32Array.from([OP_FEATURE, 0, OP_FEATURE, 1]), length: 2 };
    expect(codeOf(() => decompile(twoValues))).toBe('INVALID_PROGRAM');
  });
});
