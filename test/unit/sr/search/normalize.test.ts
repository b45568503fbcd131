// Constants gathered where they can be named (search/normalize.ts), pi squared among the named numbers, and a
// constant at rounding-noise size dropped: found expressions that fit exactly read as their laws.
import { describe, expect, it } from 'vitest';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { size } from '../../../../src/sr/expression/node.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { namedConstant, toInfix } from '../../../../src/sr/expression/print.js';
import { normalizeConstants } from '../../../../src/sr/search/normalize.js';
import { polishTree } from '../../../../src/sr/search/polish.js';
import { namedCandidates } from '../../../../src/sr/search/recognize.js';
import { evaluateAt, tidyTree } from '../../../../src/sr/search/simplify.js';
import { createRng } from '../../../../src/sr/util/rng.js';

/** the forms a search found for laws of the Feynman set (bench:feynman, all 80 at 5M evaluations), as printed */
const FOUND = [
  { text: '1.7227572518271366 * sqrt(0.33693942202532756 * x0 ^ 2 / x1 ^ 2 - 3.32545880252 / x2 ^ 2)', law: (x: number[]) => Math.sqrt(x[0] ** 2 / x[1] ** 2 - Math.PI ** 2 / x[2] ** 2), ranges: [[5, 6], [1, 1.4], [3, 4]] },
  { text: '0.02982709927465229 * x0 * (exp(x1 / x2 + 3.5123379270660346) - 33.52655887828226)', law: (x: number[]) => x[0] * (Math.exp(x[1] / x[2]) - 1), ranges: [[1, 5], [1, 2], [1, 2]] },
  { text: '4.657797333067073 / (1.5525991110223576 - 0.5175330370074525 * x0 * x1) - 2', law: (x: number[]) => 1 + (x[0] * x[1]) / (1 - (x[0] * x[1]) / 3), ranges: [[0, 1], [0, 1]] },
];

function dataOf(law: (x: number[]) => number, ranges: readonly (readonly number[])[]) {
  const rng = createRng(5);
  const n = 300;
  const nFeatures = ranges.length;
  const X = new Float64Array(nFeatures * n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const x = ranges.map(([lo, hi], j) => (X[j * n + r] = lo + (hi - lo) * rng.next()));
    y[r] = law(x);
  }
  const ev = new ReferenceEvaluator();
  ev.setDataset({ X, y, nFeatures, nRows: n });
  return { ev, y };
}

describe('normalizeConstants', () => {
  it('rewrites into an equal function, never larger', () => {
    const rng = createRng(9);
    for (const text of [...FOUND.map((f) => f.text), 'x0 + 1.089 * (0.902 - exp(sin(0.394 * x0 - 0.431 * x1))) * log(x0 / x1)', '0.5 * x0 ^ 2 * x1', 'x1 / (12.566370614359172 / x0) / (x1 ^ 2 * 3)', 'cube(2 - 4 * x0) / sqrt(9 * x1 + 3)', 'exp(2 - x0) * 3']) {
      const tree = parseExpression(text);
      const out = normalizeConstants(tree);
      expect(size(out), text).toBeLessThanOrEqual(size(tree));
      for (let i = 0; i < 20; i++) {
        const p = [0.3 + rng.next(), 0.3 + rng.next(), 0.3 + rng.next()];
        const a = evaluateAt(tree, p);
        const b = evaluateAt(out, p);
        // outside the domain (a negative square root) both are NaN
        if (Number.isNaN(a)) expect(b, `${text} at ${p}`).toBeNaN();
        else expect(Math.abs(a - b), `${text} at ${p}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
      }
    }
  });

  it('gathers the constants of a found law where they can be named', () => {
    expect(toInfix(normalizeConstants(parseExpression(FOUND[0].text)))).toMatch(/^sqrt\(x0 \^ 2 \/ x1 \^ 2 - 9\.8696044\d* \/ x2 \^ 2\)$/);
    expect(toInfix(normalizeConstants(parseExpression(FOUND[1].text)))).toMatch(/^(0\.99999\d*|1(\.0*\d*)?) \* \(x0 \* \(exp\(x1 \/ x2\) - 1\.0000\d*\)\)$/);
  });
});

describe('polished output of exact fits', () => {
  it('reads as the law: constants named (pi squared included), none left over', () => {
    const want = ['sqrt(x0 ^ 2 / x1 ^ 2 - pi ^ 2 / x2 ^ 2)', 'x0 * (exp(x1 / x2) - 1)', '9 / (3 - x0 * x1) - 2'];
    FOUND.forEach((f, i) => {
      const { ev, y } = dataOf(f.law, f.ranges);
      const forms = polishTree(parseExpression(f.text), ev, { y }, { loss: 'mse', floor: 1e-20 });
      const texts = forms.map((t) => toInfix(t));
      expect(texts.some((t) => t.replace(/\s+/g, '') === want[i].replace(/\s+/g, '')), `${texts.join(' | ')}`).toBe(true);
      for (const t of forms) expect(ev.losses([compile(t)], 'mse')[0]).toBeLessThanOrEqual(1e-20);
    });
  });

  it('names pi squared and its reciprocal multiples, which parse back to the same double', () => {
    for (const [v, text] of [[Math.PI * Math.PI, 'pi ^ 2'], [(3 * Math.PI * Math.PI) / 4, '3 * pi ^ 2 / 4'], [1 / (4 * Math.PI * Math.PI), '1 / (4 * pi ^ 2)']] as const) {
      expect(namedConstant(v)?.infix).toBe(text);
      expect(evaluateAt(parseExpression(text), [])).toBe(v);
      expect(namedCandidates(v * (1 + 1e-7))).toContain(v);
    }
  });

  it('drops a constant at rounding-noise size, and x - 0 is never shown', () => {
    const { ev, y } = dataOf((x) => x[0] * x[1], [[1, 2], [1, 2]]);
    const [best] = polishTree(parseExpression('(x0 + 8e-17) * x1'), ev, { y }, { loss: 'mse', floor: 1e-20 });
    expect(toInfix(best)).toBe('x0 * x1');
    expect(toInfix(tidyTree(parseExpression('x0 - 0')))).toBe('x0');
    expect(toInfix(tidyTree(parseExpression('0 - x0')))).toBe('-x0');
    // products with a constant recognised as 0 go, and so does the term they leave
    expect(toInfix(tidyTree(parseExpression('(sin(x0) - 0 * x1 + 0 * sqrt(x2)) ^ 2')))).toBe('sin(x0) ^ 2');
    expect(toInfix(tidyTree(parseExpression('x0 + 0 / x1')))).toBe('x0');
  });
});
