// Fused evaluation of two chained arithmetic operators (SIMD path): `a b op1 leaf op2`, i.e. (a op1 b) op2 leaf
// with leaf a feature or a constant, and `l a b op1 op2`, i.e. l op2 (a op1 b) with l the slot below a, with
// op1, op2 in + - * /, in one loop whose intermediate stays in a register
// instead of a round trip through the scratch block. The same operations in the same order as two separate
// loops, and the same non-finite checks (the divisor of a `/` when it is a vector), so results are bit-identical.
// One loop per operator pair and operand kinds (V8 does not unswitch loops): 16 pairs x 6 kinds x 2 orders.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV } from './opcodes';

@inline function arith(opc: i32, x: v128, y: v128): v128 {
  if (opc == OP_ADD) return f64x2.add(x, y);
  if (opc == OP_SUB) return f64x2.sub(x, y);
  if (opc == OP_MUL) return f64x2.mul(x, y);
  return f64x2.div(x, y);
}

@inline function checkV(bad: v128, x: v128): v128 { return f64x2.add(bad, f64x2.mul(x, f64x2.splat(0.0))); }

// unrolled by two pairs (V8 does not unroll): half the loop overhead; an odd last pair is done alone
@inline function loop(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  let bad = f64x2.splat(0.0);
  let bad2 = f64x2.splat(0.0);
  const nb2 = nb & ~(<usize>31);
  let i: usize = 0;
  for (; i < nb2; i += 32) {
    const a0 = aC ? c : v128.load(pa + i);
    const b0 = bC ? c : v128.load(pb + i);
    const l0 = lC ? cl : v128.load(pl + i);
    const a1 = aC ? c : v128.load(pa + i, 16);
    const b1 = bC ? c : v128.load(pb + i, 16);
    const l1 = lC ? cl : v128.load(pl + i, 16);
    const t0 = arith(opc1, a0, b0);
    const t1 = arith(opc1, a1, b1);
    if (opc1 == OP_DIV && !bC) { bad = checkV(bad, b0); bad2 = checkV(bad2, b1); }
    if (opc2 == OP_DIV && sw) { bad = checkV(bad, t0); bad2 = checkV(bad2, t1); }
    if (opc2 == OP_DIV && !sw && !lC) { bad = checkV(bad, l0); bad2 = checkV(bad2, l1); }
    v128.store(out + i, sw ? arith(opc2, l0, t0) : arith(opc2, t0, l0));
    v128.store(out + i, sw ? arith(opc2, l1, t1) : arith(opc2, t1, l1), 16);
  }
  if (i < nb) {
    const a = aC ? c : v128.load(pa + i);
    const b = bC ? c : v128.load(pb + i);
    const l = lC ? cl : v128.load(pl + i);
    const t = arith(opc1, a, b);
    if (opc1 == OP_DIV && !bC) bad = checkV(bad, b);
    if (opc2 == OP_DIV && sw) bad = checkV(bad, t);
    if (opc2 == OP_DIV && !sw && !lC) bad = checkV(bad, l);
    v128.store(out + i, sw ? arith(opc2, l, t) : arith(opc2, t, l));
  }
  return f64x2.add(bad, bad2);
}

/** out = a opc b over nb bytes (a, b: vectors, or one of them the constant c), unrolled like `loop`; returns the divisor check. */
@inline export function arithLoop(opc: i32, aC: bool, bC: bool, pa: usize, pb: usize, c: v128, out: usize, nb: usize): v128 {
  let bad = f64x2.splat(0.0);
  let bad2 = f64x2.splat(0.0);
  const nb2 = nb & ~(<usize>31);
  let i: usize = 0;
  for (; i < nb2; i += 32) {
    const a0 = aC ? c : v128.load(pa + i);
    const b0 = bC ? c : v128.load(pb + i);
    const a1 = aC ? c : v128.load(pa + i, 16);
    const b1 = bC ? c : v128.load(pb + i, 16);
    if (opc == OP_DIV && !bC) { bad = checkV(bad, b0); bad2 = checkV(bad2, b1); }
    v128.store(out + i, arith(opc, a0, b0));
    v128.store(out + i, arith(opc, a1, b1), 16);
  }
  if (i < nb) {
    const a = aC ? c : v128.load(pa + i);
    const b = bC ? c : v128.load(pb + i);
    if (opc == OP_DIV && !bC) bad = checkV(bad, b);
    v128.store(out + i, arith(opc, a, b));
  }
  return f64x2.add(bad, bad2);
}

@inline function kinds(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  if (aC) return lC ? loop(opc1, opc2, sw, true, false, true, pa, pb, pl, c, cl, out, nb) : loop(opc1, opc2, sw, true, false, false, pa, pb, pl, c, cl, out, nb);
  if (bC) return lC ? loop(opc1, opc2, sw, false, true, true, pa, pb, pl, c, cl, out, nb) : loop(opc1, opc2, sw, false, true, false, pa, pb, pl, c, cl, out, nb);
  return lC ? loop(opc1, opc2, sw, false, false, true, pa, pb, pl, c, cl, out, nb) : loop(opc1, opc2, sw, false, false, false, pa, pb, pl, c, cl, out, nb);
}

@inline function swapped(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  return sw ? kinds(opc1, opc2, true, aC, bC, lC, pa, pb, pl, c, cl, out, nb) : kinds(opc1, opc2, false, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
}

@inline function second(opc1: i32, opc2: i32, sw: bool, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  if (opc2 == OP_ADD) return swapped(opc1, OP_ADD, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  if (opc2 == OP_SUB) return swapped(opc1, OP_SUB, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  if (opc2 == OP_MUL) return swapped(opc1, OP_MUL, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  return swapped(opc1, OP_DIV, sw, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
}

/** Whether `opc` is one of the operators fusedV chains. */
@inline export function fusable(opc: i32): bool { return opc >= OP_ADD && opc <= OP_DIV; }

/**
 * out = (a opc1 b) opc2 l, or with `swapped` out = l opc2 (a opc1 b), over nb bytes. a, b: vectors pa/pb, or one
 * of them the constant c (aConst / bConst); l: the vector pl or the constant cl (lConst). Returns false when
 * `check` and a vector divisor is not finite.
 */
export function fusedV(opc1: i32, opc2: i32, swapped: bool, pa: usize, pb: usize, c: f64, aConst: bool, bConst: bool, pl: usize, cl: f64, lConst: bool, out: usize, nb: usize, check: bool): bool {
  const cv = f64x2.splat(c);
  const clv = f64x2.splat(cl);
  let bad: v128;
  if (opc1 == OP_ADD) bad = second(OP_ADD, opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else if (opc1 == OP_SUB) bad = second(OP_SUB, opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else if (opc1 == OP_MUL) bad = second(OP_MUL, opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else bad = second(OP_DIV, opc2, swapped, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  if (!check) return true;
  return f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0;
}
