// node bench/feynman-gaps.mjs RESULT.json — gap analysis of a bench:feynman run: for every problem not recovered
// exactly, is the selected structure right with wrong constants (a thorough Levenberg-Marquardt refit of its
// constants, 200 iterations and 20 restarts, on the run's training rows reaches R2 > 1 - 1e-9 on fresh rows), close
// (R2 0.99-0.999), accurate but not exact (R2 > 0.999), or far (R2 < 0.99)? Prints a table and the counts.
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExpression, fitConstants, compile, createWasmEvaluator, toFeatureMajor, r2Score, createRng } from '../dist/index.js';
import { readFeynman, sampleProblem } from './feynman-data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, '..', '..', 'shared', 'data', 'sr-benchmarks', 'feynman-public.csv');
if (!existsSync(file)) { console.log(`needs ${file}`); process.exit(0); }
const run = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const all = readFeynman(file);
const seed = run.seed ?? 1;
const counts = {};
const rows = [];
for (const r of run.results) {
  if (r.exact) { counts.exact = (counts.exact ?? 0) + 1; continue; }
  const p = all.find((q) => q.name === r.problem);
  const names = p.variables.map((v) => v.feature);
  let refitR2 = null;
  if (r.expression) {
    const train = sampleProblem(p, 1000, seed * 1000 + p.index);
    const test = sampleProblem(p, 1000, seed * 1000 + p.index + 500_000);
    const ev = createWasmEvaluator();
    const tr = toFeatureMajor(train.X);
    const y = Float64Array.from(train.y);
    ev.setDataset({ ...tr, y });
    try {
      const tree = parseExpression(r.expression, names);
      const fit = fitConstants(compile(tree), ev, { y }, { maxIterations: 200, restarts: 20, rng: createRng(7) });
      const te = toFeatureMajor(test.X);
      ev.setDataset({ ...te, y: Float64Array.from(test.y) });
      const pred = ev.predict({ ...compile(tree), consts: fit.constants });
      refitR2 = r2Score(Array.from(pred), test.y);
    } catch (e) { refitR2 = null; }
  }
  const R2 = r.testR2 ?? -Infinity;
  const kind = refitR2 !== null && refitR2 > 1 - 1e-9 ? 'right structure, wrong constants'
    : R2 > 0.999 ? 'accurate, not exact' : R2 > 0.99 ? 'close (0.99-0.999)' : 'far (< 0.99)';
  counts[kind] = (counts[kind] ?? 0) + 1;
  rows.push(`| ${r.problem} | ${r.truth} | ${R2.toFixed(5)} | ${refitR2 === null ? '-' : refitR2.toFixed(6)} | ${r.exactOnFront ? 'yes' : 'no'} | ${kind} |`);
}
console.log('| problem | truth | test R2 | refit R2 | exact on front | gap |\n|---|---|---|---|---|---|');
console.log(rows.join('\n'));
console.log(JSON.stringify(counts));
