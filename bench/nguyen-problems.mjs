// The Nguyen problems of ../shared/data/sr-benchmarks as bench:recovery runs them: each problem's train and test
// points (sampled by its spec from the seed), its truth, its Koza operators and the search options the bench sets.
// Shared by bench/recovery.bench.mjs and bench/nguyen-rate.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parseExpression, createRng, ReferenceEvaluator, compile } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const dataDir = join(here, '..', '..', 'shared', 'data', 'sr-benchmarks');
export const haveData = () => existsSync(join(dataDir, 'benchmarks.csv'));

function sample(spec, nVars, seed) {
  const s = JSON.parse(spec).all;
  const rng = createRng(seed);
  if (s.U) {
    const [lo, hi, n] = s.U;
    return Array.from({ length: n }, () => Array.from({ length: nVars }, () => lo + (hi - lo) * rng.next()));
  }
  if (s.E) {
    const [lo, hi, step] = s.E;
    const grid = [];
    for (let i = 0; lo + i * step <= hi + 1e-9 * step; i++) grid.push(lo + i * step);
    if (nVars === 1) return grid.map((v) => [v]);
    return grid.flatMap((a) => grid.map((b) => [a, b]));
  }
  throw new Error(`unsupported spec ${spec}`);
}

// the benchmark file writes a / b as div(a, b): rewrite every call, nested ones included, as ((a) / (b))
function withoutDiv(text) {
  const at = text.indexOf('div(');
  if (at < 0) return text;
  let depth = 0;
  let comma = -1;
  for (let i = at + 4; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ',' && depth === 0) comma = i;
    else if (ch === ')' && depth-- === 0) {
      const a = withoutDiv(text.slice(at + 4, comma));
      const b = withoutDiv(text.slice(comma + 1, i));
      return withoutDiv(`${text.slice(0, at)}((${a}) / (${b}))${text.slice(i + 1)}`);
    }
  }
  throw new Error(`unbalanced div( in ${text}`);
}

const truthValues = (tree, X, names) => {
  const ev = new ReferenceEvaluator();
  const n = X.length;
  const Xf = new Float64Array(names.length * n);
  X.forEach((row, r) => row.forEach((v, f) => { Xf[f * n + r] = v; }));
  ev.setDataset({ X: Xf, y: new Float64Array(n).fill(1), nFeatures: names.length, nRows: n });
  return ev.predict(compile(tree));
};

/**
 * The Nguyen problems (those named in `only`, all when it is undefined), in the file's order: { p (the CSV row),
 * nVars, names, truth (tree), operators, constantProbability, maxSize }.
 */
export function nguyenProblems(only) {
  const rows = parse(readFileSync(join(dataDir, 'benchmarks.csv'), 'utf8'), { columns: true });
  const sets = Object.fromEntries(parse(readFileSync(join(dataDir, 'function_sets.csv'), 'utf8'), { columns: true }).map((r) => [r.name, r.function_set]));
  return rows.filter((r) => /^Nguyen-(\d+)$/.test(r.name) && (!only || only.includes(r.name))).map((p) => {
    const nVars = Number(p.variables);
    const names = Array.from({ length: nVars }, (_, i) => `x${i + 1}`);
    const truth = parseExpression(withoutDiv(p.expression), names);
    const functionSet = sets[p.function_set].split(',');
    const operators = functionSet.filter((f) => /^[a-z]+$/.test(f) && f !== 'const' && f !== 'poly');
    // the function set says whether constants are part of the search space (CKoza has `const`, Koza does not:
    // 1 is built as x / x); BENCH_CONSTANTS=always searches and fits constants whatever the set says. Measured both
    // ways: on N4, N7, N8 and N12 alone (3 seeds, 1.5M evaluations each) constants recovered 6 of 12 runs against 1
    // of 12; over all twelve problems at 30 s, 8 problems without constants (load 3) against 6 with (load 4-5), both
    // with adaptive parsimony scaling 20; with 100, N4 and N12 alone: 3 of 10 runs with constants, 2 of 10 without.
    const constantProbability = process.env.BENCH_CONSTANTS === 'always' || functionSet.includes('const') ? 0.35 : 0;
    // without constants every 1 costs three nodes (x / x), so the largest size is 40 instead of the engine's 30
    // (Nguyen-4 at 30 s: 4 of 5 seeds with 40, 2 of 5 with 30)
    const maxSize = constantProbability > 0 ? 30 : 40;
    return { p, nVars, names, truth, operators, constantProbability, maxSize };
  });
}

/** One seed's data of a problem: train rows and targets, test rows and targets, and the train targets' variance. */
export function problemData({ p, nVars, names, truth }, seed) {
  const Xtrain = sample(p.train_spec, nVars, 1000 + seed);
  const ytrain = Array.from(truthValues(truth, Xtrain, names));
  const testSpec = p.test_spec && p.test_spec !== 'None' ? p.test_spec : p.train_spec.replace(/,\s*(\d+)\]/, ', 1000]');
  const Xtest = sample(testSpec, nVars, 5000 + seed);
  const ytest = truthValues(truth, Xtest, names);
  let mean = 0; for (const v of ytrain) mean += v; mean /= ytrain.length;
  let variance = 0; for (const v of ytrain) variance += (v - mean) ** 2; variance /= ytrain.length;
  return { Xtrain, ytrain, Xtest, ytest, variance };
}

/** The search options bench:recovery gives a problem (before BENCH_OPTIONS), for a seed and a time budget. */
export function recoveryOptions({ operators, constantProbability, maxSize }, { seed, variance, budget }) {
  return {
    operators, constantProbability, maxSize, seed, workers: 2, maxTime: budget, targetLoss: 1e-24 * variance,
    forbiddenNestings: [['exp', 'exp'], ['log', 'log'], ['sin', 'sin'], ['cos', 'cos'], ['sin', 'cos'], ['cos', 'sin']],
  };
}
