/**
 * energylens demo: the main job end to end on a simulated profiling campaign: simulate the campaign, sample 50
 * configurations as if only those had been profiled, discover corrections to the physics form (kept only when
 * cross-validation on the sample says so), fit the structure cross-validation chooses (physics, or physics with
 * the discovered terms, which the summary and the report list with their fitted values), select configurations for a deployment, compare
 * the structure fit chose (refitted on each split; physics, the closed form, beside it) with the baselines on the configurations not profiled,
 * write the HTML report, print a short summary.
 */
import { Command } from 'commander';
import { progressBar } from '../progress.js';
import { createMethods, structureMethod } from '../../energy/baselines/index.js';
import { evaluateMethods, randomSplit, type RunPredictions } from '../../energy/evaluation/index.js';
import { chooseStructure, fitEnergyModel, PHYSICS_STRUCTURE, selectConfigurations } from '../../energy/model/index.js';
import { autoDiscoveryCandidate, correctionTexts, fittedDiscoveredTerms, termRangeLines } from '../../energy/model/discovery/index.js';
import { simulate, type SimulateOptions } from '../../energy/simulator/index.js';
import { writeEvaluationReport } from '../../energy/report/index.js';
import { existsSync, statSync } from 'node:fs';
import { bad, integerArg, numberArg, sig } from '../energy-args.js';

interface DemoFlags { out: string; samples: number; seed: number; discoverTime: number; json?: boolean; progress: boolean }

/** The simulated campaign: three models (dense 8B and 70B, a 30B MoE) on H100 and B200, TP 1-8, PP 1-2, three batches, two prompt lengths. */
export const DEMO_CAMPAIGN = {
  models: ['Llama-3.1-8B-Instruct', 'Llama-3.1-70B-Instruct', 'Qwen3-30B-A3B-Instruct-2507'], hardware: ['H100', 'B200'],
  tp: [1, 2, 4, 8], pp: [1, 2], batch: [8, 32, 128], input: [512, 2048], output: [256], noise: 0.03,
} satisfies Partial<SimulateOptions>;
export const DEMO_SCENARIO_KEYS = ['model', 'hardware', 'input_tokens', 'batch'];

export function register(program: Command): void {
  program
    .command('demo')
    .description('the main job on a simulated profiling campaign: sample 50 configurations, discover and fit the model, select, compare with the baselines, write the report')
    .option('--out <folder>', 'folder for the report (index.html)', 'energylens-demo')
    .option('--samples <n>', 'configurations "profiled" (the training sample)', integerArg('--samples', 15), 50)
    .option('--seed <n>', 'seed of the campaign\'s noise, the sample and the fits', integerArg('--seed', 0), 1)
    .option('--discover-time <s>', 'seconds per search phase of the residual discovery (the correction to the physics form)', numberArg('--discover-time'), 15)
    .option('--json', 'print the summary as JSON', false)
    .option('--no-progress', 'no progress bar')
    .action(async (flags: DemoFlags) => {
      await runDemo(flags);
    });
}

