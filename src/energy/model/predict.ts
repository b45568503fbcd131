/**
 * Predictions of a fitted closed form: energy per output token and per request with a 95 % prediction interval
 * (parameter covariance by the delta method in log space, plus the residual spread), the prefill and decode
 * shares, the time per output token where the model's latency part was fitted, and the reasons a configuration
 * lies outside what the model was fitted on (extrapolation).
 */
import { createWasmEvaluator } from '../../sr/index.js';
import { builtinCatalog, type Catalog } from '../catalog/catalog.js';
import { PARAMETERS } from './closed-form.js';
import { modelColumns, toDataset, type DesignRow, type RowKind } from './design.js';
import { configurationFeatures, type ConfigurationInput, type EnergyFeatures } from './features.js';
import { closedFormProgram, logJacobian, Z95 } from './fit.js';
import type { EnergyModel } from './model-file.js';

export interface EnergyPrediction {
  energyPerTokenJ: number;
  /** per request: energy per token x output tokens */
  energyJ: number;
  energyLowJ: number;
  energyHighJ: number;
  prefillEnergyJ: number;
  decodeEnergyJ: number;
  /** predicted time per output token (s); null when the model has no fitted latency part */
  tpotS: number | null;
  /** why this configuration is outside the training data (empty: inside) */
  extrapolation: string[];
  features: EnergyFeatures;
}

export interface PredictOptions {
  catalog?: Catalog;
  file?: string;
}

export function extrapolationReasons(m: EnergyModel, c: ConfigurationInput, f: EnergyFeatures, catalog: Catalog = builtinCatalog()): string[] {
  const r = m.training.ranges;
  const out: string[] = [];
  const check = (label: string, v: number, [lo, hi]: [number, number]): void => {
    if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) out.push(`${label} ${Number(v.toPrecision(4))} outside the fitted ${Number(lo.toPrecision(4))}-${Number(hi.toPrecision(4))}`);
  };
  check('batch', f.batch, r.batch);
  check('GPUs', f.gpus, r.gpus);
  check('tensor degree', f.tensorDegree, r.tensorDegree);
  check('pipeline degree', f.pipelineDegree, r.pipelineDegree);
  check('output tokens', f.outputTokens, r.outputTokens);
  check('input tokens', f.inputTokens, r.inputTokens);
  check('weights per GPU (GB)', f.weightBytesPerGpu / 1e9, r.weightGBPerGpu);
  // by catalog name, so an alias (H100) matches the name the training records used (H100-SXM5-80GB)
  const canonical = (name: string): string => catalog.findHardware(name)?.name ?? name;
  if (!r.hardware.some((h) => canonical(h) === canonical(c.hardware))) out.push(`hardware ${c.hardware} not in the training data`);
  // a configuration that cannot run gets no silent number: its prediction is flagged
  if (f.memoryNote !== null) out.push(f.memoryFits ? f.memoryNote : `does not fit in GPU memory: ${f.memoryNote}`);
  return out;
}

export function predictEnergy(model: EnergyModel, configs: readonly ConfigurationInput[], options: PredictOptions = {}): EnergyPrediction[] {
  if (configs.length === 0) return [];
  const features = configs.map((c, i) => configurationFeatures(c, { catalog: options.catalog, inputTokens: model.inputTokens }, { file: options.file, row: i + 1 }));
  const values = model.parameters.map((p) => p.value);
  const latencyFitted = !model.parameters.find((p) => p.name === 'p_static')?.held;
  // per configuration: an energy row, a prefill row (the closed form's prefill terms alone, as fitted on
  // prefill rows) and, where the model has a latency part, a latency row
  const kinds: RowKind[] = latencyFitted ? ['energy', 'prefill', 'latency'] : ['energy', 'prefill'];
  const rows: DesignRow[] = kinds.flatMap((kind) => features.map((f, i) => ({ kind, record: i, columns: modelColumns(f, kind), y: Number.NaN })));
  const n = configs.length;
  const ev = createWasmEvaluator();
  try {
    ev.setDataset(toDataset(rows));
    const program = closedFormProgram(values);
    const { jac, pred } = logJacobian(ev, program, rows.length);
    const P = PARAMETERS.length;
    const F = model.free.length;
    const sd = model.residualSd.energy;
    return configs.map((c, i) => {
      const f = features[i];
      const e = pred[i];
      let variance = sd * sd;
      if (model.covariance) {
        for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) variance += jac[i * P + model.free[a]] * model.covariance[a * F + b] * jac[i * P + model.free[b]];
      }
      const half = Z95 * Math.sqrt(Math.max(0, variance));
      const energyJ = e * f.outputTokens;
      const prefillEnergyJ = Math.min(energyJ, pred[n + i] * f.outputTokens);
      return {
        energyPerTokenJ: e, energyJ, energyLowJ: energyJ * Math.exp(-half), energyHighJ: energyJ * Math.exp(half),
        prefillEnergyJ, decodeEnergyJ: energyJ - prefillEnergyJ,
        tpotS: latencyFitted ? pred[2 * n + i] : null,
        extrapolation: extrapolationReasons(model, c, f, options.catalog), features: f,
      };
    });
  } finally {
    ev.dispose();
  }
}
