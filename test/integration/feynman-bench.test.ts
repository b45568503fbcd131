// The helpers of bench:feynman: reading the Feynman file and sampling it (skipped without ../shared/data), and
// the SymPy judge of exact recovery (skipped without python3 and sympy).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error plain JavaScript modules of the benchmark (they import the built dist/)
import { chooseProblems, readFeynman, sampleProblem } from '../../bench/feynman-data.mjs';
// @ts-expect-error plain JavaScript module of the benchmark
import { judgeExact, sympyAvailable } from '../../bench/sympy-judge.mjs';

const file = join(__dirname, '..', '..', '..', 'shared', 'data', 'sr-benchmarks', 'feynman-public.csv');
const hasData = existsSync(file);
const hasSympy = sympyAvailable().available as boolean;
if (!hasData) console.warn(`feynman-bench tests skipped: ${file} is absent`);
if (!hasSympy) console.warn('SymPy judge tests skipped: python3 with sympy is missing');

describe.skipIf(!hasData)('Feynman problems', () => {
  it('reads the 80 equations, evaluates their formulas, and splits them into two halves by file order', () => {
    const all = readFeynman(file);
    expect(all).toHaveLength(80);
    const gauss = all.find((p: { name: string }) => p.name === 'I.6.2a');
    expect(gauss.truth([1.5])).toBeCloseTo(Math.exp(-1.125) / Math.sqrt(2 * Math.PI), 14);
    const { X, y } = sampleProblem(gauss, 50, 3);
    expect(X).toHaveLength(50);
    expect(X.every((r: number[]) => r[0] >= 1 && r[0] <= 3)).toBe(true);
    expect(sampleProblem(gauss, 50, 3).y).toEqual(y);
    const dev = chooseProblems(all, { half: 'dev' });
    const held = chooseProblems(all, { half: 'heldout' });
    expect(dev.length + held.length).toBe(80);
    expect(dev.some((p: { name: string }) => held.some((q: { name: string }) => q.name === p.name))).toBe(false);
    const some = chooseProblems(all, { half: 'dev', problems: '5', seed: 1 });
    expect(some).toHaveLength(5);
    expect(chooseProblems(all, { half: 'dev', problems: '5', seed: 1 })).toEqual(some);
    expect(() => chooseProblems(all, { problems: 'I.6.2a,nope' })).toThrow(/unknown problem\(s\) nope/);
  });
});

describe.skipIf(!hasSympy)('SymPy judge', () => {
  it('calls a model exact when the difference or the ratio to the truth is a constant, and only then', () => {
    const symbols = { m: 'm', v: 'v', gamma: 'gamma' }; // gamma: a SymPy function name, read as a symbol
    const verdicts = judgeExact([
      { model: '0.5 * m * v ^ 2', truth: 'm*v**2/2', symbols },
      { model: 'm * v ^ 2 / 2 + 3.1', truth: 'm*v**2/2', symbols },
      { model: 'm / (12.566370614359172 * v)', truth: 'm/(4*pi*v)', symbols },
      { model: 'm * v ^ 2.0001', truth: 'm*v**2', symbols },
      { model: 'exp(-0.5 * v ^ 2)', truth: 'exp(-v**2/2)', symbols },
      { model: 'gamma * m', truth: 'gamma*m', symbols },
      { model: '0', truth: 'm', symbols },
      { model: 'm * v', truth: 'arcsin(m*v)', symbols },
    ]);
    expect(verdicts.map((v: { exact: boolean }) => v.exact)).toEqual([true, true, true, false, true, true, false, false]);
  });
});
