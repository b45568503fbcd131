// The search workload bench:search and bench:distributed share: Nguyen-5, sin(x^2) cos(x) - 1 on 100 rows, with
// 16 islands (they keep 2 workers evenly loaded between migrations). BENCH_OPTIONS (JSON) overrides options.
import { createRng } from '../dist/index.js';

export function nguyen5Search(generations) {
  const rng = createRng(11);
  const n = 100;
  const X = new Float64Array(n);
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) { const x = 2 * rng.next() - 1; X[r] = x; y[r] = Math.sin(x * x) * Math.cos(x) - 1; }
  const data = { X, y, nFeatures: 1, nRows: n };
  const options = { seed: 5, populations: 16, populationSize: 48, generationsPerCycle: 40, maxGenerations: generations, maxTime: null, ...(process.env.BENCH_OPTIONS ? JSON.parse(process.env.BENCH_OPTIONS) : {}) };
  return { data, options };
}
