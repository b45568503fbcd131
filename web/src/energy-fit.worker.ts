/**
 * The energy page's fit, off the page's thread: `energylens fit` as the CLI runs it (cli/commands/fit.ts) over
 * the package's own entries. The records are checked with the CLI's messages; with --structure auto the
 * candidates are physics, the structure a bounded residual discovery proposes (autoDiscoveryCandidate, its
 * islands in this worker) and the loaded structure files, and chooseStructure picks one by cross-validation;
 * then fitEnergyModel, per-series effects where the records hold several series (fit's series rule), and the stack fallback (a
 * discovered correction applies to the serving stacks the records hold; physics to the others). With a base model,
 * `fit --base` instead: the records calibrate its series effects, nothing else is fitted. Errors come back as
 * { code, message }: a worker's thrown error would lose its code.
 */
import * as mathjs from 'mathjs';
import { fitWarnings } from '../../src/cli/fit-warnings.js';
import { builtinCatalog, catalogCheck } from '../../src/energy/catalog/index.js';
import {
  calibrateFromBase, calibratedSeries, chooseAmong, collectCandidates, countSeries, fitEnergyModel, parseStructure, validateEnergyModel, withBaseRecordsHint, withChosenSeriesEffects,
  withStackFallback, PHYSICS_STRUCTURE, type CandidateStructure, type Structure, type StructureSelection,
} from '../../src/energy/model/index.js';
import { autoDiscoveryCandidate, DISCOVERED_SOURCE } from '../../src/energy/model/discovery/index.js';
import { invalidRecordsError, scanRecordsText, type ProfilingRecord } from '../../src/energy/records/index.js';
import { EnergyLensError } from '../../src/errors.js';
import { parseJsonText } from '../../src/util/read-text.js';
import { setKernelModule } from '../../src/sr/index.js';
import { provideModule } from './shims/node-module-worker.js';
import type { EnergyFitJob, EnergyFitResult, FromEnergyWorker, ToEnergyWorker } from './energy-fit-protocol.js';

