// Fitness: the loss of a program over the whole dataset, block by block; +Infinity for any non-finite value.
import { dataY, dataW, dataLogY, dataInvAbsY, nRows, sumW, BLOCK } from './data';
import { evalBlock, evalBlock32, resultIsConst, resultPtr, resultVal, setResult } from './interpret';
import { widen, widenBuffer } from './eval32';
import { logS } from './mathlib';
import { logFast, logSpecial } from './vmath';

export const LOSS_MSE: i32 = 0;
export const LOSS_MAE: i32 = 1;
export const LOSS_MAPE: i32 = 2;
export const LOSS_MSLE: i32 = 3;
// mse after the best linear scaling a * p + b of the predictions (closed form, weighted least squares)
export const LOSS_MSE_SCALED: i32 = 4;

// term of one row: p prediction, k row (byte offset into the y-like columns)
@inline function termS(loss: i32, p: f64, k: usize): f64 {
  const d = p - load<f64>(dataY + k);
  if (loss == LOSS_MSE) return d * d;
  if (loss == LOSS_MAE) return Math.abs(d);
  if (loss == LOSS_MAPE) return Math.abs(d) * load<f64>(dataInvAbsY + k);
  const l = logS(p) - load<f64>(dataLogY + k);
  return l * l;
}

@inline function termV(loss: i32, p: v128, k: usize): v128 {
  if (loss == LOSS_MSLE) {
    // non-positive, subnormal or non-finite predictions: the scalar log, lane by lane (rare)
    const lp = v128.any_true(logSpecial(p))
      ? f64x2.replace_lane(f64x2.splat(logS(f64x2.extract_lane(p, 0))), 1, logS(f64x2.extract_lane(p, 1)))
      : logFast(p);
    const l = f64x2.sub(lp, v128.load(dataLogY + k));
    return f64x2.mul(l, l);
  }
  const d = f64x2.sub(p, v128.load(dataY + k));
  if (loss == LOSS_MSE) return f64x2.mul(d, d);
  if (loss == LOSS_MAE) return f64x2.abs(d);
  return f64x2.mul(f64x2.abs(d), v128.load(dataInvAbsY + k));
}

// sum of the terms of the block's real rows [row0, row0 + n); the loss, the weights and the kind of result are
// fixed for the whole loop, so each combination gets its own loop (V8 does not unswitch loops)
@inline function pairsSum(loss: i32, weighted: bool, isConst: bool, base: usize, pairs: i32): v128 {
  let acc = f64x2.splat(0.0);
  const cv = f64x2.splat(resultVal);
  const rp = resultPtr;
  for (let j: i32 = 0; j < pairs; j++) {
    const off: usize = <usize>j << 4;
    const p = isConst ? cv : v128.load(rp + off);
    let t = termV(loss, p, base + off);
    if (weighted) t = f64x2.mul(t, v128.load(dataW + base + off));
    acc = f64x2.add(acc, t);
  }
  return acc;
}

@inline function pairsSumFor(loss: i32, base: usize, pairs: i32): v128 {
  const weighted = dataW != 0;
  if (resultIsConst) return weighted ? pairsSum(loss, true, true, base, pairs) : pairsSum(loss, false, true, base, pairs);
  return weighted ? pairsSum(loss, true, false, base, pairs) : pairsSum(loss, false, false, base, pairs);
}

function blockSumV(loss: i32, row0: i32, n: i32): f64 {
  const base: usize = <usize>row0 << 3;
  const pairs = n >> 1;
  let acc: v128;
  if (loss == LOSS_MSE) acc = pairsSumFor(LOSS_MSE, base, pairs);
  else if (loss == LOSS_MAE) acc = pairsSumFor(LOSS_MAE, base, pairs);
  else if (loss == LOSS_MAPE) acc = pairsSumFor(LOSS_MAPE, base, pairs);
  else acc = pairsSumFor(LOSS_MSLE, base, pairs);
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (n & 1) {
    const off: usize = <usize>(n - 1) << 3;
    const p = resultIsConst ? resultVal : load<f64>(resultPtr + off);
    let t = termS(loss, p, base + off);
    if (dataW != 0) t *= load<f64>(dataW + base + off);
    sum += t;
  }
  return sum;
}

function blockSumS(loss: i32, row0: i32, n: i32): f64 {
  let sum: f64 = 0.0;
  const base: usize = <usize>row0 << 3;
  for (let j: i32 = 0; j < n; j++) {
    const off: usize = <usize>j << 3;
    const p = resultIsConst ? resultVal : load<f64>(resultPtr + off);
    let t = termS(loss, p, base + off);
    if (dataW != 0) t *= load<f64>(dataW + base + off);
    sum += t;
  }
  return sum;
}

export function programLoss(code: usize, consts: usize, len: i32, loss: i32, scratch: usize, simd: bool): f64 {
  let total: f64 = 0.0;
  for (let row0: i32 = 0; row0 < nRows; row0 += BLOCK) {
    const n = min(BLOCK, nRows - row0);
    const nEval = simd ? (n + 1) & ~1 : n; // the padding row repeats the last row
    if (!evalBlock(code, consts, len, row0, nEval, scratch, simd, true)) return Infinity;
    total += simd ? blockSumV(loss, row0, n) : blockSumS(loss, row0, n);
    if (!(total - total == 0.0)) return Infinity;
  }
  const result = total / sumW;
  return result - result == 0.0 ? result : Infinity;
}

