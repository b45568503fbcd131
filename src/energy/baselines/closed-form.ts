/**
 * The closed form (model/fit.ts, model/predict.ts) behind the method interface. Calibration to new hardware keeps
 * the structure and every parameter but the hardware-dependent ones it refits from the few new records.
 */
import { fitEnergyModel } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { predictEnergy } from '../model/predict.js';
import type { EnergyMethod, FittedMethod, MethodContext, PredictInput, TrainRecord } from './method.js';

/** Refitted on k records of new hardware: static power, memory efficiency and energy per byte (as in the README). */
export const CALIBRATION_PARAMETERS = ['p_static', 'k_mem', 'e_byte'] as const;

function fitted(model: EnergyModel, ctx: MethodContext): FittedMethod {
  const notes = model.parameters.filter((p) => p.held && p.reason).map((p) => `${p.name} held: ${p.reason}`);
  return {
    method: 'closed-form', notes,
    predict: (configs: readonly PredictInput[]) => predictEnergy(model, configs, { catalog: ctx.catalog }).map((p) => p.energyPerTokenJ),
    calibrate: (records: readonly TrainRecord[], c: MethodContext = ctx) => fitted(
      fitEnergyModel(records, { seed: c.seed, catalog: c.catalog, inputTokens: c.inputTokens, base: model, refit: [...CALIBRATION_PARAMETERS] }), c,
    ),
  };
}

export const closedFormMethod: EnergyMethod = {
  name: 'closed-form',
  label: 'closed form',
  kind: 'closed form',
  description: 'the twelve-parameter closed form (docs/energy-model.md), Levenberg-Marquardt in log space on energy and time per token',
  fit: (records, ctx = {}) => fitted(fitEnergyModel(records, { seed: ctx.seed, catalog: ctx.catalog, inputTokens: ctx.inputTokens }), ctx),
};
