// npm run bench:discover — residual discovery on held-out data: physics against physics+discovered. Prints one JSON object.
//   mlenergy:  ML.ENERGY v3, discovery and fits on 50 random configurations, tested on the rest, 10 seeds
//   ilb:       an llm-inference-bench records CSV (energylens import llm-inference-bench), if --ilb=F.csv is given:
//              random 50 (10 seeds) and leave one framework out (discovery and fits on the other frameworks)
// Per run: `physics` is fitEnergyModel; `discovered` is the structure discovery chose (physics when it found
// nothing, so the same predictions; else the joint fit of physics x exp(g) on the training records); `auto` is
// what plain `fit` does (--structure auto, series effects on): the discovered structure only when it also wins the
// structure choice's CV, and then only on test rows of a framework the training records hold (the others get the
// physics fit, as the model file's stack fallback does), with per-series effects fitted on top when the training
// records hold two or more series and the series rule keeps them (--series-rule=cv|always|replicated, default fit's
// replicated: series-choice.ts); `autoAlways` and `physicsSeriesAlways` the same with the rule `always` (before); `autoPooled` the same without series effects (`fit --no-series`);
// `physicsSeries` physics with series effects (`fit --structure physics`); `physicsCrossedModel` and
// `physicsCrossedModelHw` the same with crossed effects (`--effects series,model` / `series,model,hardware`, rule always); `autoAnyStack` the pooled choice with
// the correction applied to every framework (before the stack rule);
// `auto2se` the same with the paired gain clearing two standard errors instead of one (like `autoGrouped`, its
// correction applies to every framework, as before the stack rule); `autoGrouped` is `fit --cv-groups framework` (when the training records hold two or more frameworks, the
// candidate must also not lose with one framework held out at a time), from the same discovery; xgboost and
// random-forest as in bench:energy. Medians over seeds of MAPE, pairwise ranking and Top-1 per scenario
// (task/workload, model, GPU). Options: --seeds=N, --time=S (search seconds per phase, default 10), --evals=N
// (instead of --time, reproducible), --ilb=F.csv, --no-mlenergy, --first-seed=N (with --seeds: one half of the
// seeds to choose on, the other to report on), --no-lofo, --accept-se=N, --spreads=ba+slopes6 (series spreads of auto and physicsSeries), --units=auto|off (the residual search's
// units, default the engine's DEFAULT_RESIDUAL_OPTIONS.units).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chooseStructure, createMethods, withChosenSeriesEffects, cvGroupsOf, discoveredStructure, discoverResidualStructure, fitEnergyModel, withStackFallback, PHYSICS_STRUCTURE, importMlEnergy, predictEnergy, predictJoint, randomSplit, readRecords,
  recordFeatures, scenarioKey, selectionMetrics, withKernel,
} from '../dist/energy/index.js';
import { toInfix } from '../dist/sr/index.js';
import { CORRECTION_FEATURES } from '../dist/energy/model/discovery/correction-features.js';
import { runEnvironment } from './run-environment.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MLENERGY = join(here, '..', '..', 'shared', 'data', 'mlenergy-v3');
const opt = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const nSeeds = Number(opt('seeds') ?? 10);
// --first-seed=6 --seeds=5: the other half of the seeds (choose on one half, report on the other); --no-lofo skips leave one framework out
const firstSeed = Number(opt('first-seed') ?? 1);
// --accept-se=N: the standard errors a correction's CV gain must clear in the discovery (default: its Bonferroni rule)
const acceptSe = opt('accept-se') === undefined ? {} : { acceptStandardErrors: Number(opt('accept-se')) };
const seriesRule = opt('series-rule');
if (seriesRule !== undefined && seriesRule !== 'cv' && seriesRule !== 'always' && seriesRule !== 'replicated') throw new Error(`--series-rule must be cv, always or replicated, got ${seriesRule}`);
// --spreads=ba,slopes6 (joined by +): the series spreads' estimator of `auto` and `physicsSeries` (SeriesFitOptions.spreads)
const spreadArg = opt('spreads')?.split('+') ?? [];
if (spreadArg.some((f) => f !== 'ba' && f !== 'noslope' && !/^slopes\d+$/.test(f))) throw new Error(`--spreads: ba, noslope, slopesN joined by +, got ${opt('spreads')}`);
const slopesArg = spreadArg.find((f) => /^slopes\d+$/.test(f));
const seriesSpreads = spreadArg.length ? { spreads: { boundaryAvoiding: spreadArg.includes('ba'), withoutSlope: spreadArg.includes('noslope'), ...(slopesArg ? { slopeMinSeries: Number(slopesArg.slice(6)) } : {}) } } : {};
const unitsArg = opt('units');
if (unitsArg !== undefined && unitsArg !== 'auto' && unitsArg !== 'off') throw new Error(`--units must be auto or off, got ${unitsArg}`);
const units = unitsArg ? { units: unitsArg } : {};
const budget = opt('evals') ? { maxEvaluations: Number(opt('evals')), maxTime: null } : { maxTime: Number(opt('time') ?? 10) };
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const mean = (xs) => { const s = xs.filter(Number.isFinite); return s.length === 0 ? null : s.reduce((a, b) => a + b, 0) / s.length; };
const round = (x) => (x === null ? null : Number(x.toFixed(4)));

