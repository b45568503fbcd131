// Fused evaluation of two chained arithmetic operators (SIMD path): `a b op1 leaf op2`, i.e. (a op1 b) op2 leaf
// with op1, op2 in + - * / and leaf a feature or a constant, in one loop whose intermediate stays in a register
// instead of a round trip through the scratch block. The same operations in the same order as two separate
// loops, and the same non-finite checks (the divisor of a `/` when it is a vector), so results are bit-identical.
// One loop per operator pair and operand kinds (V8 does not unswitch loops): 16 pairs x 6 kinds.
import { OP_ADD, OP_SUB, OP_MUL, OP_DIV } from './opcodes';

@inline function arith(opc: i32, x: v128, y: v128): v128 {
  if (opc == OP_ADD) return f64x2.add(x, y);
  if (opc == OP_SUB) return f64x2.sub(x, y);
  if (opc == OP_MUL) return f64x2.mul(x, y);
  return f64x2.div(x, y);
}

@inline function checkV(bad: v128, x: v128): v128 { return f64x2.add(bad, f64x2.mul(x, f64x2.splat(0.0))); }

@inline function loop(opc1: i32, opc2: i32, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  let bad = f64x2.splat(0.0);
  for (let i: usize = 0; i < nb; i += 16) {
    const a = aC ? c : v128.load(pa + i);
    const b = bC ? c : v128.load(pb + i);
    const l = lC ? cl : v128.load(pl + i);
    if (opc1 == OP_DIV && !bC) bad = checkV(bad, b);
    if (opc2 == OP_DIV && !lC) bad = checkV(bad, l);
    v128.store(out + i, arith(opc2, arith(opc1, a, b), l));
  }
  return bad;
}

@inline function kinds(opc1: i32, opc2: i32, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  if (aC) return lC ? loop(opc1, opc2, true, false, true, pa, pb, pl, c, cl, out, nb) : loop(opc1, opc2, true, false, false, pa, pb, pl, c, cl, out, nb);
  if (bC) return lC ? loop(opc1, opc2, false, true, true, pa, pb, pl, c, cl, out, nb) : loop(opc1, opc2, false, true, false, pa, pb, pl, c, cl, out, nb);
  return lC ? loop(opc1, opc2, false, false, true, pa, pb, pl, c, cl, out, nb) : loop(opc1, opc2, false, false, false, pa, pb, pl, c, cl, out, nb);
}

@inline function second(opc1: i32, opc2: i32, aC: bool, bC: bool, lC: bool, pa: usize, pb: usize, pl: usize, c: v128, cl: v128, out: usize, nb: usize): v128 {
  if (opc2 == OP_ADD) return kinds(opc1, OP_ADD, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  if (opc2 == OP_SUB) return kinds(opc1, OP_SUB, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  if (opc2 == OP_MUL) return kinds(opc1, OP_MUL, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
  return kinds(opc1, OP_DIV, aC, bC, lC, pa, pb, pl, c, cl, out, nb);
}

/** Whether `opc` is one of the operators fusedV chains. */
@inline export function fusable(opc: i32): bool { return opc >= OP_ADD && opc <= OP_DIV; }

/**
 * out = (a opc1 b) opc2 l over nb bytes. a, b: vectors pa/pb, or one of them the constant c (aConst / bConst);
 * l: the vector pl or the constant cl (lConst). Returns false when `check` and a vector divisor is not finite.
 */
export function fusedV(opc1: i32, opc2: i32, pa: usize, pb: usize, c: f64, aConst: bool, bConst: bool, pl: usize, cl: f64, lConst: bool, out: usize, nb: usize, check: bool): bool {
  const cv = f64x2.splat(c);
  const clv = f64x2.splat(cl);
  let bad: v128;
  if (opc1 == OP_ADD) bad = second(OP_ADD, opc2, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else if (opc1 == OP_SUB) bad = second(OP_SUB, opc2, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else if (opc1 == OP_MUL) bad = second(OP_MUL, opc2, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  else bad = second(OP_DIV, opc2, aConst, bConst, lConst, pa, pb, pl, cv, clv, out, nb);
  if (!check) return true;
  return f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0;
}