/** Training sizes of the demo's sample-efficiency curve: half, once and twice the profiled sample (at least three, each leaving 20 to test). */
export function demoSizes(samples: number, records: number): number[] {
  const most = Math.max(3, records - 20);
  const sizes = [Math.round(samples / 2), samples, samples * 2].map((n) => Math.max(3, Math.min(n, most)));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

async function runDemo(flags: DemoFlags): Promise<void> {
  // the report folder is made at the end (with its parents): a file in its place would fail only after the whole run
  if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) bad(`--out ${flags.out} is a file, not a folder`);
  const started = performance.now();
  const bar = flags.progress && process.stderr.isTTY
    ? progressBar('demo |{bar}| {percentage}% | {step}', { hideCursor: true })
    : undefined;
  bar?.start(100, 0, { step: 'simulating the profiling campaign' });
  const step = (at: number, label: string): void => { bar?.update(at, { step: label }); };
  try {
    const { records, infeasible } = simulate({ ...DEMO_CAMPAIGN, modality: 'text', seed: flags.seed });
    const { train } = randomSplit(records.length, Math.min(flags.samples, records.length - 20), flags.seed);
    const sample = train.map((i) => records[i]);
    step(5, `discovering corrections to the physics form (${flags.discoverTime} s per phase)`);
    const auto = await autoDiscoveryCandidate(sample, {
      phaseSeconds: flags.discoverTime, seed: flags.seed, file: 'the demo sample',
      onProgress: (p) => step(5 + (p.phase === 'cv' ? 25 : 0) + Math.min(5, Math.round(p.phase === 'cv' ? (5 * p.done) / p.total : 0)),
        p.phase === 'cv' ? `cross-validating candidate corrections (${p.done}/${p.total})` : `searching corrections of the ${p.phase} energy (${p.search.seconds.toFixed(0)} s)`),
    });
    step(34, 'choosing the structure by cross-validation on the sample');
    // as `fit --structure auto`: physics unless the discovered structure wins in cross-validation
    const choice = auto.candidate
      ? chooseStructure(sample, [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }, auto.candidate], { seed: flags.seed })
      : undefined;
    const structure = choice?.structure ?? PHYSICS_STRUCTURE;
    step(36, `fitting the ${structure.name} structure on ${sample.length} configurations`);
    const model = fitEnergyModel(sample, { seed: flags.seed, structure, ...(choice ? { selection: choice.selection } : {}) });
    const terms = fittedDiscoveredTerms(model);
    step(40, 'selecting configurations for Llama-3.1-70B on H100');
    const selection = selectConfigurations(model, { llm: 'Llama-3.1-70B-Instruct', hardware: 'H100', inputTokens: 2048, outputTokens: 256, maxGpus: 8, batch: DEMO_CAMPAIGN.batch });
    step(42, 'comparing with the baselines');
    // the structure fit chose is what the table scores first; when it is not physics, physics (the closed form) beside it
    const methods = (await createMethods()).map((m) => (m.name === 'closed-form' && structure.name === 'physics' ? { ...m, label: 'closed form (physics, chosen by fit)' } : m));
    if (structure.name !== 'physics') methods.unshift(structureMethod(structure, `${structure.name} (chosen by fit)`));
    const predictions: RunPredictions[] = [];
    const evaluation = await evaluateMethods(records, {
      methods, protocols: ['sample-efficiency'], sizes: demoSizes(flags.samples, records.length), seeds: 3, scenarioKeys: DEMO_SCENARIO_KEYS,
      onProgress: (d, t, label) => step(42 + Math.round((50 * d) / t), label), onPredictions: (p) => predictions.push(p),
    });
    // the report draws the curve over every size; the summary quotes the size that was "profiled"
    const rows = evaluation.protocols[0].results.filter((r) => r.trainSize === sample.length);
    const cvMape = (x: number): string => `${(x * 100).toFixed(1)} %`;
    const g = correctionTexts(model.structure);
    const head = `discovery (${flags.discoverTime} s per phase)`;
    const discoveredLines = auto.candidate === null
      ? [`${head}: ${auto.note}; structure: physics`]
      : structure.name === 'physics'
        ? [`${head} proposed physics x exp(g), g = ${correctionTexts(auto.candidate.structure).energy ?? '-'}, but ${choice?.selection.reason}`]
        : [`${head}: the model is physics x exp(g)${g.energy ? `, g = ${g.energy}` : ''}${g.prefill ? `, g_prefill = ${g.prefill}` : ''} (${choice?.selection.reason}); terms, as fitted:`,
          ...terms.map((t) => `  ${t.parameter ?? 'fixed'} = ${sig(t.fitted, 3)} [${t.unit}]: ${t.effect}${t.heldReason ? ` (held: ${t.heldReason})` : ''}`),
          ...termRangeLines(model, sample, `the ${sample.length} profiled configurations`).map((l) => `  ${l}`)];

    const summary = [
      `simulated ${records.length} configurations (${infeasible.length} more do not fit in memory); profiled a sample of ${sample.length}`,
      ...discoveredLines,
      `${structure.name} fitted in ${sig(model.fit.seconds, 2)} s; a typical profiled configuration lies within a factor ${sig(Math.exp(model.residualSd.energy), 3)} of its prediction (residual sd of log energy ${sig(model.residualSd.energy, 3)})`,
      selection.mostFrugal ? `Llama-3.1-70B on H100, 2048 in / 256 out: most frugal TP ${selection.mostFrugal.tp}, PP ${selection.mostFrugal.pp}, batch ${selection.mostFrugal.batch}: ${sig(selection.mostFrugal.energyPerTokenJ, 3)} J/token`
        + (selection.fastestAtBatch && selection.fastestAtBatch !== selection.mostFrugal ? `; at the same batch the fastest layout, TP ${selection.fastestAtBatch.tp}, PP ${selection.fastestAtBatch.pp}, uses ${sig(selection.fastestAtBatch.energyPerTokenJ / selection.mostFrugal.energyPerTokenJ, 3)}x the energy` : '; at the same batch it is also the fastest layout') : 'no feasible configuration',
      `on the ${records.length - sample.length} configurations not profiled (median of 3 samples of ${flags.samples}):`,
      ...rows.map((r) => `  ${r.label.padEnd(34)} MAPE ${r.median.mape === null ? '-' : `${(r.median.mape * 100).toFixed(1)} %`}, Top-1 ${r.median.top1 === null ? '-' : `${(r.median.top1 * 100).toFixed(0)} %`}, regret ${r.median.meanRegretPct === null ? '-' : `${r.median.meanRegretPct.toFixed(1)} %`}`),
    ];
    step(93, 'writing the report');
    const path = await writeEvaluationReport(flags.out, { title: 'energylens demo: a simulated profiling campaign', records, evaluation, predictions: predictions.filter((p) => p.seed === 1), model, summary });
    bar?.update(100, { step: 'done' });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ records: records.length, sample: sample.length, structure: structure.name, termsAdded: terms, selection: model.selection, mostFrugal: selection.mostFrugal, fastest: selection.fastest, results: rows, report: path, seconds }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${[...summary, `report: ${path}`, `${seconds.toFixed(0)} s`].join('\n')}\n`);
  } finally {
    bar?.stop();
  }
}
