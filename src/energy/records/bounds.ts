/**
 * Physical bounds on a record's energy, so that an absurd value (1e308 J, a unit slip of 1e6) is refused with the
 * row and column instead of reaching a fit. The bounds are generous on purpose: ML.ENERGY v3 and the simulator's
 * sweeps sit one to two decades inside them.
 *
 * - Time-based, where the record has its times: a request's share of the energy cannot exceed what every GPU of
 *   the configuration spends at board power for the request's duration (ttft_s + output_tokens * tpot_s), with
 *   a factor ENERGY_TIME_SLACK for timing summaries (medians against means). ML.ENERGY v3 reaches 0.17 of it,
 *   the simulator at batch 1 about 0.9.
 * - Per token, always: at most MAX_GPU_SECONDS_PER_TOKEN seconds of every GPU at board power per token (prompt
 *   and output; v3 reaches 0.005 s, the simulator 0.01 s), and at least MIN_ENERGY_PER_OUTPUT_TOKEN_J per
 *   output token (v3's least is 0.028 J).
 */
import { gpuCount, type RecordFields } from './schema.js';

export const ENERGY_TIME_SLACK = 1.5;
export const MAX_GPU_SECONDS_PER_TOKEN = 2;
export const MIN_ENERGY_PER_OUTPUT_TOKEN_J = 1e-3;

export interface BoundProblem {
  column: string;
  expected: string;
  got: string;
}

const g = (x: number): string => String(Number(x.toPrecision(3)));

/** Problems with the record's energies against its configuration's board power (W per GPU). */
export function energyBoundProblems(r: RecordFields, boardPowerW: number): BoundProblem[] {
  const out: BoundProblem[] = [];
  // prediction inputs carry no measured energy
  if (typeof r.energy_j !== 'number') return out;
  const gpus = gpuCount(r);
  const allGpusW = gpus * boardPowerW;
  const tokens = r.output_tokens + (r.input_tokens ?? 0);
  const perTokenMaxJ = allGpusW * MAX_GPU_SECONDS_PER_TOKEN * tokens;
  const where = `${gpus} GPU${gpus === 1 ? '' : 's'} at ${g(boardPowerW)} W board power`;
  for (const column of ['energy_j', 'prefill_energy_j', 'decode_energy_j'] as const) {
    const v = r[column];
    if (v === undefined || !(v > perTokenMaxJ)) continue;
    out.push({ column, expected: `at most ${g(perTokenMaxJ)} J (${where} for ${MAX_GPU_SECONDS_PER_TOKEN} s per token of ${g(tokens)} tokens)`, got: String(v) });
  }
  if (r.tpot_s !== undefined && r.tpot_s > 0) {
    const requestS = (r.ttft_s ?? 0) + r.output_tokens * r.tpot_s;
    const maxJ = ENERGY_TIME_SLACK * allGpusW * requestS;
    if (r.energy_j > maxJ && r.energy_j <= perTokenMaxJ) {
      out.push({ column: 'energy_j', expected: `at most ${g(maxJ)} J (${where} for the request's ${g(requestS)} s, ttft_s + output_tokens * tpot_s, x ${ENERGY_TIME_SLACK})`, got: String(r.energy_j) });
    }
  }
  const perOutputJ = r.energy_j / r.output_tokens;
  if (perOutputJ < MIN_ENERGY_PER_OUTPUT_TOKEN_J) {
    out.push({ column: 'energy_j', expected: `at least ${MIN_ENERGY_PER_OUTPUT_TOKEN_J} J per output token (${g(MIN_ENERGY_PER_OUTPUT_TOKEN_J * r.output_tokens)} J for ${g(r.output_tokens)} tokens; is it in joules?)`, got: String(r.energy_j) });
  }
  return out;
}
