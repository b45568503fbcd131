/**
 * The closed form (model/fit.ts, model/predict.ts) behind the method interface. Calibration to new hardware keeps
 * the structure and every parameter but the hardware-dependent ones it refits from the few new records; a model
 * whose discovered correction its records did not validate for the new hardware calibrates the physics fit stored
 * beside it (fit.ts calibrationBase).
 */
import { calibrationBase, fitEnergyModel, withStackFallback } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { predictEnergy } from '../model/predict.js';
import type { Structure } from '../model/structure.js';
import type { EnergyMethod, FittedMethod, MethodContext, PredictInput, TrainRecord } from './method.js';

/** Refitted on k records of new hardware: static power, memory efficiency and energy per byte (as in the README). */
export const CALIBRATION_PARAMETERS = ['p_static', 'k_mem', 'e_byte'] as const;

/** A fitted model behind the method interface; calibration refits CALIBRATION_PARAMETERS with the rest kept. */
export function fittedModel(model: EnergyModel, ctx: MethodContext, method = 'closed-form'): FittedMethod {
  const notes = model.parameters.filter((p) => p.held && p.reason).map((p) => `${p.name} held: ${p.reason}`);
  return {
    method, notes,
    predict: (configs: readonly PredictInput[]) => predictEnergy(model, configs, { catalog: ctx.catalog }).map((p) => p.energyPerTokenJ),
    calibrate: (records: readonly TrainRecord[], c: MethodContext = ctx) => fittedModel(
      fitEnergyModel(records, { seed: c.seed, catalog: c.catalog, inputTokens: c.inputTokens, base: calibrationBase(model, records, c.catalog), refit: [...CALIBRATION_PARAMETERS] }), c, method,
    ),
  };
}

export const closedFormMethod: EnergyMethod = {
  name: 'closed-form',
  label: 'closed form',
  kind: 'closed form',
  description: 'the twelve-parameter closed form (docs/energy-model.md), Levenberg-Marquardt in log space on energy and time per token',
  fit: (records, ctx = {}) => fittedModel(fitEnergyModel(records, { seed: ctx.seed, catalog: ctx.catalog, inputTokens: ctx.inputTokens }), ctx),
};

/**
 * A given structure (e.g. the one `fit --structure auto` chose on a sample) refitted on each split's records: its
 * form is fixed, its parameters are fitted like the closed form's. The form was chosen on some records, so where
 * those are among a split's test records the score is optimistic for the form (not for its parameters). A form with
 * a discovered correction applies to the stacks of the split's training records; other rows get physics (fit.ts).
 */
export function structureMethod(structure: Structure, label = structure.name): EnergyMethod {
  return {
    name: structure.name, label, kind: 'closed form',
    description: `the structure "${structure.name}" (${structure.parameters.filter((p) => !p.held).length} free parameters), fitted like the closed form`,
    fit: (records, ctx = {}) => {
      const options = { seed: ctx.seed, catalog: ctx.catalog, inputTokens: ctx.inputTokens, structure };
      return fittedModel(withStackFallback(fitEnergyModel(records, options), records, options), ctx, structure.name);
    },
  };
}
