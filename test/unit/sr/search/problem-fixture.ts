// Seeded problems for the search tests: one feature from a function, two from an expression's text.
import { createRng } from '../../../../src/sr/util/rng.js';
import { ReferenceEvaluator } from '../../../../src/sr/eval/reference.js';
import { compile } from '../../../../src/sr/expression/compile.js';
import { parseExpression } from '../../../../src/sr/expression/parse.js';
import type { Dataset } from '../../../../src/sr/eval/types.js';

export function problem(f: (x: number) => number, n = 20, seed = 3): Dataset {
  const rng = createRng(seed);
  const X = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) { X[r] = 2 * rng.next() - 1; y[r] = f(X[r]); }
  return { X, y, nFeatures: 1, nRows: n };
}

/**
 * 20 rows of x, y drawn as lo + width * u (u uniform on [0, 1)) and the values of `truth` (over x and y) on them,
 * held by a reference evaluator that has the data set.
 */
export function twoFeatureData(truth: string, lo: number, width: number, seed = 1): { ev: ReferenceEvaluator; data: Dataset } {
  const rng = createRng(seed);
  const n = 20;
  const X = new Float64Array(2 * n);
  for (let i = 0; i < X.length; i++) X[i] = lo + width * rng.next();
  const ev = new ReferenceEvaluator();
  ev.setDataset({ X, y: new Float64Array(n), nFeatures: 2, nRows: n });
  const y = ev.predict(compile(parseExpression(truth, ['x', 'y'])));
  const data = { X, y, nFeatures: 2, nRows: n };
  ev.setDataset(data);
  return { ev, data };
}