/** The loss on the f32x4 path: each block evaluated in f32, its predictions widened to f64, the sum in f64. */
export function programLoss32(code: usize, consts: usize, len: i32, loss: i32, scratch: usize): f64 {
  let total: f64 = 0.0;
  const wide = widenBuffer(scratch);
  for (let row0: i32 = 0; row0 < nRows; row0 += BLOCK) {
    const n = min(BLOCK, nRows - row0);
    const nEval = (n + 3) & ~3; // the padding rows repeat the last row
    if (!evalBlock32(code, consts, len, row0, nEval, scratch, true)) return Infinity;
    if (resultIsConst) {
      const v = <f64><f32>resultVal;
      if (!(v - v == 0.0)) return Infinity;
      setResult(true, 0, v);
    } else {
      widen(resultPtr, wide, <usize>nEval << 2);
      setResult(false, wide, 0.0);
    }
    total += blockSumV(loss, row0, n);
    if (!(total - total == 0.0)) return Infinity;
  }
  const result = total / sumW;
  return result - result == 0.0 ? result : Infinity;
}

/** Below this fraction of the target's variance the scaled loss is recomputed from residuals (see programLossScaled). */
const SCALED_RECHECK: f64 = 1e-8;

/**
 * Mean squared error of the best a * p + b (weighted least squares in closed form), on f64 evaluation.
 * Weighted means and centred sums are kept per block and merged (Chan et al.), so a large mean does not cancel the
 * variance. A predictor with no variance gets a = 0 (the loss of the mean). The closed form carries a rounding
 * error of about 1e-16 of the target's variance, far above the exact floor, so a near-exact fit (loss under
 * SCALED_RECHECK of the variance) is evaluated a second time and scored from its residuals y - (a p + b).
 */
export function programLossScaled(code: usize, consts: usize, len: i32, scratch: usize, simd: bool): f64 {
  let W: f64 = 0.0, mp: f64 = 0.0, my: f64 = 0.0, cpp: f64 = 0.0, cpy: f64 = 0.0, cyy: f64 = 0.0;
  const weighted = dataW != 0;
  for (let row0: i32 = 0; row0 < nRows; row0 += BLOCK) {
    const n = min(BLOCK, nRows - row0);
    const nEval = simd ? (n + 1) & ~1 : n;
    if (!evalBlock(code, consts, len, row0, nEval, scratch, simd, true)) return Infinity;
    const base: usize = <usize>row0 << 3;
    let wb: f64 = 0.0, sp: f64 = 0.0, sy: f64 = 0.0;
    for (let j: i32 = 0; j < n; j++) {
      const off: usize = <usize>j << 3;
      const w = weighted ? load<f64>(dataW + base + off) : 1.0;
      wb += w;
      sp += w * (resultIsConst ? resultVal : load<f64>(resultPtr + off));
      sy += w * load<f64>(dataY + base + off);
    }
    if (!(wb > 0.0)) continue;
    const bp = sp / wb, by = sy / wb;
    let bpp: f64 = 0.0, bpy: f64 = 0.0, byy: f64 = 0.0;
    for (let j: i32 = 0; j < n; j++) {
      const off: usize = <usize>j << 3;
      const w = weighted ? load<f64>(dataW + base + off) : 1.0;
      const dp = (resultIsConst ? resultVal : load<f64>(resultPtr + off)) - bp;
      const dy = load<f64>(dataY + base + off) - by;
      bpp += w * dp * dp;
      bpy += w * dp * dy;
      byy += w * dy * dy;
    }
    const total = W + wb;
    const dmp = bp - mp, dmy = by - my, f = W * wb / total;
    mp += dmp * wb / total;
    my += dmy * wb / total;
    cpp += bpp + dmp * dmp * f;
    cpy += bpy + dmp * dmy * f;
    cyy += byy + dmy * dmy * f;
    W = total;
    if (!(cpp - cpp == 0.0) || !(cpy - cpy == 0.0)) return Infinity;
  }
  if (!(W > 0.0)) return Infinity;
  // a predictor whose spread is at rounding level of its mean carries no signal: the mean's loss
  const flat = !(cpp > 1e-24 * mp * mp * W) || !(cpp > 1e-300);
  const a = flat ? 0.0 : cpy / cpp;
  const b = my - a * mp;
  let loss = flat ? cyy / W : max(0.0, cyy - cpy * a) / W;
  if (!flat && loss < SCALED_RECHECK * cyy / W) loss = scaledResiduals(code, consts, len, scratch, simd, a, b);
  return loss - loss == 0.0 ? loss : Infinity;
}

function scaledResiduals(code: usize, consts: usize, len: i32, scratch: usize, simd: bool, a: f64, b: f64): f64 {
  let total: f64 = 0.0;
  for (let row0: i32 = 0; row0 < nRows; row0 += BLOCK) {
    const n = min(BLOCK, nRows - row0);
    const nEval = simd ? (n + 1) & ~1 : n;
    if (!evalBlock(code, consts, len, row0, nEval, scratch, simd, true)) return Infinity;
    const base: usize = <usize>row0 << 3;
    for (let j: i32 = 0; j < n; j++) {
      const off: usize = <usize>j << 3;
      const d = a * (resultIsConst ? resultVal : load<f64>(resultPtr + off)) + b - load<f64>(dataY + base + off);
      total += (dataW != 0 ? load<f64>(dataW + base + off) : 1.0) * d * d;
    }
  }
  return total / sumW;
}
