/**
 * The inputs of a discovered correction g: logarithms of raw physical features of a configuration. A structure
 * multiplies the physics prediction by exp(g), so a term d * log(x) is a power law x^d and a constant d a scale:
 * positive by construction whatever the constants.
 *
 * Each input names the registry feature (structure-features.ts) it is the logarithm of, so that a correction
 * searched over `log_batch` is written into a structure as `log(batch)`. `parallel` says which parallelism a
 * feature belongs to: a term of g may not mix a `tp` feature with a `pp` feature (TP and PP stay decoupled).
 * The GPU count (tp x pp x dp) and the ideal step times (divided by the GPUs, multiplied by pp) couple the two
 * and are not offered; the physics part already carries them.
 */
import type { EnergyFeatures } from '../features.js';
import { structureFeature } from '../structure-features.js';

export interface CorrectionFeature {
  /** the name the search sees: log_<registry feature> */
  name: string;
  /** the registry feature whose logarithm this is */
  feature: string;
  unit: string;
  /** mathjs unit of the quantity this is the logarithm of (options.units, space 'log'); scale words dropped */
  quantityUnit: string;
  meaning: string;
  parallel: 'tp' | 'pp' | 'none';
  value: (f: EnergyFeatures) => number;
}

/** log of a registry feature (its value on energy rows: the raw features do not depend on the row kind). */
function log(name: string, quantityUnit: string, parallel: CorrectionFeature['parallel'] = 'none'): CorrectionFeature {
  const feature = structureFeature(name);
  if (!feature) throw new Error(`correction feature ${name} is not in the structure-feature registry`);
  return { name: `log_${name}`, feature: name, unit: `log(${feature.unit})`, quantityUnit, meaning: feature.meaning, parallel, value: (f) => Math.log(feature.value(f, 'energy')) };
}

/** In this order: a later column that is an affine function of an earlier one is left out. */
export const CORRECTION_FEATURES: readonly CorrectionFeature[] = [
  // (units: batch counts requests in flight, token lengths are tokens, degrees and layers are counts, a FLOP is a count)
  log('batch', 'request'), log('output_tokens', 'token'), log('input_tokens', 'token'), log('tp', '1', 'tp'), log('pp', '1', 'pp'), log('ep', '1'),
  log('active_params_b', 'parameter'), log('params_b', 'parameter'), log('layers', '1'), log('hbm_tbs', 'TB/s'), log('tflops', '1/s'), log('idle_power_w', 'W'),
  // attention over the context: the mean context a sequence attends over, and the KV-cache bytes a decode step reads
  // (batch x context x layers x KV width, all GPUs). On llm-inference-bench, where lengths vary, a power of the
  // latter is the term discovery keeps (bench:discover, README)
  log('context_tokens', 'token'), log('cache_gb_per_step', 'GB'),
];

export interface ChosenColumns {
  /** indexes into CORRECTION_FEATURES */
  keep: number[];
  dropped: { name: string; reason: string }[];
}

/** Keeps a column unless it is constant or an affine function of a column kept before it (over these rows). */
export function chooseCorrectionColumns(features: readonly EnergyFeatures[]): ChosenColumns {
  const cols = CORRECTION_FEATURES.map((c) => features.map((f) => c.value(f)));
  const keep: number[] = [];
  const dropped: ChosenColumns['dropped'] = [];
  const centred = (xs: number[]): number[] => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; return xs.map((x) => x - m); };
  CORRECTION_FEATURES.forEach((c, j) => {
    const x = cols[j];
    if (x.some((v) => !Number.isFinite(v))) { dropped.push({ name: c.name, reason: 'not finite on every record' }); return; }
    const cx = centred(x);
    const sx = Math.sqrt(cx.reduce((a, v) => a + v * v, 0));
    if (sx <= 1e-9 * Math.max(1, Math.abs(x[0]))) { dropped.push({ name: c.name, reason: `constant (${c.feature} = ${Number(Math.exp(x[0]).toPrecision(6))}) in these records` }); return; }
    const same = keep.find((k) => {
      const ck = centred(cols[k]);
      const sk = Math.sqrt(ck.reduce((a, v) => a + v * v, 0));
      const r = cx.reduce((a, v, i) => a + v * ck[i], 0) / (sx * sk);
      return Math.abs(r) > 1 - 1e-9;
    });
    if (same === undefined) keep.push(j);
    else dropped.push({ name: c.name, reason: `a function of ${CORRECTION_FEATURES[same].name} in these records` });
  });
  return { keep, dropped };
}
