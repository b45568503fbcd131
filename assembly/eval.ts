// The f64 operators of the interpreter (assembly/interpret.ts): the f64x2 SIMD path and the scalar path, and the
// constant folds both lane types share. + - * / min max and the native unary operations are the loops of
// assembly/fused.ts; exp, log, sin, cos, cbrt, tanh, asin, acos and pow are assembly/vmath.ts's lane functions, with the rare
// special lanes redone by assembly/mathlib.ts's scalar functions.
//
// Non-finite checks: an operator that can turn a non-finite input finite again (the divisor of `/`, inv, exp,
// tanh, min, max, pow) checks that input; see interpret.ts.
import {
  OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE, OP_SQRT, OP_CBRT, OP_EXP, OP_LOG, OP_ABS, OP_INV, OP_SIN, OP_COS, OP_TANH,
  OP_ASIN, OP_ACOS,
} from './opcodes';
import { binaryLanes, unaryLanes, checkLanes, clean } from './fused';
import { expS, logS, sinS, cosS, tanhS, cbrtS, powS, asinS, acosS } from './mathlib';
import {
  expSpecial, expFast, logSpecial, logFast, trigSpecial, sinCosFast, tanhV, cbrtSpecial, cbrtFast, zeroV, powIntLanes,
  powExponent, powSpecial, powFast, asinSpecial, asinFast, acosFast,
} from './vmath';

// lanes of the current unary loop that need the scalar function: pair offset and argument
const SIDE_OFF = memory.data(128 * 4);
const SIDE_X = memory.data(128 * 16);
const SIDE_Y = memory.data(128 * 16);

export function foldUnary(opc: i32, a: f64): f64 {
  switch (opc) {
    case OP_NEG: return -a;
    case OP_SQUARE: return a * a;
    case OP_CUBE: return a * a * a;
    case OP_SQRT: return Math.sqrt(a);
    case OP_CBRT: return cbrtS(a);
    case OP_EXP: return expS(a);
    case OP_LOG: return logS(a);
    case OP_ABS: return Math.abs(a);
    case OP_INV: return 1.0 / a;
    case OP_SIN: return sinS(a);
    case OP_COS: return cosS(a);
    case OP_TANH: return tanhS(a);
    case OP_ASIN: return asinS(a);
    case OP_ACOS: return acosS(a);
    default: return NaN;
  }
}

export function foldBinary(opc: i32, a: f64, b: f64): f64 {
  switch (opc) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return powS(a, b);
    case OP_MIN: return Math.min(a, b);
    case OP_MAX: return Math.max(a, b);
    default: return NaN;
  }
}

// ---------------------------------------------------------------- SIMD path


@inline function special(opc: i32, a: v128): v128 {
  if (opc == OP_EXP) return expSpecial(a);
  if (opc == OP_LOG) return logSpecial(a);
  if (opc == OP_CBRT) return cbrtSpecial(a);
  if (opc == OP_ASIN || opc == OP_ACOS) return asinSpecial(a);
  return trigSpecial(a);
}

@inline function fast(opc: i32, a: v128): v128 {
  if (opc == OP_EXP) return expFast(a);
  if (opc == OP_LOG) return logFast(a);
  if (opc == OP_CBRT) return cbrtFast(a);
  if (opc == OP_ASIN) return asinFast(a);
  if (opc == OP_ACOS) return acosFast(a);
  return sinCosFast(a, opc == OP_COS);
}

// exp, log, cbrt, sin, cos, asin, acos: the fast path in the loop; pairs with a special lane are noted and redone by the
// scalar function after the loop (nb <= BLOCK rows, so at most 128 pairs are noted)
@inline function transcendentalV(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  let bad = zeroV();
  let nSide: usize = 0;
  for (let i: usize = 0; i < nb; i += 16) {
    const a = v128.load(src + i);
    if (opc == OP_EXP) bad = checkLanes<f64>(bad, a);
    if (v128.any_true(special(opc, a))) {
      store<u32>(SIDE_OFF + (nSide << 2), <u32>i);
      v128.store(SIDE_X + (nSide << 4), a);
      nSide++;
    }
    v128.store(out + i, fast(opc, a));
  }
  for (let k: usize = 0; k < nSide; k++) {
    const o = out + <usize>load<u32>(SIDE_OFF + (k << 2));
    const a = SIDE_X + (k << 4);
    store<f64>(o, foldUnary(opc, load<f64>(a)));
    store<f64>(o, foldUnary(opc, load<f64>(a, 8)), 8);
  }
  return !check || clean<f64>(bad);
}