/** The discovery as fit --structure auto's candidate, or null with the reason (the structure refused). */
async function autoDiscoveryCandidateOf(d) {
  try {
    return { candidate: { structure: discoveredStructure(d, { data: 'bench' }).structure, source: 'discovery' } };
  } catch (err) {
    return { candidate: null, note: err.message };
  }
}

async function run(train, test, seed, keys) {
  const score = (pred) => selectionMetrics(test.map((r, i) => ({ measured: r.energy_j / r.output_tokens, predicted: pred[i], scenario: scenarioKey(r, keys) })));
  const physicsModel = fitEnergyModel(train, { seed });
  const physics = predictEnergy(physicsModel, test).map((p) => p.energyPerTokenJ);
  // what the plain `fit` adds by default: per-series effects when the training records hold two or more series and
  // the series rule keeps them (--series-rule=cv|always|replicated, default fit's replicated)
  const withSeriesOf = (model, structure) => withChosenSeriesEffects(model, train, { seed, ...(structure ? { structure } : {}) }, { ...(seriesRule ? { rule: seriesRule } : {}), ...seriesSpreads });
  const physicsSeries = predictEnergy(withSeriesOf(physicsModel), test).map((p) => p.energyPerTokenJ);
  // the rule before series-choice.ts: effects whenever the training records hold two or more series
  const withSeriesAlways = (model, structure) => withChosenSeriesEffects(model, train, { seed, ...(structure ? { structure } : {}) }, { rule: 'always' });
  const physicsSeriesAlways = predictEnergy(withSeriesAlways(physicsModel), test).map((p) => p.energyPerTokenJ);
  // crossed effects (fit --effects series,model / series,model,hardware), always on: a test series whose model (or
  // GPU) the training records hold on another GPU (model) starts from that level's effect
  const crossedOf = (factors) => { try { return predictEnergy(withChosenSeriesEffects(physicsModel, train, { seed }, { rule: 'always', crossed: { factors } }), test).map((p) => p.energyPerTokenJ); } catch (err) { process.stderr.write(`crossed ${factors}: ${err.message}\n`); return physicsSeries; } };
  const physicsCrossedModel = crossedOf(['model']);
  const physicsCrossedModelHw = crossedOf(['model', 'hardware']);
  let auto = physicsSeries;
  let autoAlways = physicsSeriesAlways;
  const t0 = performance.now();
  const d = await discoverResidualStructure(train, { ...budget, ...acceptSe, ...units, seed, workers: 2 });
  const seconds = (performance.now() - t0) / 1000;
  const discovered = d.name === 'physics' ? physics : Array.from(withKernel((ev) => predictJoint(d.fit, recordFeatures(test), d.correction, d.columns, ev)));
  // auto: what `fit --structure auto` does with this discovery: physics unless the discovered structure wins the
  // structure choice's cross-validation, then the chosen structure fitted on the training records
  let autoPooled = physics;
  let autoAnyStack = physics;
  let autoChosen = 'physics';
  let auto2se = physics;
  let auto2seChosen = 'physics';
  let autoGrouped = physics;
  let autoGroupedChosen = 'physics';
  const groups = cvGroupsOf(train);
  let candidateScore = null;
  let cv = null;
  if (d.name !== 'physics') {
    const { candidate, note } = await autoDiscoveryCandidateOf(d);
    if (candidate) {
      const candidates = [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, candidate];
      const model = fitEnergyModel(train, { seed, structure: candidate.structure });
      const fitted = predictEnergy(model, test).map((p) => p.energyPerTokenJ);
      autoChosen = chooseStructure(train, candidates, { seed }).selection.chosen;
      if (autoChosen !== 'physics') {
        autoPooled = predictEnergy(withStackFallback(model, train, { seed }), test).map((p) => p.energyPerTokenJ);
        auto = predictEnergy(withStackFallback(withSeriesOf(model, candidate.structure), train, { seed }), test).map((p) => p.energyPerTokenJ);
        autoAlways = predictEnergy(withStackFallback(withSeriesAlways(model, candidate.structure), train, { seed }), test).map((p) => p.energyPerTokenJ);
        autoAnyStack = fitted;
      }
      // the same choice with a stricter rule: the paired gain must clear two standard errors
      auto2seChosen = chooseStructure(train, candidates, { seed, standardErrors: 2 }).selection.chosen;
      if (auto2seChosen !== 'physics') auto2se = fitted;
      const grouped = groups ? chooseStructure(train, candidates, { seed, groups }).selection : null;
      autoGroupedChosen = grouped ? grouped.chosen : autoChosen;
      if (autoGroupedChosen !== 'physics') autoGrouped = fitted;
      candidateScore = score(fitted);
      if (grouped) cv = grouped.candidates.map((c) => ({ name: c.name, cvRmsLog: round(c.cvRmsLog), cvMape: round(c.cvMape), byGroup: c.byGroup }));
    } else autoChosen = autoGroupedChosen = `physics (${note})`;
  }
  const out = { seed, chosen: d.name, autoChosen, autoGroupedChosen, cvGroups: groups?.names.length ?? 0, seconds: round(seconds), physics: score(physics), discovered: score(discovered), auto: score(auto), autoPooled: score(autoPooled), physicsSeries: score(physicsSeries), autoAlways: score(autoAlways), physicsSeriesAlways: score(physicsSeriesAlways), physicsCrossedModel: score(physicsCrossedModel), physicsCrossedModelHw: score(physicsCrossedModelHw), autoAnyStack: score(autoAnyStack), auto2se: score(auto2se), auto2seChosen, autoGrouped: score(autoGrouped), candidate: candidateScore, cv };
  const names = d.columns.map((j) => CORRECTION_FEATURES[j].name);
  if (d.correction.energy) out.g = toInfix(d.correction.energy, names);
  if (d.correction.prefill) out.gPrefill = toInfix(d.correction.prefill, names);
  if (d.dropped.length) out.dropped = d.dropped;
  for (const m of await createMethods(['xgboost', 'random-forest'])) {
    const fitted = m.fit(train, { seed });
    out[m.name] = score(fitted.predict(test));
    fitted.dispose?.();
  }
  return out;
}

