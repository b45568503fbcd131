/**
 * A profiling campaign: every configuration of a plan's grid (or, with a budget, the ones adaptive sampling
 * picks), measured one after another on real GPUs. A configuration that fails (out of memory, crash, timeout)
 * is recorded as failed with its reason and the sweep goes on. After every configuration the records file and
 * the failures file are rewritten atomically, so an interrupted sweep leaves valid files, and running the same
 * command again resumes: configurations already measured (or failed, unless retryFailed) are skipped.
 */
import { EnergyLensError, isEnergyLensError } from '../../errors.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import type { EnergyModel } from '../model/model-file.js';
import type { ProfilingRecord } from '../records/schema.js';
import { nextAdaptive, type AdaptiveChoice } from './adaptive.js';
import {
  failureOf, failuresPathOf, logDirOf, readCampaignRecords, readFailures, writeCampaignRecords, writeFailures, type FailedConfig,
} from './campaign-files.js';
import { measureIdle, probeGpus } from './gpu-energy.js';
import { measureConfiguration } from './measure.js';
import { configKey, expandGrid, type PlannedConfig, type ProfilePlan } from './plan.js';
import type { GpuInfo } from './types.js';

export interface ProfileOptions {
  plan: ProfilePlan;
  /** the records CSV (resumed when it exists) */
  out: string;
  /** measure at most this many configurations in the campaign (earlier runs' included), chosen adaptively */
  budget?: number;
  /** run the configurations an earlier run recorded as failed again */
  retryFailed?: boolean;
  seed?: number;
  catalog?: Catalog;
  /** with a budget: a model with series effects whose prior picks the records that pin the campaign's series fastest */
  base?: EnergyModel;
  /** the nvidia-smi command (default: nvidia-smi on PATH) */
  nvidiaSmi?: string;
  signal?: AbortSignal;
  onEvent?: (event: ProfileEvent) => void;
}

export type ProfileEvent =
  | { type: 'gpus'; gpus: GpuInfo[]; hardware: string; using: number[] }
  | { type: 'plan'; total: number; todo: number; done: number; failedBefore: number; skipped: { key: string; reason: string }[] }
  | { type: 'idle'; powerW: number; perGpuW: number[] }
  | { type: 'start'; key: string; index: number; of: number; why?: string }
  | { type: 'requests'; key: string; done: number; total: number; phase: 'warm-up' | 'measured' }
  | { type: 'measured'; key: string; record: ProfilingRecord }
  | { type: 'failed'; key: string; reason: string };

export interface ProfileResult {
  recordsPath: string;
  failuresPath: string;
  logDir: string;
  hardware: string;
  /** in this run */
  measured: number;
  failed: number;
  /** from earlier runs of the campaign */
  resumed: number;
  /** grid configurations left out (too many GPUs, ...) */
  skipped: number;
  /** grid configurations not measured (nor failed) yet: 0 when the grid is done */
  remaining: number;
  /** with a budget: configurations the budget still allows (0: the budget is spent); null without one */
  budgetLeft: number | null;
  interrupted: boolean;
  idlePowerW: number | null;
}

/** The catalog hardware a GPU name denotes: the longest catalog name or alias found in it. */
export function hardwareFromGpuName(gpuName: string, catalog: Catalog): string | undefined {
  const norm = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const name = norm(gpuName);
  let best: { hw: string; len: number } | undefined;
  for (const h of catalog.hardware) {
    for (const alias of [h.name, ...h.aliases]) {
      const a = norm(alias);
      if (a.length >= 3 && name.includes(a) && (!best || a.length > best.len)) best = { hw: h.name, len: a.length };
    }
  }
  return best?.hw;
}

function resolveGpus(plan: ProfilePlan, gpus: GpuInfo[], catalog: Catalog): { using: number[]; hardware: string } {
  const known = new Set(gpus.map((g) => g.index));
  const using = plan.gpus ?? gpus.map((g) => g.index);
  for (const g of using) if (!known.has(g)) throw new EnergyLensError('GPU_UNAVAILABLE', `the plan's gpus list GPU ${g}; nvidia-smi lists ${gpus.map((x) => x.index).join(', ')}`);
  const names = [...new Set(using.map((i) => gpus.find((g) => g.index === i)!.name))];
  if (names.length > 1 && !plan.hardware) throw new EnergyLensError('GPU_UNAVAILABLE', `the GPUs in use are of different kinds (${names.join(', ')}); list one kind in the plan's gpus`);
  if (plan.hardware) return { using, hardware: catalog.resolveHardware(plan.hardware).name };
  const hw = hardwareFromGpuName(names[0], catalog);
  if (!hw) throw new EnergyLensError('UNKNOWN_HARDWARE', `cannot tell the catalog hardware from the GPU name "${names[0]}"; set hardware: in the plan (known: ${catalog.hardware.map((h) => h.name).join(', ')})`);
  return { using, hardware: hw };
}