provideModule('mathjs', mathjs);
// the search loop yields between cycles with setImmediate (Node); a message to itself is the same here, unclamped
const channel = new MessageChannel();
const queued: (() => void)[] = [];
channel.port1.onmessage = () => { queued.shift()?.(); };
(globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ??= (f: () => void) => { queued.push(f); channel.port2.postMessage(0); };

const post = (msg: FromEnergyWorker): void => { self.postMessage(msg); };
const progress = (text: string): void => post({ type: 'progress', text });

async function readRecordsText(job: EnergyFitJob): Promise<ProfilingRecord[]> {
  const records: ProfilingRecord[] = [];
  const report = await scanRecordsText(job.records.name, job.records.text, (r) => { records.push(r); }, { check: catalogCheck(builtinCatalog()) });
  if (!report.ok) throw invalidRecordsError(report);
  return records;
}

/** The structure and how it was chosen, as `fit --structure` does (auto: physics, discovery, the loaded files). */
async function structureChoice(job: EnergyFitJob, records: readonly ProfilingRecord[]): Promise<{ structure: Structure; selection: StructureSelection; discovered: Structure | null; discoveryNote: string | null }> {
  const catalog = builtinCatalog();
  const file = job.records.name;
  // a bad structure file is refused before the discovery spends its budget
  const given = job.structures.map((s): CandidateStructure => ({ structure: parseStructure(s.text, s.name, catalog), source: s.name }));
  if (job.structure !== 'auto') {
    const forced = job.structure === 'physics' ? PHYSICS_STRUCTURE : given.find((c) => c.source === job.structure)?.structure;
    if (!forced) throw new EnergyLensError('INVALID_OPTION', `structure "${job.structure}": load it first (physics, auto, or a loaded structure file)`);
    return { structure: forced, discovered: null, discoveryNote: null, selection: { mode: 'forced', chosen: forced.name, folds: 0, seed: job.seed, candidates: [], reason: `forced by --structure ${job.structure}` } };
  }
  const discovery = async (): Promise<{ candidate: CandidateStructure | null; note?: string }> => autoDiscoveryCandidate(records, {
    timeSeconds: job.timeSeconds, evals: job.evals, seed: job.seed, folds: job.folds, catalog, file, workers: 0,
    onProgress: (p) => progress(p.phase === 'cv'
      ? `discovery: cross-validating candidate corrections (${p.done} scored)`
      : `discovery: searching corrections on the ${p.phase} rows (${p.search.evaluations} evaluations, ${p.search.seconds.toFixed(1)} s)`),
  });
  const collected = await collectCandidates({ ...(job.discovery ? { discovery } : {}), given, discoverySource: DISCOVERED_SOURCE });
  const choice = chooseAmong(records, collected, {
    catalog, useLatency: true, folds: job.folds, seed: job.seed, timeSeconds: job.timeSeconds, evals: job.evals, file,
    onProgress: (done, total, name) => progress(`cross-validating structures (${done}/${total}: ${name})`),
  }, 'a kept discovery or a loaded structure file');
  return { ...choice, discovered: collected.discovered, discoveryNote: collected.discoveryNote };
}

/** `fit --base BASE --data RECORDS`: the records set their series' effects under the base model (series-fit.ts). */
async function calibrate(job: EnergyFitJob, base: { name: string; text: string }): Promise<EnergyFitResult> {
  const started = performance.now();
  const baseModel = validateEnergyModel(parseJsonText(base.text, base.name, 'INVALID_MODEL_FILE'), base.name);
  if (job.structure !== 'auto' && job.structure !== baseModel.structure.name) {
    throw new EnergyLensError('INVALID_MODEL_FILE', `${base.name}: its structure is "${baseModel.structure.name}", not "${job.structure}"; set the structure to auto (a base model keeps its structure) or fit a base of that structure`);
  }
  progress(`reading ${job.records.name}`);
  let records: ProfilingRecord[];
  try {
    records = await readRecordsText(job);
  } catch (err) {
    throw withBaseRecordsHint(err, base.name);
  }
  progress(`calibrating the series effects of ${base.name} with ${records.length} records`);
  const model = calibrateFromBase(baseModel, records, { catalog: builtinCatalog(), baseFile: base.name, file: job.records.name });
  return { model, discovered: null, discoveryNote: null, warnings: [], calibrated: calibratedSeries(baseModel, model), seconds: (performance.now() - started) / 1000 };
}

async function fit(job: EnergyFitJob): Promise<EnergyFitResult> {
  if (job.base) return calibrate(job, job.base);
  const started = performance.now();
  progress(`reading ${job.records.name}`);
  const records = await readRecordsText(job);
  const { structure, selection, discovered, discoveryNote } = await structureChoice(job, records);
  progress(`fitting the ${structure.name} structure on ${records.length} records`);
  const catalog = builtinCatalog();
  const fitOptions = { catalog, useLatency: true, seed: job.seed, file: job.records.name, structure, selection };
  const pooled = fitEnergyModel(records, fitOptions);
  // as fit's default (no --no-series): series effects when the records hold more than one series (series-choice.ts,
  // fit's default rule)
  const several = countSeries(records, undefined, catalog) >= 2;
  if (several) progress('fitting the per-series effects');
  const withEffects = several ? withChosenSeriesEffects(pooled, records, fitOptions, { catalog, file: job.records.name, folds: job.folds }) : pooled;
  // as fit: a structure with a discovered correction keeps the physics fit for stacks its records do not hold
  const model = withStackFallback(withEffects, records, fitOptions);
  return { model, discovered, discoveryNote, warnings: fitWarnings(model, records), seconds: (performance.now() - started) / 1000 };
}

self.onmessage = (event: MessageEvent<ToEnergyWorker>) => {
  const msg = event.data;
  if (msg.type === 'kernel') {
    setKernelModule(msg.module);
    return;
  }
  fit(msg.job).then((result) => post({ type: 'done', result }), (err: unknown) => {
    const code = (err as { code?: unknown })?.code;
    post({ type: 'error', code: typeof code === 'string' ? code : 'WEB_FAILED', message: err instanceof Error ? err.message : String(err) });
  });
};
