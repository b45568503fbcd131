/**
 * The per-model workload form of Wilkins, Keshav and Mortier (2024), "Offline energy-optimal LLM serving":
 * energy per request E = a0 t_in + a1 t_out + a2 t_in t_out, fitted for each (model, hardware) by least squares
 * on relative residuals (each row weighted by 1 / E, so the batch-1 runs, ten times the energy of the others, do
 * not set the fit alone; plain least squares on joules doubled its error on ML.ENERGY).
 * It knows nothing of parallelism or batching, so within a (workload, model, hardware) scenario it ranks
 * configurations by their output length alone; it is here as the analytical model the field uses.
 *
 * Reductions (all reported in the fit's notes):
 * - prompt length t_in: the record's input_tokens, else the workload's assumed prompt (promptTokens, the table
 *   the simulator's calibration and the closed form use, plus vision tokens). ML.ENERGY records none.
 * - a group with fewer than MIN_GROUP_RECORDS training records, or whose fit predicts a non-positive energy,
 *   falls back to its mean energy per output token (geometric) times t_out; a (model, hardware) with no training
 *   record falls back to the model's mean on other hardware, then the hardware's mean, then the overall mean.
 * - when t_in does not vary within a group the three columns are collinear; a tiny ridge term picks the
 *   minimum-norm solution, which predicts the fitted prompt length exactly.
 */
import { EnergyLensError } from '../../errors.js';
import { builtinCatalog } from '../catalog/catalog.js';
import { configurationFeatures } from '../model/features.js';
import { invertMatrix } from '../../sr/index.js';
import { energyPerTokenJ, geometricMean, type EnergyMethod, type FittedMethod, type MethodContext, type PredictInput, type TrainRecord } from './method.js';

/** Fewer training records than this in a (model, hardware) group: its mean per-token energy instead of a fit. */
export const MIN_GROUP_RECORDS = 4;
const RIDGE = 1e-9;

export interface WilkinsCoefficients { a0: number; a1: number; a2: number }

/** Least squares of E on [t_in, t_out, t_in t_out] in relative terms (rows over E), columns scaled to unit norm, with a tiny ridge. */
export function fitWilkins(tIn: readonly number[], tOut: readonly number[], energyJ: readonly number[]): WilkinsCoefficients | null {
  const cols = [tIn.map((x, i) => x / energyJ[i]), tOut.map((x, i) => x / energyJ[i]), tIn.map((x, i) => (x * tOut[i]) / energyJ[i])];
  const target = energyJ.map(() => 1);
  const norms = cols.map((c) => Math.sqrt(c.reduce((a, x) => a + x * x, 0)) || 1);
  const A = new Float64Array(9);
  const b = new Float64Array(3);
  for (let j = 0; j < 3; j++) {
    for (let k = 0; k < 3; k++) A[j * 3 + k] = cols[j].reduce((a, x, i) => a + (x / norms[j]) * (cols[k][i] / norms[k]), 0);
    A[j * 3 + j] += RIDGE;
    b[j] = cols[j].reduce((a, x, i) => a + (x / norms[j]) * target[i], 0);
  }
  const inv = invertMatrix(A, 3);
  if (!inv) return null;
  const c = [0, 1, 2].map((j) => (inv[j * 3] * b[0] + inv[j * 3 + 1] * b[1] + inv[j * 3 + 2] * b[2]) / norms[j]);
  return c.every(Number.isFinite) ? { a0: c[0], a1: c[1], a2: c[2] } : null;
}

export const wilkinsEnergyJ = (c: WilkinsCoefficients, tIn: number, tOut: number): number => c.a0 * tIn + c.a1 * tOut + c.a2 * tIn * tOut;

function fitGroups(records: readonly TrainRecord[], ctx: MethodContext): FittedMethod {
  if (records.length === 0) throw new EnergyLensError('EMPTY_DATA', 'wilkins: no training records');
  const catalog = ctx.catalog ?? builtinCatalog();
  const canonicalHw = (h: string): string => catalog.findHardware(h)?.name ?? h;
  const canonicalModel = (m: string): string => catalog.findModel(m)?.name ?? m;
  const groupKey = (c: PredictInput): string => `${canonicalModel(c.model)} | ${canonicalHw(c.hardware)}`;
  const promptOf = (c: PredictInput, i: number): number => configurationFeatures(c, { catalog, inputTokens: ctx.inputTokens }, { row: i + 1 }).inputTokens;
  const groups = new Map<string, { tIn: number[]; tOut: number[]; e: number[]; perToken: number[] }>();
  const byModel = new Map<string, number[]>();
  const byHw = new Map<string, number[]>();
  records.forEach((r, i) => {
    const k = groupKey(r);
    const g = groups.get(k) ?? { tIn: [], tOut: [], e: [], perToken: [] };
    g.tIn.push(promptOf(r, i)); g.tOut.push(r.output_tokens); g.e.push(r.energy_j); g.perToken.push(energyPerTokenJ(r));
    groups.set(k, g);
    const m = canonicalModel(r.model);
    byModel.set(m, [...(byModel.get(m) ?? []), energyPerTokenJ(r)]);
    const h = canonicalHw(r.hardware);
    byHw.set(h, [...(byHw.get(h) ?? []), energyPerTokenJ(r)]);
  });
  const overall = geometricMean(records.map(energyPerTokenJ));
  const coefficients = new Map<string, WilkinsCoefficients>();
  let fittedGroups = 0;
  for (const [k, g] of groups) {
    if (g.e.length < MIN_GROUP_RECORDS) continue;
    const c = fitWilkins(g.tIn, g.tOut, g.e);
    if (c && g.tIn.every((x, i) => wilkinsEnergyJ(c, x, g.tOut[i]) > 0)) { coefficients.set(k, c); fittedGroups++; }
  }
  const notes = [
    `fitted ${fittedGroups} of ${groups.size} (model, hardware) groups; the others use their mean energy per output token (fewer than ${MIN_GROUP_RECORDS} training records or a non-positive fit)`,
  ];
  if (records.some((r) => r.input_tokens === undefined)) notes.push('prompt length: the workload\'s assumed prompt where records have none (promptTokens)');
  const usedFallback = new Set<string>();
  const predict = (configs: readonly PredictInput[]): number[] => configs.map((c, i) => {
    const k = groupKey(c);
    const coef = coefficients.get(k);
    if (coef) {
      const e = wilkinsEnergyJ(coef, promptOf(c, i), c.output_tokens) / c.output_tokens;
      if (e > 0) return e;
    }
    const g = groups.get(k);
    if (g) return geometricMean(g.perToken);
    const m = byModel.get(canonicalModel(c.model));
    if (m) { usedFallback.add('model mean on other hardware'); return geometricMean(m); }
    const h = byHw.get(canonicalHw(c.hardware));
    if (h) { usedFallback.add('hardware mean over other models'); return geometricMean(h); }
    usedFallback.add('overall mean');
    return overall;
  });
  return {
    method: 'wilkins',
    get notes() { return [...notes, ...[...usedFallback].map((f) => `configurations of an unseen (model, hardware) predicted by the ${f}`)]; },
    predict,
  };
}

export const wilkinsMethod: EnergyMethod = {
  name: 'wilkins',
  label: 'Wilkins et al. (2024)',
  kind: 'analytical',
  description: 'E = a0 t_in + a1 t_out + a2 t_in t_out per request, least squares per (model, hardware); group means where a group has too few records',
  fit: (records, ctx = {}) => fitGroups(records, ctx),
};
