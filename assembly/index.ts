// The kernel's ABI. Only numbers cross: pointers, lengths, counts, an i32 status, an f64 loss.
// TypeScript (src/sr/eval/wasm-kernel.ts) owns the memory layout above heapBase(), grows memory itself and
// validates every program before it is evaluated, so nothing here traps on bad input.
import * as D from './data';
import { evalBlock, evalBlock32, resultIsConst, resultPtr, resultVal } from './interpret';
import { programLoss, programLoss32, programLossScaled, LOSS_MSE_SCALED } from './loss';
import { logS } from './mathlib';
export { jacobian, jacobianScratchF64, JAC_BLOCK } from './jacobian';
export { sumOfSquares, normalEquations } from './normal';
export {
  OP_CONST, OP_FEATURE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE,
  OP_SQRT, OP_CBRT, OP_EXP, OP_LOG, OP_ABS, OP_INV, OP_SIN, OP_COS, OP_TANH, OP_ASIN, OP_ACOS,
  OP_COUNT,
} from './opcodes';
export { LOSS_MSE, LOSS_MAE, LOSS_MAPE, LOSS_MSLE, LOSS_MSE_SCALED } from './loss';
export { BLOCK, MAX_STACK } from './data';

export function heapBase(): usize {
  return __heap_base;
}

/**
 * Set the dataset. x: one column of `strideRows` f64 per feature (TypeScript checks feature indices) (padding rows repeat the last row); y, logY, invAbsY
 * and (if w != 0) w: `strideRows` f64 each. Fills logY = log(y) and invAbsY = 1/|y|, and the weight total.
 */
export function setData(x: usize, y: usize, w: usize, logY: usize, invAbsY: usize, nRows: i32, strideRows: i32): void {
  D.dataX = x;
  D.dataY = y;
  D.dataW = w;
  D.dataLogY = logY;
  D.dataInvAbsY = invAbsY;
  D.nRows = nRows;
  D.stride = strideRows;
  let s: f64 = 0.0;
  for (let r: i32 = 0; r < strideRows; r++) {
    const off = <usize>r << 3;
    const yr = load<f64>(y + off);
    store<f64>(logY + off, logS(yr));
    store<f64>(invAbsY + off, 1.0 / Math.abs(yr));
    if (r < nRows) s += w != 0 ? load<f64>(w + off) : 1.0;
  }
  D.sumW = s;
}

/** The f32 feature columns for the f32x4 path (mode 2): nFeatures columns of stride32 f32 (a multiple of 4). */
export function setData32(x32: usize, stride32: i32): void {
  D.dataX32 = x32;
  D.stride32 = stride32;
}

/** Evaluation modes: the `simd` argument of evalLosses and predict. */
export const MODE_SCALAR: i32 = 0;
export const MODE_F64X2: i32 = 1;
export const MODE_F32X4: i32 = 2;

/**
 * Losses of a batch of programs. code: (opcode, arg) i32 pairs of all programs back to back; consts: f64 of all
 * programs back to back; starts: per program, i32 pairs (first instruction, first constant) and lens: i32
 * instruction counts. simd: a MODE_*. scratch: MAX_STACK * BLOCK f64. out: nPrograms f64.
 */
export function evalLosses(code: usize, consts: usize, starts: usize, lens: usize, nPrograms: i32, loss: i32, simd: i32, scratch: usize, out: usize): void {
  for (let p: i32 = 0; p < nPrograms; p++) {
    const s = starts + (<usize>p << 3);
    const pc = code + (<usize>load<i32>(s) << 3);
    const pk = consts + (<usize>load<i32>(s, 4) << 3);
    const len = load<i32>(lens + (<usize>p << 2));
    // the scaled loss is always computed in f64 (its closed form needs centred sums, see programLossScaled)
    const l = loss == LOSS_MSE_SCALED ? programLossScaled(pc, pk, len, scratch, simd != MODE_SCALAR)
      : simd == MODE_F32X4 ? programLoss32(pc, pk, len, loss, scratch) : programLoss(pc, pk, len, loss, scratch, simd != 0);
    store<f64>(out + (<usize>p << 3), l);
  }
}

/** Raw predictions of one program (no early exit) into out: nRows f64. simd: a MODE_*. */
export function predict(code: usize, consts: usize, len: i32, simd: i32, scratch: usize, out: usize): void {
  if (simd == MODE_F32X4) {
    for (let row0: i32 = 0; row0 < D.nRows; row0 += D.BLOCK) {
      const n = min(D.BLOCK, D.nRows - row0);
      evalBlock32(code, consts, len, row0, (n + 3) & ~3, scratch, false);
      for (let j: i32 = 0; j < n; j++) {
        const v = resultIsConst ? <f64><f32>resultVal : <f64>load<f32>(resultPtr + (<usize>j << 2));
        store<f64>(out + (<usize>(row0 + j) << 3), v);
      }
    }
    return;
  }
  for (let row0: i32 = 0; row0 < D.nRows; row0 += D.BLOCK) {
    const n = min(D.BLOCK, D.nRows - row0);
    const nEval = simd != 0 ? (n + 1) & ~1 : n;
    evalBlock(code, consts, len, row0, nEval, scratch, simd != 0, false);
    for (let j: i32 = 0; j < n; j++) {
      const v = resultIsConst ? resultVal : load<f64>(resultPtr + (<usize>j << 3));
      store<f64>(out + (<usize>(row0 + j) << 3), v);
    }
  }
}
