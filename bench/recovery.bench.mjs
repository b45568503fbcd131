// npm run bench:recovery — exact recovery of the Nguyen problems (1 to 12) of ../shared/data/sr-benchmarks,
// sampled by each problem's train spec; budget per problem and seed: 30 s on 2 workers (--quick: 10 s, 2 seeds).
// One JSON object on stdout.
import { SymbolicRegressor, simplifyTree, toInfix } from '../dist/index.js';
import { dataDir, haveData, nguyenProblems, problemData, recoveryOptions } from './nguyen-problems.mjs';
import { runEnvironment } from './run-environment.mjs';

if (!haveData()) {
  process.stderr.write(`bench:recovery needs ${dataDir} (the shared data set); it is absent, nothing to measure\n`);
  process.stdout.write(`${JSON.stringify({ skipped: `missing ${dataDir}` })}\n`);
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const seeds = process.env.BENCH_SEEDS ? process.env.BENCH_SEEDS.split(',').map(Number) : quick ? [1, 2] : [1, 2, 3, 4, 5];
const budget = process.env.BENCH_BUDGET ? Number(process.env.BENCH_BUDGET) : quick ? 10 : 30;
// search options to try (JSON), e.g. BENCH_OPTIONS='{"populations":16}'
const extra = process.env.BENCH_OPTIONS ? JSON.parse(process.env.BENCH_OPTIONS) : {};

const problems = nguyenProblems(only);

const results = [];
for (const problem of problems) {
  const { p, names, truth, operators, constantProbability, maxSize } = problem;
  const perSeed = [];
  for (const seed of seeds) {
    const { Xtrain, ytrain, Xtest, ytest, variance } = problemData(problem, seed);
    const t0 = performance.now();
    try {
      const model = await new SymbolicRegressor({ ...recoveryOptions(problem, { seed, variance, budget }), ...extra }).fit(Xtrain, ytrain, { featureNames: names });
      const seconds = (performance.now() - t0) / 1000;
      // recovered: the same expression after simplification, or the same values to 1e-10 relative on the test
      // points (relative to the point's value, or to the mean |y| where the truth crosses zero)
      const scale = ytest.reduce((a, v) => a + Math.abs(v), 0) / ytest.length;
      const truthText = toInfix(simplifyTree(truth), names);
      const matches = (eq) => {
        if (toInfix(simplifyTree(eq.tree), names) === truthText) return true;
        const pred = model.predict(Xtest, { complexity: eq.complexity });
        for (let i = 0; i < ytest.length; i++) {
          if (!(Math.abs(pred[i] - ytest[i]) <= 1e-10 * Math.max(Math.abs(ytest[i]), scale))) return false;
        }
        return true;
      };
      const best = model.best();
      let ssr = 0, sst = 0, mt = 0;
      for (const v of ytest) mt += v; mt /= ytest.length;
      const pred = model.predict(Xtest);
      for (let i = 0; i < ytest.length; i++) { ssr += (pred[i] - ytest[i]) ** 2; sst += (ytest[i] - mt) ** 2; }
      perSeed.push({
        seed, recovered: matches(best), recoveredOnFront: model.equations().some(matches), testR2: 1 - ssr / sst,
        seconds: Number(seconds.toFixed(2)), evaluations: model.result.evaluations, expression: best.expression,
        // epochs started (options.epochRestartCycles), when on
        ...(model.result.state.epoch ? { epochs: model.result.state.epoch.index + 1 } : {}),
      });
    } catch (err) {
      // one failing run (an error in the engine) is a result too: not recovered, with the reason
      perSeed.push({ seed, recovered: false, recoveredOnFront: false, testR2: null, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)), error: `${err.code ?? ''} ${err.message}`.trim() });
    }
    const last = perSeed.at(-1);
    process.stderr.write(`${p.name} seed ${seed}: ${last.recovered ? 'recovered' : 'not recovered'} in ${last.seconds} s${last.evaluations !== undefined ? `, ${last.evaluations} evaluations` : ''}${last.epochs ? `, ${last.epochs} epochs` : ''}: ${last.expression ?? last.error}\n`);
  }
  const rate = perSeed.filter((s) => s.recovered).length / perSeed.length;
  results.push({
    problem: p.name, truth: p.expression, operators, constants: constantProbability > 0, maxSize, recovered: rate * seeds.length >= Math.ceil(0.8 * seeds.length), recoveryRate: rate,
    frontRecoveryRate: perSeed.filter((s) => s.recoveredOnFront).length / perSeed.length,
    medianTestR2: perSeed.map((s) => s.testR2 ?? -Infinity).sort((a, b) => a - b)[Math.floor(perSeed.length / 2)],
    medianSeconds: perSeed.map((s) => s.seconds).sort((a, b) => a - b)[Math.floor(perSeed.length / 2)],
    seeds: perSeed,
  });
}
const { commit, node, cpu, cores } = runEnvironment();
const needed = Math.ceil(0.8 * seeds.length);
process.stdout.write(`${JSON.stringify({
  commit, node, cpu, cores, quick, seeds, budgetSeconds: budget, workers: 2,
  recoveredProblems: results.filter((r) => r.recoveryRate * seeds.length >= needed).length, problems: results.length,
  criterion: `the selected model equals the truth after simplification, or is within 1e-10 relative of it on the test points (1000 fresh points of the train spec when there is no test spec); a problem counts when recovered in at least ${needed} of ${seeds.length} seeds`,
  target: 'recoveredProblems >= 11 of 12',
  results,
}, null, 2)}\n`);
