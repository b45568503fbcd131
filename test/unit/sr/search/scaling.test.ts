// scaledProgram builds a * f + b from f's program without a tree: it must be exactly what compiling the tree
// a * f + b gives (the hall of fame serialises that program and the key of a member is made from it).
import { describe, expect, it } from 'vitest';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { constant, op, type Node } from '../../../../src/sr/expression/node.js';
import { scaledProgram, withoutScaleAndOffset } from '../../../../src/sr/search/scaling.js';

const same = (a: ReturnType<typeof compile>, b: ReturnType<typeof compile>): void => {
  expect(Array.from(a.code.subarray(0, 2 * a.length))).toEqual(Array.from(b.code.subarray(0, 2 * b.length)));
  expect(Array.from(a.consts)).toEqual(Array.from(b.consts));
  expect([a.length, a.maxStack, a.nFeaturesUsed]).toEqual([b.length, b.maxStack, b.nFeaturesUsed]);
};

describe('scaledProgram', () => {
  const shapes: [string, (f: Node) => Node, number | null, number | null][] = [
    ['f', (f) => f, null, null],
    ['a * f', (f) => op('*', constant(2.5), f), 2.5, null],
    ['f + b', (f) => op('+', f, constant(-7)), null, -7],
    ['a * f + b', (f) => op('+', op('*', constant(2.5), f), constant(-7)), 2.5, -7],
  ];
  for (const text of ['x0', '1.5', 'x0 * 3 + sin(x1 / 0.5)', '(x2 - 1) * (x0 + (x1 * (x0 - 2)))']) {
    for (const [name, wrap, a, b] of shapes) {
      it(`${name} with f = ${text} equals compile of the tree`, () => {
        const f = parseExpression(text, ['x0', 'x1', 'x2']);
        same(scaledProgram(compile(f), a, b), compile(wrap(f)));
      });
    }
  }
});

describe('withoutScaleAndOffset', () => {
  const names = ['x0', 'x1'];
  const core = (text: string): string => JSON.stringify(withoutScaleAndOffset(parseExpression(text, names)));
  const tree = (text: string): string => JSON.stringify(parseExpression(text, names));
  for (const [input, expected] of [
    ['3 * (x0 * x1) + 2', 'x0 * x1'], ['(3 * x0) * x1 + 2', '3 * x0 * x1'],
    ['2 - (x0 / 4)', 'x0'],
    ['-(sin(x1) * 0.5) + 7', 'sin(x1)'],
    ['(x0 + x1) / 3', 'x0 + x1'],
    ['1.5 * (x0 - 2)', 'x0'],
  ]) {
    it(`${input} -> ${expected}`, () => expect(core(input)).toBe(tree(expected)));
  }
  for (const kept of ['3 / x0', 'x0 * x1', 'sin(x0 + 2)', '2.5', '2 * 3', 'x0 ^ 2']) {
    it(`${kept} is kept (not an outer scale or offset of a non-constant)`, () => expect(core(kept)).toBe(tree(kept)));
  }
});