/** One run on stderr: the choice and the MAPE of physics, auto, autoPooled, physicsSeries and autoAnyStack (so a cut-short run still tells). */
const progressLine = (r) => `${r.chosen}, auto chose ${r.autoChosen}; MAPE physics ${(100 * r.physics.mape).toFixed(1)} %, auto ${(100 * r.auto.mape).toFixed(1)} %, autoAlways ${(100 * r.autoAlways.mape).toFixed(1)} %, autoPooled ${(100 * r.autoPooled.mape).toFixed(1)} %, physicsSeries ${(100 * r.physicsSeries.mape).toFixed(1)} %, crossed model ${(100 * r.physicsCrossedModel.mape).toFixed(1)} %, model+hw ${(100 * r.physicsCrossedModelHw.mape).toFixed(1)} %, autoAnyStack ${(100 * r.autoAnyStack.mape).toFixed(1)} %`;

function summary(runs) {
  const methods = ['physics', 'discovered', 'auto', 'autoAlways', 'autoPooled', 'physicsSeries', 'physicsSeriesAlways', 'physicsCrossedModel', 'physicsCrossedModelHw', 'autoAnyStack', 'auto2se', 'autoGrouped', 'xgboost', 'random-forest'];
  return {
    median: Object.fromEntries(methods.map((m) => [m, { mape: round(median(runs.map((r) => r[m].mape))), pairwise: round(median(runs.map((r) => r[m].pairwise))), top1: round(median(runs.map((r) => r[m].top1))) }])),
    mean: Object.fromEntries(methods.map((m) => [m, { mape: round(mean(runs.map((r) => r[m].mape))), pairwise: round(mean(runs.map((r) => r[m].pairwise))), top1: round(mean(runs.map((r) => r[m].top1))) }])),
    discoveredChosen: runs.filter((r) => r.chosen !== 'physics').length,
    autoChosen: runs.filter((r) => r.autoChosen === 'physics+discovered').length,
    autoGroupedChosen: runs.filter((r) => r.autoGroupedChosen === 'physics+discovered').length,
    runs: runs.map((r) => ({ candidate: r.candidate && { mape: round(r.candidate.mape), pairwise: round(r.candidate.pairwise) }, cv: r.cv, seed: r.seed, group: r.group, chosen: r.chosen, autoChosen: r.autoChosen, auto2seChosen: r.auto2seChosen, autoGroupedChosen: r.autoGroupedChosen, cvGroups: r.cvGroups, g: r.g, gPrefill: r.gPrefill, dropped: r.dropped, seconds: r.seconds, ...Object.fromEntries(methods.map((m) => [m, { mape: round(r[m].mape), pairwise: round(r[m].pairwise), top1: round(r[m].top1) }])) })),
  };
}

