/** The stack rule in the CLI's words (fit and explain): which stacks a model's chosen structure applies to. */
import { fallbackScopes, type EnergyModel } from '../energy/model/index.js';

/** The stack rule in plain words, when the model carries a stack fallback. */
export function stackLines(model: EnergyModel): string[] {
  const fb = model.stackFallback;
  if (!fb) return [];
  const scopes = fallbackScopes(fb);
  const where = scopes.map((s) => `${s.column} ${s.seen.join(', ')}`).join(' and ');
  const other = scopes.map((s) => s.column).join(' or ');
  return [`${fb.column !== undefined ? 'stacks' : 'scope'}: ${model.structure.name} applies to ${where} (the training records'); any other ${other}, or a row without one, gets the physics structure fitted on the same records (stored beside it)`];
}
