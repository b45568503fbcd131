/**
 * What `energylens fit` warns about after a fit: a residual spread that says the model explains little of the
 * data (compared with the spread a constant energy per token, or per request, leaves), and parameters whose
 * standard errors dwarf their values.
 */
import type { EnergyModel } from '../energy/model/model-file.js';
import type { ProfilingRecord } from '../energy/records/index.js';
import { sig } from './energy-args.js';

/** residual spread above this share of the null spread: the model explains little */
export const EXPLAINS_LITTLE = 0.8;
/** a standard error this many times the value: the parameter is not determined by the data */
const UNDETERMINED = 10;

const sd = (xs: readonly number[]): number => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
};

export function fitWarnings(model: EnergyModel, records: readonly ProfilingRecord[]): string[] {
  const out: string[] = [];
  const nullSd = Math.min(sd(records.map((r) => Math.log(r.energy_j))), sd(records.map((r) => Math.log(r.energy_j / r.output_tokens))));
  const resid = model.residualSd.energy;
  if (!Number.isFinite(resid) || resid >= EXPLAINS_LITTLE * nullSd) {
    out.push(`the model explains little of these records: the residual sd of log energy is ${sig(resid, 3)} against ${sig(nullSd, 3)} for a constant energy per token; `
      + 'its predictions are not much better than the records\' median (check the records\' units, hardware and model names)');
  } else if (resid > 1) {
    out.push(`typical prediction error is a factor of ${sig(Math.exp(resid), 2)} (residual sd of log energy ${sig(resid, 3)}): use the intervals, not the point predictions`);
  }
  const loose = model.parameters.filter((p) => !p.held && p.standardError !== null && Math.abs(p.standardError) > UNDETERMINED * Math.abs(p.value));
  if (loose.length > 0) {
    out.push(`the records do not determine ${loose.map((p) => p.name).join(', ')} (standard error over ${UNDETERMINED}x the value): more varied configurations would determine ${loose.length === 1 ? 'it' : 'them'}`);
  }
  return out;
}
