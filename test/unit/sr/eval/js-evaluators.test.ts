import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileColumnClosures, compileGenerated, evalTreeNaive } from '../../../../src/sr/eval/js-evaluators.js';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { OPERATORS } from '../../../../src/sr/expression/operators.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import { randomTree } from '../../../../src/sr/expression/random.js';
import { toInfix } from '../../../../src/sr/expression/print.js';
import { createRng } from '../../../../src/sr/util/rng.js';

const ALL = OPERATORS.map((o) => o.name);
const sameBits = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('plain-JavaScript evaluators', () => {
  const nRows = 13;
  const nFeatures = 3;
  const X = new Float64Array(nFeatures * nRows);
  const rng = createRng(9);
  for (let i = 0; i < X.length; i++) X[i] = (rng.next() - 0.3) * 5;
  const ref = new ReferenceEvaluator();
  ref.setDataset({ X, y: new Float64Array(nRows).fill(1), nFeatures, nRows });

  it('compute bit-identical predictions to the reference evaluator', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 30 }), (seed, size) => {
        const tree = randomTree(createRng(seed), { size, nFeatures, operators: ALL, constProbability: 0.4 });
        const p = compile(tree);
        const expected = ref.predict(p);
        const generated = compileGenerated(p)(X, nRows);
        const closures = compileColumnClosures(p)(X, nRows);
        for (let r = 0; r < nRows; r++) {
          const what = `${toInfix(tree)} row ${r}`;
          expect(sameBits(generated[r], expected[r]), `${what}: generated ${generated[r]} vs ${expected[r]}`).toBe(true);
          expect(sameBits(closures[r], expected[r]), `${what}: closures ${closures[r]} vs ${expected[r]}`).toBe(true);
          expect(sameBits(evalTreeNaive(tree, X, nRows, r), expected[r]), `${what}: naive`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('read refitted constants without recompiling, and reuse the output buffer', () => {
    const p = compile(parseExpression('2.5 * x0 + -0'));
    const run = compileGenerated(p);
    const out = new Float64Array(nRows);
    expect(run(X, nRows, out)).toBe(out);
    p.consts[0] = 3;
    const again = run(X, nRows);
    for (let r = 0; r < nRows; r++) expect(again[r]).toBe(3 * X[r] + -0);
    const closures = compileColumnClosures(p);
    expect(closures(X, nRows)[1]).toBe(3 * X[1]);
    // a different row count reallocates the column buffers
    expect(closures(X.subarray(0, 2), 2).length).toBe(2);
  });

  it('reject data with too few columns for the program', () => {
    const p = compile(parseExpression('x0 + x2'));
    const short = new Float64Array(2 * nRows);
    for (const make of [compileGenerated, compileColumnClosures]) {
      expect(() => make(p)(short, nRows)).toThrow(expect.objectContaining({ code: 'LENGTH_MISMATCH' }));
    }
  });
});
