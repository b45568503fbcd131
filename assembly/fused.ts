// The arithmetic loops of both lane types: T = f64 (f64x2) or f32 (f32x4), the same code instantiated twice.
//
// binaryLanes: a op b for op in + - * / min max, a and b vectors or one of them a constant.
// unaryLanes: neg, square, cube, sqrt, abs, inv (the native lane operations).
// fusedV: two chained arithmetic operators in one loop whose intermediate stays in a register instead of a round
// trip through the scratch block: `a b op1 leaf op2`, i.e. (a op1 b) op2 leaf with leaf a feature or a constant,
// and `l a b op1 op2`, i.e. l op2 (a op1 b) with l the slot below a, with op1, op2 in + - * /. The same
// operations in the same order as two separate loops, and the same non-finite checks (the divisor of a `/` when it
// is a vector; both operands of min and max), so results are bit-identical to the unfused evaluation.
// One loop per operator (pair) and operand kinds, because V8 neither unswitches nor unrolls loops: the loops are
// unrolled by two vectors, an odd last vector done alone.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE, OP_SQRT, OP_ABS, OP_INV } from './opcodes';

@inline function zero<T>(): v128 { return v128.splat<T>(<T>0); }

@inline function arith<T>(opc: i32, x: v128, y: v128): v128 {
  if (opc == OP_ADD) return v128.add<T>(x, y);
  if (opc == OP_SUB) return v128.sub<T>(x, y);
  if (opc == OP_MUL) return v128.mul<T>(x, y);
  if (opc == OP_DIV) return v128.div<T>(x, y);
  if (opc == OP_MIN) return v128.min<T>(x, y);
  return v128.max<T>(x, y);
}

/** bad + x * 0: stays 0 while x is finite. */
@inline export function checkLanes<T>(bad: v128, x: v128): v128 { return v128.add<T>(bad, v128.mul<T>(x, zero<T>())); }

/** Whether every lane of an accumulated check is 0 (no NaN or Infinity went in). */
@inline export function clean<T>(bad: v128): bool { return !v128.any_true(v128.ne<T>(bad, zero<T>())); }

// ---------------------------------------------------------------- one operator

// unrolled by two vectors, the odd last one alone (written out: inlined helper calls would multiply the locals of
// the large functions these loops are inlined into, and binaryen's time on them)
@inline function binaryLoop<T>(opc: i32, aC: bool, bC: bool, pa: usize, pb: usize, c: v128, out: usize, nb: usize): v128 {
  const checkA = (opc == OP_MIN || opc == OP_MAX) && !aC;
  const checkB = (opc == OP_DIV || opc == OP_MIN || opc == OP_MAX) && !bC;
  let bad = zero<T>();
  let bad2 = zero<T>();
  const nb2 = nb & ~(<usize>31);
  let i: usize = 0;
  for (; i < nb2; i += 32) {
    const a0 = aC ? c : v128.load(pa + i);
    const b0 = bC ? c : v128.load(pb + i);
    const a1 = aC ? c : v128.load(pa + i, 16);
    const b1 = bC ? c : v128.load(pb + i, 16);
    if (checkA) { bad = checkLanes<T>(bad, a0); bad2 = checkLanes<T>(bad2, a1); }
    if (checkB) { bad = checkLanes<T>(bad, b0); bad2 = checkLanes<T>(bad2, b1); }
    v128.store(out + i, arith<T>(opc, a0, b0));
    v128.store(out + i, arith<T>(opc, a1, b1), 16);
  }
  if (i < nb) {
    const a = aC ? c : v128.load(pa + i);
    const b = bC ? c : v128.load(pb + i);
    if (checkA) bad = checkLanes<T>(bad, a);
    if (checkB) bad = checkLanes<T>(bad, b);
    v128.store(out + i, arith<T>(opc, a, b));
  }
  return v128.add<T>(bad, bad2);
}

@inline function binaryKinds<T>(opc: i32, aC: bool, bC: bool, pa: usize, pb: usize, c: v128, out: usize, nb: usize): v128 {
  if (aC) return binaryLoop<T>(opc, true, false, pa, pb, c, out, nb);
  if (bC) return binaryLoop<T>(opc, false, true, pa, pb, c, out, nb);
  return binaryLoop<T>(opc, false, false, pa, pb, c, out, nb);
}

