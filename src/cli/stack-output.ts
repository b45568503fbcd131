/** The stack rule in the CLI's words (fit and explain): which stacks a model's chosen structure applies to. */
import type { EnergyModel } from '../energy/model/index.js';

/** The stack rule in plain words, when the model carries a stack fallback. */
export function stackLines(model: EnergyModel): string[] {
  const fb = model.stackFallback;
  if (!fb) return [];
  return [`stacks: ${model.structure.name} applies to ${fb.column} ${fb.seen.join(', ')} (the training records' stacks); any other ${fb.column}, or a row without one, gets the physics structure fitted on the same records (stored beside it)`];
}
