/**
 * The energy page's fit, off the page's thread: `energylens fit` as the CLI runs it (cli/commands/fit.ts) over
 * the package's own entries. The records are checked with the CLI's messages; with --structure auto the
 * candidates are physics, the structure a bounded residual discovery proposes (autoDiscoveryCandidate, its
 * islands in this worker) and the loaded structure files, and chooseStructure picks one by cross-validation;
 * then fitEnergyModel, and per-series effects where the records hold several series. Errors come back as
 * { code, message }: a worker's thrown error would lose its code.
 */
import * as mathjs from 'mathjs';
import { fitWarnings } from '../../src/cli/fit-warnings.js';
import { builtinCatalog, catalogCheck } from '../../src/energy/catalog/index.js';
import {
  chooseStructure, countSeries, fitEnergyModel, fitSeriesEffects, parseStructure, PHYSICS_STRUCTURE,
  type CandidateStructure, type Structure, type StructureCandidate, type StructureSelection,
} from '../../src/energy/model/index.js';
import { autoDiscoveryCandidate, DISCOVERED_SOURCE } from '../../src/energy/model/discovery/index.js';
import { invalidRecordsError, scanRecordsText, type ProfilingRecord } from '../../src/energy/records/index.js';
import { EnergyLensError } from '../../src/errors.js';
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

const refusedEntry = (source: string, error: string): StructureCandidate => ({ name: source, source, freeParameters: 0, cvRmsLog: null, cvMape: null, error });

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
  const candidates: CandidateStructure[] = [{ structure: PHYSICS_STRUCTURE, source: 'built-in' }];
  const refused: StructureCandidate[] = [];
  let discovered: Structure | null = null;
  let discoveryNote: string | null = null;
  if (job.discovery) {
    const auto = await autoDiscoveryCandidate(records, {
      timeSeconds: job.timeSeconds, evals: job.evals, seed: job.seed, folds: job.folds, catalog, file, workers: 0,
      onProgress: (p) => progress(p.phase === 'cv'
        ? `discovery: cross-validating candidate corrections (${p.done} scored)`
        : `discovery: searching corrections on the ${p.phase} rows (${p.search.evaluations} evaluations, ${p.search.seconds.toFixed(1)} s)`),
    });
    if (auto.candidate) {
      candidates.push(auto.candidate);
      discovered = auto.candidate.structure;
    } else {
      discoveryNote = auto.note ?? 'no correction kept';
      refused.push(refusedEntry(DISCOVERED_SOURCE, discoveryNote));
    }
  }
  candidates.push(...given);
  if (candidates.length === 1) {
    const physics: StructureCandidate = { name: 'physics', source: 'built-in', freeParameters: PHYSICS_STRUCTURE.parameters.length, cvRmsLog: null, cvMape: null };
    return {
      structure: PHYSICS_STRUCTURE, discovered, discoveryNote,
      selection: { mode: 'auto', chosen: 'physics', folds: 0, seed: job.seed, reason: 'no other candidate structure (a kept discovery or a loaded structure file): physics, without cross-validation', candidates: [physics, ...refused] },
    };
  }
  const choice = chooseStructure(records, candidates, {
    catalog, useLatency: true, folds: job.folds, seed: job.seed, timeSeconds: job.timeSeconds, evals: job.evals, file,
    onProgress: (done, total, name) => progress(`cross-validating structures (${done}/${total}: ${name})`),
  });
  return { structure: choice.structure, discovered, discoveryNote, selection: { ...choice.selection, candidates: [...choice.selection.candidates, ...refused] } };
}

async function fit(job: EnergyFitJob): Promise<EnergyFitResult> {
  const started = performance.now();
  progress(`reading ${job.records.name}`);
  const records = await readRecordsText(job);
  const { structure, selection, discovered, discoveryNote } = await structureChoice(job, records);
  progress(`fitting the ${structure.name} structure on ${records.length} records`);
  const catalog = builtinCatalog();
  const fitOptions = { catalog, useLatency: true, seed: job.seed, file: job.records.name, structure, selection };
  const pooled = fitEnergyModel(records, fitOptions);
  // as fit's default (no --no-series): series effects when the records hold more than one series
  const several = countSeries(records, undefined, catalog) >= 2;
  if (several) progress('fitting the per-series effects');
  const model = several ? fitSeriesEffects(pooled, records, fitOptions, { catalog, file: job.records.name }) : pooled;
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
