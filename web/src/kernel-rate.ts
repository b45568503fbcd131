/**
 * The kernel's speed in this browser, for bench/web.bench.mjs (window.energylensBench): the losses of a batch of
 * programs over a dataset, timed the way the benchmark times Node, with the same WasmEvaluator.
 */
import { createWasmEvaluator, type Program } from '../../src/sr/index.js';

export interface PlainProgram { code: number[]; consts: number[]; length: number; maxStack: number; nFeaturesUsed: number }
export interface RateInput { programs: PlainProgram[]; X: number[]; y: number[]; nFeatures: number; nRows: number; seconds: number }

/** Node-rows per second: nodes of the batch x rows x batches evaluated per second, over at least `seconds`. */
export function kernelRate(input: RateInput): { nodeRowsPerSec: number; batches: number; seconds: number } {
  const ev = createWasmEvaluator();
  try {
    ev.setDataset({ X: Float64Array.from(input.X), y: Float64Array.from(input.y), nFeatures: input.nFeatures, nRows: input.nRows });
    const programs: Program[] = input.programs.map((p) => ({ ...p, code: Int32Array.from(p.code), consts: Float64Array.from(p.consts) }));
    const nodes = programs.reduce((s, p) => s + p.length, 0);
    for (let i = 0; i < 5; i++) ev.losses(programs, 'mse'); // warm-up
    let batches = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < input.seconds * 1000) {
      ev.losses(programs, 'mse');
      batches++;
      elapsed = performance.now() - t0;
    }
    return { nodeRowsPerSec: (nodes * input.nRows * batches) / (elapsed / 1000), batches, seconds: elapsed / 1000 };
  } finally {
    ev.dispose();
  }
}
