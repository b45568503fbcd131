/**
 * The discovered terms of a fitted model in plain words, with their fitted values: what the report and the demo
 * show beside the physics form. The correction g is read from the structure (the text written into its
 * expressions, with the parameters d1, d2, ... by name), the values from the fitted model, so the "g = ..."
 * line and the listed terms always agree.
 */
import { missingIntervalText, type EnergyModel } from '../model-file.js';
import type { Structure } from '../structure.js';
import { structureFeature } from '../structure-features.js';
import type { DiscoveredTerm } from './structure-out.js';

export interface FittedTerm extends DiscoveredTerm {
  /** the value in the fitted model (the fixed number for a fixed term) */
  fitted: number;
  /** 95 % interval of the fitted value (null for a fixed number or a held parameter) */
  interval: [number, number] | null;
  /** why a fitted term has no interval (e.g. confounded with another parameter), when it has none */
  noInterval?: string;
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
  if (/constant factor/.test(t.meaning)) return `multiplies the ${energy} by exp(${round(v)}) = ${round(Math.exp(v))}`;
  return `${t.meaning.replace(/^fixed number: /, '')}; the ${energy} is multiplied by exp of this term`;
}

/** The discovered terms of a fitted model with their fitted values and plain-word effects. */
export function fittedDiscoveredTerms(model: EnergyModel): FittedTerm[] {
  return discoveredTermsOf(model.structure).map((t) => {
    const p = t.parameter === null ? undefined : model.parameters.find((q) => q.name === t.parameter);
    const fitted = p?.value ?? t.value;
    const interval: [number, number] | null = p && !p.held && p.standardError !== null ? [p.low, p.high] : null;
    const missing = p ? missingIntervalText(p) : null;
    return { ...t, fitted, interval, ...(missing ? { noInterval: missing } : {}), effect: termEffect(t, fitted) };
  });
}