export async function runProfile(o: ProfileOptions): Promise<ProfileResult> {
  const { plan } = o;
  const catalog = o.catalog ?? builtinCatalog();
  try {
    catalog.resolveModel(plan.model, { params_b: plan.paramsB, active_params_b: plan.activeParamsB, architecture: plan.architecture });
  } catch (err) {
    if (!isEnergyLensError(err, 'UNKNOWN_MODEL')) throw err;
    throw new EnergyLensError('UNKNOWN_MODEL', `the plan's model "${plan.model}" is not in the catalog: pass a catalog with --catalog FILE (docs/catalog.md), or give params_b (and active_params_b, architecture) in the plan`);
  }
  if (o.budget !== undefined && !(Number.isInteger(o.budget) && o.budget > 0)) throw new EnergyLensError('INVALID_OPTION', `budget must be a positive integer (got ${o.budget})`);
  const failuresPath = failuresPathOf(o.out);
  const logDir = logDirOf(o.out);
  const records = await readCampaignRecords(o.out);
  for (const [i, r] of records.entries()) {
    if (r.model !== plan.model || r.workload !== plan.name) {
      throw new EnergyLensError('INVALID_OPTION', `${o.out}, row ${i + 1}: a record of ${r.model} / ${r.workload}, but the plan profiles ${plan.model} / ${plan.name}; give another --out`);
    }
  }
  let failures = readFailures(failuresPath);

  const gpus = await probeGpus({ command: o.nvidiaSmi });
  const { using, hardware } = resolveGpus(plan, gpus, catalog);
  o.onEvent?.({ type: 'gpus', gpus, hardware, using });
  const { configs, skipped } = expandGrid(plan, using.length);
  const doneKeys = new Set(records.map((r) => r.extra!.config));
  // failed configurations are tried again only when asked; their entries stay until they are
  const failedKeys = new Set(o.retryFailed ? [] : failures.map((f) => f.config));
  let todo = configs.filter((c) => !doneKeys.has(configKey(c)) && !failedKeys.has(configKey(c)));
  const attemptsBefore = configs.length - todo.length;
  o.onEvent?.({ type: 'plan', total: configs.length, todo: todo.length, done: doneKeys.size, failedBefore: failures.length, skipped: skipped.map((s) => ({ key: configKey(s.config), reason: s.reason })) });
  const result: ProfileResult = {
    recordsPath: o.out, failuresPath, logDir, hardware, measured: 0, failed: 0, resumed: records.length, skipped: skipped.length,
    remaining: todo.length, budgetLeft: null, interrupted: false, idlePowerW: null,
  };
  const budgetLeft = (): number => (o.budget === undefined ? Infinity : o.budget - attemptsBefore - result.measured - result.failed);
  const finish = (): ProfileResult => {
    result.remaining = todo.length;
    result.budgetLeft = o.budget === undefined ? null : Math.max(0, budgetLeft());
    return result;
  };
  if (todo.length === 0 || budgetLeft() <= 0) return finish();

  if (plan.sampling.idleS > 0) {
    const idle = await measureIdle({ gpus: using, durationMs: plan.sampling.idleS * 1000, intervalMs: plan.sampling.intervalMs, command: o.nvidiaSmi });
    result.idlePowerW = idle.powerW;
    o.onEvent?.({ type: 'idle', powerW: idle.powerW, perGpuW: idle.perGpuW });
  }
  const ctx = { plan, hardware, gpus: using, idlePowerW: result.idlePowerW, logDir, nvidiaSmi: o.nvidiaSmi, signal: o.signal };
  const byKey = new Map(configs.map((c) => [configKey(c), c]));
  const tried = (): PlannedConfig[] => [...records.map((r) => byKey.get(r.extra!.config)), ...failures.map((f) => byKey.get(f.config))].filter((c): c is PlannedConfig => c !== undefined);
  const total = Math.min(todo.length, budgetLeft());
  for (let index = 1; todo.length > 0 && budgetLeft() > 0; index++) {
    if (o.signal?.aborted) { result.interrupted = true; break; }
    const choice: AdaptiveChoice = o.budget === undefined
      ? { config: todo[0], why: '' }
      : nextAdaptive(plan, hardware, todo, records, tried(), { catalog, seed: o.seed, ...(o.base ? { base: o.base } : {}) });
    const c = choice.config;
    const key = configKey(c);
    o.onEvent?.({ type: 'start', key, index, of: total, ...(choice.why ? { why: choice.why } : {}) });
    try {
      const record = await measureConfiguration({ ...ctx, onRequests: (done, n, phase) => o.onEvent?.({ type: 'requests', key, done, total: n, phase }) }, c);
      records.push(record);
      await writeCampaignRecords(o.out, records);
      if (failures.some((f) => f.config === key)) {
        failures = failures.filter((f) => f.config !== key);
        writeFailures(failuresPath, failures);
      }
      result.measured += 1;
      o.onEvent?.({ type: 'measured', key, record });
    } catch (err) {
      if (o.signal?.aborted) { result.interrupted = true; break; }
      // nvidia-smi lost, or the files cannot be written: the campaign cannot go on
      if (!isEnergyLensError(err) || err.code === 'GPU_UNAVAILABLE' || err.code === 'WRITE_FAILED' || err.code === 'INVALID_DATA') throw err;
      const failure: FailedConfig = failureOf(key, c, err.message);
      failures = [...failures.filter((f) => f.config !== key), failure];
      writeFailures(failuresPath, failures);
      result.failed += 1;
      o.onEvent?.({ type: 'failed', key, reason: err.message });
    }
    todo = todo.filter((x) => configKey(x) !== key);
  }
  return finish();
}
