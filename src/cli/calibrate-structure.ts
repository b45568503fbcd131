/**
 * fit --calibrate: which of the base model's stored fits a calibration starts from. By default the one the records
 * use (calibrationBase: the physics fit stored beside a discovered correction when a record lies outside where the
 * correction was fitted); --structure may name another stored fit, by the name physics or by a structure file
 * holding the same structure, and that one is calibrated, with a note.
 */
import { calibrationBase, fallbackModel, fallbackScopes, readStructure, type EnergyModel, type Structure } from '../energy/model/index.js';
import type { Catalog } from '../energy/catalog/index.js';
import { bad } from './energy-args.js';

/** The same structure: the same expressions and the same parameters, by name (a stored fit may hold some parameters). */
export function sameStructure(a: Structure, b: Structure): boolean {
  const kinds = ['energy', 'latency', 'prefill'] as const;
  return kinds.every((k) => a.expressions[k] === b.expressions[k])
    && a.parameters.length === b.parameters.length && a.parameters.every((p, i) => p.name === b.parameters[i].name);
}

/**
 * The model a `fit --calibrate BASE --structure S` calibrates (S 'auto': not given), with a note on stderr when it is
 * not the base's chosen fit; an INVALID_OPTION error that says what to do when S is none of the base's stored fits.
 */
export function calibrationStart(
  given: EnergyModel, records: readonly object[], opts: { baseFile: string; structure: string; catalog?: Catalog; note: (line: string) => void },
): EnergyModel {
  const used = calibrationBase(given, records, opts.catalog);
  const fb = given.stackFallback;
  const where = fb ? fallbackScopes(fb).map((s) => `${s.column} ${s.seen.join(', ')}`).join(' and ') : '';
  const outside = used !== given;
  const defaultNote = `note: ${opts.baseFile}'s ${given.structure.name} was fitted on ${where}; these records lie outside, so its physics fit is calibrated`;
  if (opts.structure === 'auto') {
    if (outside) opts.note(defaultNote);
    return used;
  }
  const wanted = readStructure(opts.structure, opts.catalog);
  if (sameStructure(wanted, used.structure)) {
    if (outside) opts.note(defaultNote);
    return used;
  }
  if (outside && sameStructure(wanted, given.structure)) {
    opts.note(`note: these records lie outside where ${opts.baseFile}'s ${given.structure.name} was fitted (${where}); --structure ${opts.structure} asks for it, so it is calibrated (without --structure, its physics fit would be)`);
    return given;
  }
  if (!outside && fb && sameStructure(wanted, fb.model.structure)) {
    opts.note(`note: --structure ${opts.structure} asks for ${opts.baseFile}'s physics fit (stored for records outside ${where}), so it is calibrated (without --structure, its ${given.structure.name} would be)`);
    return fallbackModel(given);
  }
  const stored = !fb ? given.structure.name
    : outside ? `${given.structure.name}, or its physics fit (the one these records use)`
      : `${given.structure.name} (the one these records use), or its physics fit`;
  const named = opts.structure === 'physics' ? 'physics' : `${opts.structure} (${wanted.name})`;
  return bad(`--structure ${named} is not a structure of ${opts.baseFile}, which --calibrate keeps: ${stored}; drop --structure, or fit ${opts.structure === 'physics' ? 'physics' : `${opts.structure}'s structure`} without --calibrate`);
}