/**
 * out = a opc b over nb bytes for opc in + - * / min max; a, b: vectors pa/pb, or one of them the constant c
 * (aConst / bConst). Returns false when `check` and a checked operand is not finite.
 */
export function binaryLanes<T>(opc: i32, pa: usize, pb: usize, c: f64, aConst: bool, bConst: bool, out: usize, nb: usize, check: bool): bool {
  const cv = v128.splat<T>(<T>c);
  let bad: v128;
  switch (opc) {
    case OP_ADD: bad = binaryKinds<T>(OP_ADD, aConst, bConst, pa, pb, cv, out, nb); break;
    case OP_SUB: bad = binaryKinds<T>(OP_SUB, aConst, bConst, pa, pb, cv, out, nb); break;
    case OP_MUL: bad = binaryKinds<T>(OP_MUL, aConst, bConst, pa, pb, cv, out, nb); break;
    case OP_DIV: bad = binaryKinds<T>(OP_DIV, aConst, bConst, pa, pb, cv, out, nb); break;
    case OP_MIN: bad = binaryKinds<T>(OP_MIN, aConst, bConst, pa, pb, cv, out, nb); break;
    default: bad = binaryKinds<T>(OP_MAX, aConst, bConst, pa, pb, cv, out, nb); break;
  }
  return !check || clean<T>(bad);
}

@inline function unaryOp<T>(opc: i32, a: v128): v128 {
  if (opc == OP_NEG) return v128.neg<T>(a);
  if (opc == OP_SQUARE) return v128.mul<T>(a, a);
  if (opc == OP_CUBE) return v128.mul<T>(v128.mul<T>(a, a), a);
  if (opc == OP_SQRT) return v128.sqrt<T>(a);
  if (opc == OP_ABS) return v128.abs<T>(a);
  return v128.div<T>(v128.splat<T>(<T>1), a); // OP_INV
}

// inv's input is checked (1 / Infinity is finite)
@inline function unaryLoop<T>(opc: i32, src: usize, out: usize, nb: usize): v128 {
  let bad = zero<T>();
  for (let i: usize = 0; i < nb; i += 16) {
    const a = v128.load(src + i);
    if (opc == OP_INV) bad = checkLanes<T>(bad, a);
    v128.store(out + i, unaryOp<T>(opc, a));
  }
  return bad;
}

/** out = opc(src) over nb bytes for opc in neg square cube sqrt abs inv; false when `check` and inv's input is not finite. */
export function unaryLanes<T>(opc: i32, src: usize, out: usize, nb: usize, check: bool): bool {
  let bad: v128;
  switch (opc) {
    case OP_NEG: bad = unaryLoop<T>(OP_NEG, src, out, nb); break;
    case OP_SQUARE: bad = unaryLoop<T>(OP_SQUARE, src, out, nb); break;
    case OP_CUBE: bad = unaryLoop<T>(OP_CUBE, src, out, nb); break;
    case OP_SQRT: bad = unaryLoop<T>(OP_SQRT, src, out, nb); break;
    case OP_ABS: bad = unaryLoop<T>(OP_ABS, src, out, nb); break;
    default: bad = unaryLoop<T>(OP_INV, src, out, nb); break;
  }
  return !check || clean<T>(bad);
}

// ---------------------------------------------------------------- two chained operators

