/**
 * The discovered terms of a fitted model in plain words, with their fitted values: what the report and the demo
 * show beside the physics form. The correction g is read from the structure (the text written into its
 * expressions, with the parameters d1, d2, ... by name), the values from the fitted model, so the "g = ..."
 * line and the listed terms always agree.
 */
import { missingIntervalText, type EnergyModel } from '../model-file.js';
import { evaluateAt, parseExpression, toInfix } from '../../../sr/index.js';
import { recordFeatures, type ConfigurationInput, type EnergyFeatures } from '../features.js';
import type { Structure } from '../structure.js';
import { featureMatrix, STRUCTURE_FEATURE_NAMES, structureFeature } from '../structure-features.js';
import { featureIndexes, signedTerms } from './candidates.js';
import type { DiscoveredTerm } from './structure-out.js';

export interface FittedTerm extends DiscoveredTerm {
  /** the value in the fitted model (the fixed number for a fixed term) */
  fitted: number;
  /** 95 % interval of the fitted value (null for a fixed number or a held parameter) */
  interval: [number, number] | null;
  /** why a fitted term has no interval (e.g. confounded with another parameter), when it has none */
  noInterval?: string;
  /** why the fit held this term's parameter (e.g. confounded with the physics scale), when it did */
  heldReason?: string;
  /** what the term does, in plain words, at its fitted value */
  effect: string;
}

/** The correction g of each phase as the structure writes it (parameters by name), empty for physics. */
export function correctionTexts(structure: Structure): { energy?: string; prefill?: string } {
  const d = structure.discovery as { correction?: { energy?: string; prefill?: string } } | undefined;
  return d?.correction ?? {};
}

/** The terms a structure's discovery added (empty for physics and for hand-written structures). */
export function discoveredTermsOf(structure: Structure): DiscoveredTerm[] {
  const d = structure.discovery as { termsAdded?: DiscoveredTerm[] } | undefined;
  return Array.isArray(d?.termsAdded) ? d.termsAdded : [];
}

const round = (x: number, digits = 3): string => String(Number(x.toPrecision(digits)));

/** The effect of a term at value `v` (the parameter's value; the sign the term enters g with is applied), in plain words. */
export function termEffect(t: DiscoveredTerm, value: number): string {
  const energy = t.phase === 'prefill' ? 'prefill energy per output token' : 'energy per output token';
  const v = value * (t.sign ?? 1);
  if (t.feature) {
    const meaning = structureFeature(t.feature)?.meaning ?? t.feature;
    const factor = 2 ** v;
    const change = `${factor >= 1 ? '+' : '-'}${round(Math.abs(factor - 1) * 100, 2)} %`;
    return `${energy} scales as ${t.feature}^${round(v)}: each doubling of the ${meaning} multiplies it by ${round(factor)} (${change}), beyond what the physics form predicts`;
  }
  if (/constant factor/.test(t.meaning)) {
    // the parameter with the sign g gives it, then its value: "exp(-d6) = exp(1.77)" reads through, "d6 = -1.77 ... exp(1.77)" did not
    const named = t.parameter ? `exp(${(t.sign ?? 1) < 0 ? '-' : ''}${t.parameter}) = ` : '';
    return `multiplies the ${energy} by ${named}exp(${round(v)}) = ${round(Math.exp(v))}`;
  }
  return `${t.meaning.replace(/^fixed number: /, '')}; the ${energy} is multiplied by exp of this term`;
}

/** The discovered terms of a fitted model with their fitted values and plain-word effects. */
export function fittedDiscoveredTerms(model: EnergyModel): FittedTerm[] {
  return discoveredTermsOf(model.structure).map((t) => {
    const p = t.parameter === null ? undefined : model.parameters.find((q) => q.name === t.parameter);
    const fitted = p?.value ?? t.value;
    const interval: [number, number] | null = p && !p.held && p.standardError !== null ? [p.low, p.high] : null;
    const missing = p ? missingIntervalText(p) : null;
    return { ...t, fitted, interval, ...(missing ? { noInterval: missing } : {}), ...(p?.held && p.reason ? { heldReason: p.reason } : {}), effect: termEffect(t, fitted) };
  });
}

/** One additive term of a fitted correction g and the factor exp(term) it applies over a set of records. */
export interface TermRange {
  phase: 'decode' | 'prefill';
  /** the term as written, with its sign, parameters by name */
  term: string;
  /** the fitted parameters it reads */
  parameters: string[];
  /** smallest and largest factor exp(term) over the records */
  low: number;
  high: number;
}

/**
 * What each term of a fitted correction does over the given records (their features, e.g. the training records):
 * the smallest and largest factor it applies to the energy per output token. A term that reads no feature is a
 * constant factor, already said by termEffect, and is left out. This is the plain reading of a compound term
 * (d1 * (log(params_b) - log(batch) * log(hbm_tbs)), say), whose parameters alone say little.
 */
export function correctionTermRanges(model: EnergyModel, features: readonly EnergyFeatures[]): TermRange[] {
  if (features.length === 0) return [];
  const g = correctionTexts(model.structure);
  const names = [...STRUCTURE_FEATURE_NAMES, ...model.parameters.map((p) => p.name)];
  const nF = STRUCTURE_FEATURE_NAMES.length;
  const values = model.parameters.map((p) => p.value);
  const out: TermRange[] = [];
  for (const [phase, text, kind] of [['decode', g.energy, 'energy'], ['prefill', g.prefill, 'prefill']] as const) {
    if (!text) continue;
    const X = featureMatrix(features, kind);
    const n = features.length;
    for (const { term, sign } of signedTerms(parseExpression(text, names))) {
      const used = featureIndexes(term);
      if (![...used].some((k) => k < nF)) continue;
      let low = Infinity;
      let high = -Infinity;
      const point = new Array<number>(names.length);
      for (let k = 0; k < values.length; k++) point[nF + k] = values[k];
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < nF; k++) point[k] = X[k * n + r];
        const v = sign * evaluateAt(term, point);
        if (!Number.isFinite(v)) continue;
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
      if (!(low <= high)) continue;
      out.push({
        phase, term: `${sign < 0 ? '- ' : ''}${toInfix(term, names)}`, parameters: [...used].filter((k) => k >= nF).map((k) => names[k]),
        low: Math.exp(low), high: Math.exp(high),
      });
    }
  }
  return out;
}

/** A term's range in plain words. */
export function termRangeText(t: TermRange, records: string): string {
  const what = t.phase === 'prefill' ? 'prefill energy per output token' : 'energy per output token';
  return `${t.term}${t.parameters.length ? ` (${t.parameters.join(', ')})` : ''}: multiplies the ${what} by ${round(t.low)} to ${round(t.high)} over ${records}`;
}

/** The factor each term of the correction applies over the records, in plain words; empty without records or features. */
export function termRangeLines(model: EnergyModel, records: readonly ConfigurationInput[] | undefined, what: string): string[] {
  if (!records?.length) return [];
  try {
    return correctionTermRanges(model, recordFeatures(records)).map((t) => termRangeText(t, what));
  } catch {
    return []; // records the built-in catalog cannot describe: the table above still says what each parameter is
  }
}
