// A one-feature problem y = f(x) on n seeded points of [-1, 1], for the search tests.
import { createRng } from '../../../../src/sr/util/rng.js';
import type { Dataset } from '../../../../src/sr/eval/types.js';

export function problem(f: (x: number) => number, n = 20, seed = 3): Dataset {
  const rng = createRng(seed);
  const X = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) { X[r] = 2 * rng.next() - 1; y[r] = f(X[r]); }
  return { X, y, nFeatures: 1, nRows: n };
}
