/**
 * The latency proxy: the practice of treating time as energy. A configuration's energy per output token is
 * predicted as its time per output token times one scale fitted on the training records (the geometric mean of
 * energy per token over time per token), so only its ranking matters: within a scenario it picks the fastest
 * configuration. Time per token is the measured one where the record has it (tpot_s; on ML.ENERGY and the
 * simulator every record does, which favours the proxy); otherwise it is predicted by the closed form's latency
 * part fitted on the training records, or, when those carry no time either, by the roofline step time.
 */
import { PARAMETERS } from '../model/closed-form.js';
import { configurationFeatures } from '../model/features.js';
import { fitEnergyModel } from '../model/fit.js';
import type { EnergyModel } from '../model/model-file.js';
import { predictEnergy } from '../model/predict.js';
import { energyPerTokenJ, geometricMean, type EnergyMethod, type FittedMethod, type MethodContext, type PredictInput, type TrainRecord } from './method.js';
import { rooflineStepMs } from './roofline.js';

const measured = (c: PredictInput): boolean => c.tpot_s !== undefined && c.tpot_s > 0;

function fitLatencyProxy(records: readonly TrainRecord[], ctx: MethodContext): FittedMethod {
  const feature = (c: PredictInput, i: number) => configurationFeatures(c, { catalog: ctx.catalog, inputTokens: ctx.inputTokens }, { row: i + 1 });
  const timed = records.filter(measured);
  const notes: string[] = [];
  let model: EnergyModel | null | undefined;
  // the closed form's time per token, fitted on the training records only when a configuration lacks a measured one
  const latencyModel = (): EnergyModel | null => {
    if (model === undefined) {
      // at least one timed record more than the closed form has parameters
      model = timed.length > PARAMETERS.length ? fitEnergyModel(records, { seed: ctx.seed, catalog: ctx.catalog, inputTokens: ctx.inputTokens }) : null;
    }
    return model;
  };
  const rooflineS = (c: PredictInput, i: number): number => rooflineStepMs(feature(c, i)) / 1000;
  const useRoofline = timed.length === 0;
  if (useRoofline) notes.push('no measured time per token in the training records: roofline step time stands in for it');
  const scale = useRoofline
    ? geometricMean(records.map((r, i) => energyPerTokenJ(r) / rooflineS(r, i)))
    : geometricMean(timed.map((r) => energyPerTokenJ(r) / (r.tpot_s as number)));
  const timeS = (configs: readonly PredictInput[]): number[] => {
    const missing = configs.map((c, i) => (measured(c) ? -1 : i)).filter((i) => i >= 0);
    const out = configs.map((c) => (measured(c) ? (c.tpot_s as number) : Number.NaN));
    if (missing.length === 0) return out;
    const m = useRoofline ? null : latencyModel();
    if (m) {
      const pred = predictEnergy(m, missing.map((i) => configs[i]), { catalog: ctx.catalog });
      missing.forEach((i, k) => { out[i] = pred[k].tpotS ?? rooflineS(configs[i], i); });
    } else {
      missing.forEach((i) => { out[i] = rooflineS(configs[i], i); });
    }
    return out;
  };
  return {
    method: 'latency-proxy', notes,
    predict: (configs) => timeS(configs).map((t) => scale * t),
  };
}

export const latencyProxyMethod: EnergyMethod = {
  name: 'latency-proxy',
  label: 'latency proxy',
  kind: 'latency proxy',
  description: 'time per output token (measured, else predicted) times one fitted scale: ranks configurations by latency',
  fit: (records, ctx = {}) => fitLatencyProxy(records, ctx),
};