const out = { environment: runEnvironment(), budget, ...acceptSe };
if (!process.argv.includes('--no-mlenergy')) {
  if (!existsSync(MLENERGY)) out.mlenergy = { skipped: `${MLENERGY} is absent` };
  else {
    const records = importMlEnergy(MLENERGY);
    const runs = [];
    for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
      const { train, test } = randomSplit(records.length, 50, seed);
      runs.push(await run(train.map((i) => records[i]), test.map((i) => records[i]), seed, ['workload', 'model', 'hardware']));
      process.stderr.write(`mlenergy seed ${seed}: ${progressLine(runs.at(-1))}\n`);
    }
    out.mlenergy = summary(runs);
  }
}
const ilb = opt('ilb');
if (ilb) {
  const records = await readRecords(ilb);
  const keys = ['framework', 'model', 'hardware'];
  const runs = [];
  for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
    const { train, test } = randomSplit(records.length, 50, seed);
    runs.push(await run(train.map((i) => records[i]), test.map((i) => records[i]), seed, keys));
    process.stderr.write(`ilb seed ${seed}: ${progressLine(runs.at(-1))}\n`);
  }
  const lofo = [];
  for (const fw of process.argv.includes('--no-lofo') ? [] : [...new Set(records.map((r) => r.framework))]) {
    const r = await run(records.filter((x) => x.framework !== fw), records.filter((x) => x.framework === fw), 1, keys);
    lofo.push({ ...r, group: fw });
    process.stderr.write(`ilb leave out ${fw}: ${progressLine(r)}\n`);
  }
  out.ilb = { random50: summary(runs), leaveOneFrameworkOut: summary(lofo) };
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