// pow: powFast in the loop, pairs with a special lane redone by powS after it (like transcendentalV)
@inline function powLoopV(pa: usize, pb: usize, cv: v128, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool): bool {
  let bad = zeroV();
  let nSide: usize = 0;
  for (let i: usize = 0; i < nb; i += 16) {
    const a = aIsConst ? cv : v128.load(pa + i);
    const b = bIsConst ? cv : v128.load(pb + i);
    if (!aIsConst) bad = checkLanes<f64>(bad, a);
    if (!bIsConst) bad = checkLanes<f64>(bad, b);
    const intLanes = powIntLanes(b);
    const t = powExponent(a, b);
    if (v128.any_true(powSpecial(a, b, t, intLanes))) {
      store<u32>(SIDE_OFF + (nSide << 2), <u32>i);
      v128.store(SIDE_X + (nSide << 4), a);
      v128.store(SIDE_Y + (nSide << 4), b);
      nSide++;
    }
    v128.store(out + i, powFast(a, b, t, intLanes));
  }
  for (let k: usize = 0; k < nSide; k++) {
    const o = out + <usize>load<u32>(SIDE_OFF + (k << 2));
    const x = SIDE_X + (k << 4);
    const y = SIDE_Y + (k << 4);
    store<f64>(o, powS(load<f64>(x), load<f64>(y)));
    store<f64>(o, powS(load<f64>(x, 8), load<f64>(y, 8)), 8);
  }
  return !check || clean<f64>(bad);
}

export function unaryV(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  switch (opc) {
    case OP_EXP: return transcendentalV(OP_EXP, src, out, nb, check);
    case OP_LOG: return transcendentalV(OP_LOG, src, out, nb, check);
    case OP_SIN: return transcendentalV(OP_SIN, src, out, nb, check);
    case OP_COS: return transcendentalV(OP_COS, src, out, nb, check);
    case OP_CBRT: return transcendentalV(OP_CBRT, src, out, nb, check);
    case OP_ASIN: return transcendentalV(OP_ASIN, src, out, nb, check);
    case OP_ACOS: return transcendentalV(OP_ACOS, src, out, nb, check);
    case OP_TANH: {
      let bad = zeroV();
      for (let i: usize = 0; i < nb; i += 16) { const a = v128.load(src + i); bad = checkLanes<f64>(bad, a); v128.store(out + i, tanhV(a)); }
      return !check || clean<f64>(bad);
    }
    default: return unaryLanes<f64>(opc, src, out, nb, check);
  }
}

// a and b are vectors (pa, pb), or one of them is the scalar c (aIsConst / bIsConst)
export function binaryV(opc: i32, pa: usize, pb: usize, c: f64, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool): bool {
  if (opc != OP_POW) return binaryLanes<f64>(opc, pa, pb, c, aIsConst, bIsConst, out, nb, check);
  const cv = f64x2.splat(c);
  if (aIsConst) return powLoopV(pa, pb, cv, true, false, out, nb, check);
  if (bIsConst) return powLoopV(pa, pb, cv, false, true, out, nb, check);
  return powLoopV(pa, pb, cv, false, false, out, nb, check);
}

// ---------------------------------------------------------------- scalar path

export function unaryS(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  let bad: f64 = 0.0;
  const absorbing = opc == OP_INV || opc == OP_EXP || opc == OP_TANH;
  for (let i: usize = 0; i < nb; i += 8) {
    const a = load<f64>(src + i);
    if (absorbing) bad += a * 0.0;
    store<f64>(out + i, foldUnary(opc, a));
  }
  return !check || bad == 0.0;
}

export function binaryS(opc: i32, pa: usize, pb: usize, c: f64, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool): bool {
  let bad: f64 = 0.0;
  const checkA = opc == OP_MIN || opc == OP_MAX || opc == OP_POW;
  const checkB = checkA || opc == OP_DIV;
  for (let i: usize = 0; i < nb; i += 8) {
    const a = aIsConst ? c : load<f64>(pa + i);
    const b = bIsConst ? c : load<f64>(pb + i);
    if (checkA && !aIsConst) bad += a * 0.0;
    if (checkB && !bIsConst) bad += b * 0.0;
    store<f64>(out + i, foldBinary(opc, a, b));
  }
  return !check || bad == 0.0;
}