@inline function fusedLoop<T>(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  const checkB = opc1 == OP_DIV && !bC;
  const checkT = opc2 == OP_DIV && sw;
  const checkL = opc2 == OP_DIV && !sw && !lC;
  let bad = zero<T>();
  let bad2 = zero<T>();
  const nb2 = nb & ~(<usize>31);
  let i: usize = 0;
  for (; i < nb2; i += 32) {
    const a0 = aC ? c : v128.load(pa + i);
    const b0 = bC ? c : v128.load(pb + i);
    const l0 = lC ? cl : v128.load(pl + i);
    const a1 = aC ? c : v128.load(pa + i, 16);
    const b1 = bC ? c : v128.load(pb + i, 16);
    const l1 = lC ? cl : v128.load(pl + i, 16);
    const t0 = arith<T>(opc1, a0, b0);
    const t1 = arith<T>(opc1, a1, b1);
    if (checkB) { bad = checkLanes<T>(bad, b0); bad2 = checkLanes<T>(bad2, b1); }
    if (checkT) { bad = checkLanes<T>(bad, t0); bad2 = checkLanes<T>(bad2, t1); }
    if (checkL) { bad = checkLanes<T>(bad, l0); bad2 = checkLanes<T>(bad2, l1); }
    v128.store(out + i, sw ? arith<T>(opc2, l0, t0) : arith<T>(opc2, t0, l0));
    v128.store(out + i, sw ? arith<T>(opc2, l1, t1) : arith<T>(opc2, t1, l1), 16);
  }
  if (i < nb) {
    const a = aC ? c : v128.load(pa + i);
    const b = bC ? c : v128.load(pb + i);
    const l = lC ? cl : v128.load(pl + i);
    const t = arith<T>(opc1, a, b);
    if (checkB) bad = checkLanes<T>(bad, b);
    if (checkT) bad = checkLanes<T>(bad, t);
    if (checkL) bad = checkLanes<T>(bad, l);
    v128.store(out + i, sw ? arith<T>(opc2, l, t) : arith<T>(opc2, t, l));
  }
  return v128.add<T>(bad, bad2);
}

@inline function kinds<T>(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  if (aC) return lC ? fusedLoop<T>(opc1, opc2, sw, true, false, true, pa, pb, pl, c, cl, out, nb) : fusedLoop<T>(opc1, opc2, sw, true, false, false, pa, pb, pl, c, cl, out, nb);
  if (bC) return lC ? fusedLoop<T>(opc1, opc2, sw, false, true, true, pa, pb, pl, c, cl, out, nb) : fusedLoop<T>(opc1, opc2, sw, false, true, false, pa, pb, pl, c, cl, out, nb);
  return lC ? fusedLoop<T>(opc1, opc2, sw, false, false, true, pa, pb, pl, c, cl, out, nb) : fusedLoop<T>(opc1, opc2, sw, false, false, false, pa, pb, pl, c, cl, out, nb);
}

@inline function swapped<T>(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  return sw ? kinds<T>(opc1, opc2, true, aC, bC, lC, pa, pb, pl, c, cl, out, nb) : kinds<T>(opc1, opc2, false, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
}

@inline function second<T>(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  if (opc2 == OP_ADD) return swapped<T>(opc1, OP_ADD, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  if (opc2 == OP_SUB) return swapped<T>(opc1, OP_SUB, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  if (opc2 == OP_MUL) return swapped<T>(opc1, OP_MUL, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  return swapped<T>(opc1, OP_DIV, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
}

// one function per first operator (each holding 48 loops), not one holding all 192: binaryen's time grows faster
// than a function's size
function firstAdd<T>(opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 { return second<T>(OP_ADD, opc2, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb); }
function firstSub<T>(opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 { return second<T>(OP_SUB, opc2, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb); }
function firstMul<T>(opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 { return second<T>(OP_MUL, opc2, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb); }
function firstDiv<T>(opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 { return second<T>(OP_DIV, opc2, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb); }

/** Whether `opc` is one of the operators fusedV chains. */
@inline export function fusable(opc: i32): bool { return opc >= OP_ADD && opc <= OP_DIV; }

/**
 * out = (a opc1 b) opc2 l, or with `swapped` out = l opc2 (a opc1 b), over nb bytes. a, b: vectors pa/pb, or one
 * of them the constant c (aConst / bConst); l: the vector pl or the constant cl (lConst). Returns false when
 * `check` and a vector divisor is not finite.
 */
export function fusedV<T>(opc1: i32, opc2: i32, swapped: bool, pa: usize, pb: usize, c: f64, aConst: bool, bConst: bool, pl: usize, cl: f64, lConst: bool, out: usize, nb: usize, check: bool): bool {
  const cv = v128.splat<T>(<T>c);
  const clv = v128.splat<T>(<T>cl);
  let bad: v128;
  if (opc1 == OP_ADD) bad = firstAdd<T>(opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else if (opc1 == OP_SUB) bad = firstSub<T>(opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else if (opc1 == OP_MUL) bad = firstMul<T>(opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else bad = firstDiv<T>(opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  return !check || clean<T>(bad);
}
