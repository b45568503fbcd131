// Forward-mode derivatives of a program's predictions with respect to its constants, for Levenberg-Marquardt:
// the SIMD path. The rules, and the constant ranges that bound which tangents each slot computes, are those of
// assembly/jacobian-scalar.ts, applied with the same operations in the same order, so both paths (and the
// reference evaluator) agree to the last bit.
//
// Rows go in blocks of JAC_BLOCK. Every stack slot owns two value buffers (an operator writes its value into the
// one its operand does not occupy, so nothing is copied) and one tangent buffer per constant, each JAC_BLOCK rows; each operator runs one f64x2 loop for its value, one for its derivative factor(s), then one loop
// per constant of its range, two constants per pass where it can (their loops share the operands' loads).
import {
  OP_CONST, OP_FEATURE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX, OP_NEG, OP_SQUARE, OP_CUBE,
  OP_SQRT, OP_CBRT, OP_EXP, OP_LOG, OP_ABS, OP_INV, OP_SIN, OP_COS, OP_TANH,
  OP_ASIN, OP_ACOS,
} from './opcodes';
import { dataX, stride, nRows, MAX_STACK } from './data';
import { unaryV, binaryV } from './eval';
import { loAt, hiAt, setRange, setUnion, jacobianScalar } from './jacobian-scalar';

/** Rows per block of the Jacobian (its buffers: (maxStack x (2 + nConsts) + 4) x JAC_BLOCK f64). */
export const JAC_BLOCK: i32 = 128;
const JB_BYTES: usize = <usize>JAC_BLOCK << 3;
const VAL_PTR = memory.data(MAX_STACK * 8);

@inline function valAt(i: i32): usize { return load<usize>(VAL_PTR + (<usize>i << 3)); }
@inline function setVal(i: i32, p: usize): void { store<usize>(VAL_PTR + (<usize>i << 3), p); }

@inline function fill(out: usize, v: f64, nb: usize): void {
  const s = f64x2.splat(v);
  for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, s);
}

@inline function copy(out: usize, src: usize, nb: usize): void {
  for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, v128.load(src + i));
}

/**
 * Copies n f64 from src to dst (dst need not be 16-byte aligned) two at a time, and returns bad + each value x 0
 * (lanes stay 0 while every value is finite).
 */
@inline function copyChecked(dst: usize, src: usize, n: i32, bad: v128): v128 {
  const zero = f64x2.splat(0.0);
  const nb = <usize>(n & ~1) << 3;
  for (let i: usize = 0; i < nb; i += 16) {
    const x = v128.load(src + i);
    v128.store(dst + i, x);
    bad = f64x2.add(bad, f64x2.mul(x, zero));
  }
  if (n & 1) {
    const x = load<f64>(src + nb);
    store<f64>(dst + nb, x);
    bad = f64x2.add(bad, f64x2.splat(x * 0.0));
  }
  return bad;
}

/** g = d op(a) / d a, from a and v = op(a), into out (the factors of jacobian-scalar.ts's unaryFactor). */
function unaryFactorV(opc: i32, a: usize, v: usize, out: usize, nb: usize): void {
  const one = f64x2.splat(1.0);
  switch (opc) {
    case OP_NEG: fill(out, -1.0, nb); break;
    case OP_SQUARE: { const c = f64x2.splat(2.0); for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.mul(c, v128.load(a + i))); break; }
    case OP_CUBE: { const c = f64x2.splat(3.0); for (let i: usize = 0; i < nb; i += 16) { const x = v128.load(a + i); v128.store(out + i, f64x2.mul(c, f64x2.mul(x, x))); } break; }
    case OP_SQRT: { const c = f64x2.splat(0.5); for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.div(c, v128.load(v + i))); break; }
    case OP_CBRT: { const c = f64x2.splat(3.0); for (let i: usize = 0; i < nb; i += 16) { const y = v128.load(v + i); v128.store(out + i, f64x2.div(one, f64x2.mul(c, f64x2.mul(y, y)))); } break; }
    case OP_EXP: copy(out, v, nb); break;
    case OP_LOG: for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.div(one, v128.load(a + i))); break;
    case OP_ABS: {
      const zero = f64x2.splat(0.0);
      const m1 = f64x2.splat(-1.0);
      for (let i: usize = 0; i < nb; i += 16) {
        const x = v128.load(a + i);
        v128.store(out + i, v128.bitselect(one, v128.bitselect(m1, zero, f64x2.lt(x, zero)), f64x2.gt(x, zero)));
      }
      break;
    }
    case OP_INV: for (let i: usize = 0; i < nb; i += 16) { const y = v128.load(v + i); v128.store(out + i, f64x2.neg(f64x2.mul(y, y))); } break;
    case OP_SIN: unaryV(OP_COS, a, out, nb, false); break;
    case OP_COS: {
      unaryV(OP_SIN, a, out, nb, false);
      for (let i: usize = 0; i < nb; i += 16) v128.store(out + i, f64x2.neg(v128.load(out + i)));
      break;
    }
    case OP_TANH: for (let i: usize = 0; i < nb; i += 16) { const y = v128.load(v + i); v128.store(out + i, f64x2.sub(one, f64x2.mul(y, y))); } break;
    case OP_ASIN: for (let i: usize = 0; i < nb; i += 16) { const x = v128.load(a + i); v128.store(out + i, f64x2.div(one, f64x2.sqrt(f64x2.mul(f64x2.sub(one, x), f64x2.add(one, x))))); } break;
    case OP_ACOS: for (let i: usize = 0; i < nb; i += 16) { const x = v128.load(a + i); v128.store(out + i, f64x2.neg(f64x2.div(one, f64x2.sqrt(f64x2.mul(f64x2.sub(one, x), f64x2.add(one, x)))))); } break;
  }
}

/** t = (t == 0 ? 0 : t * g) for the tangent buffer t (0 x Infinity at sqrt, log, inv of 0 is 0). */
@inline function chainUnary(t: usize, g: usize, nb: usize): void {
  const zero = f64x2.splat(0.0);
  for (let i: usize = 0; i < nb; i += 16) {
    const x = v128.load(t + i);
    v128.store(t + i, v128.bitselect(zero, f64x2.mul(x, v128.load(g + i)), f64x2.eq(x, zero)));
  }
}

// one binary tangent rule over a block: out = rule(ta, tb) with the operands a, b, the value v and, for pow, the
// factors p1 = b * a^(b - 1) and p2 = v * log(a)
@inline function ruleV(opc: i32, ta: v128, tb: v128, a: v128, b: v128, v: v128, p1: v128, p2: v128): v128 {
  const zero = f64x2.splat(0.0);
  switch (opc) {
    case OP_ADD: return f64x2.add(ta, tb);
    case OP_SUB: return f64x2.sub(ta, tb);
    case OP_MUL: return f64x2.add(f64x2.mul(ta, b), f64x2.mul(a, tb));
    case OP_DIV: return f64x2.div(f64x2.sub(ta, f64x2.mul(v, tb)), b);
    case OP_MIN: return v128.bitselect(ta, tb, f64x2.le(a, b));
    case OP_MAX: return v128.bitselect(ta, tb, f64x2.ge(a, b));
    default: { // OP_POW: t = 0; t += ta * p1 if ta != 0; t += tb * p2 if tb != 0 and v != 0
      const t1 = v128.bitselect(f64x2.mul(ta, p1), zero, f64x2.ne(ta, zero));
      const t2 = v128.bitselect(f64x2.mul(tb, p2), zero, v128.and(f64x2.ne(tb, zero), f64x2.ne(v, zero)));
      return f64x2.add(f64x2.add(zero, t1), t2);
    }
  }
}

// the tangents of constant k, and with `two` of k + 1 too (the operands, the value and the factors loaded once for
// both): ta/tb: each constant's operand tangent buffers (the zero buffer outside the operand's range), results in
// place of ta's buffer
@inline function tangentPass(opc: i32, two: bool, sa: usize, sb: usize, zeroBuf: usize, la: i32, ha: i32, lb: i32, hb: i32, k: i32, a: usize, b: usize, v: usize, p1: usize, p2: usize, nb: usize): void {
  const outA = sa + <usize>k * JB_BYTES;
  const outB = outA + JB_BYTES;
  const taA = k >= la && k < ha ? outA : zeroBuf;
  const tbA = k >= lb && k < hb ? sb + <usize>k * JB_BYTES : zeroBuf;
  const taB = k + 1 >= la && k + 1 < ha ? outB : zeroBuf;
  const tbB = k + 1 >= lb && k + 1 < hb ? sb + <usize>(k + 1) * JB_BYTES : zeroBuf;
  for (let i: usize = 0; i < nb; i += 16) {
    const av = v128.load(a + i);
    const bv = v128.load(b + i);
    const vv = opc == OP_DIV || opc == OP_POW ? v128.load(v + i) : av;
    const q1 = opc == OP_POW ? v128.load(p1 + i) : av;
    const q2 = opc == OP_POW ? v128.load(p2 + i) : av;
    v128.store(outA + i, ruleV(opc, v128.load(taA + i), v128.load(tbA + i), av, bv, vv, q1, q2));
    if (two) v128.store(outB + i, ruleV(opc, v128.load(taB + i), v128.load(tbB + i), av, bv, vv, q1, q2));
  }
}

// tangents of the constants [k0, k1) for one operator, two constants per pass
@inline function binaryTangentsOp(opc: i32, sa: usize, sb: usize, zeroBuf: usize, la: i32, ha: i32, lb: i32, hb: i32, k0: i32, k1: i32, a: usize, b: usize, v: usize, p1: usize, p2: usize, nb: usize): void {
  let k = k0;
  for (; k + 1 < k1; k += 2) tangentPass(opc, true, sa, sb, zeroBuf, la, ha, lb, hb, k, a, b, v, p1, p2, nb);
  if (k < k1) tangentPass(opc, false, sa, sb, zeroBuf, la, ha, lb, hb, k, a, b, v, p1, p2, nb);
}

// a loop specialised per operator (V8 does not unswitch loops)
function binaryTangents(opc: i32, sa: usize, sb: usize, zeroBuf: usize, la: i32, ha: i32, lb: i32, hb: i32, k0: i32, k1: i32, a: usize, b: usize, v: usize, p1: usize, p2: usize, nb: usize): void {
  switch (opc) {
    case OP_ADD: binaryTangentsOp(OP_ADD, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
    case OP_SUB: binaryTangentsOp(OP_SUB, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
    case OP_MUL: binaryTangentsOp(OP_MUL, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
    case OP_DIV: binaryTangentsOp(OP_DIV, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
    case OP_MIN: binaryTangentsOp(OP_MIN, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
    case OP_MAX: binaryTangentsOp(OP_MAX, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
    default: binaryTangentsOp(OP_POW, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, p1, p2, nb); break;
  }
}

/** The f64 count of the scratch the SIMD Jacobian needs. */
export function jacobianScratchF64(maxStack: i32, nConsts: i32): i32 {
  return (maxStack * (2 + nConsts) + 4) * JAC_BLOCK;
}

function jacobianSimd(code: usize, consts: usize, len: i32, nConsts: i32, scratch: usize, outPred: usize, outJac: usize, maxStack: i32): i32 {
  const slotBytes: usize = <usize>(2 + nConsts) * JB_BYTES; // tangent buffers, one per constant, then two value buffers
  const valOff: usize = <usize>nConsts * JB_BYTES;
  const t1 = scratch + <usize>maxStack * slotBytes;
  const t2 = t1 + JB_BYTES;
  const t3 = t2 + JB_BYTES;
  const zeroBuf = t3 + JB_BYTES;
  fill(zeroBuf, 0.0, JB_BYTES);
  let allFinite = true;
  for (let row0: i32 = 0; row0 < nRows; row0 += JAC_BLOCK) {
    const n = min(JAC_BLOCK, nRows - row0);
    const nb: usize = <usize>((n + 1) & ~1) << 3; // the padding row repeats the last row
    let sp: i32 = 0;
    for (let ip: i32 = 0; ip < len; ip++) {
      const at = code + (<usize>ip << 3);
      const opc = load<i32>(at);
      const arg = load<i32>(at, 4);
      if (opc == OP_CONST) {
        const s = scratch + <usize>sp * slotBytes;
        fill(s + valOff, load<f64>(consts + (<usize>arg << 3)), nb);
        fill(s + <usize>arg * JB_BYTES, 1.0, nb);
        setVal(sp, s + valOff);
        setRange(sp, arg, arg + 1);
        sp++;
      } else if (opc == OP_FEATURE) {
        setVal(sp, dataX + ((<usize>arg * <usize>stride + <usize>row0) << 3));
        setRange(sp, 0, 0);
        sp++;
      } else if (opc >= OP_NEG) {
        const i = sp - 1;
        const s = scratch + <usize>i * slotBytes;
        const a = valAt(i);
        const v = a == s + valOff ? s + valOff + JB_BYTES : s + valOff;
        unaryV(opc, a, v, nb, false);
        const lo = loAt(i), hi = hiAt(i);
        if (lo < hi) {
          unaryFactorV(opc, a, v, t2, nb);
          for (let k = lo; k < hi; k++) chainUnary(s + <usize>k * JB_BYTES, t2, nb);
        }
        setVal(i, v);
      } else {
        const ia = sp - 2;
        const ib = sp - 1;
        sp--;
        const sa = scratch + <usize>ia * slotBytes;
        const sb = sa + slotBytes;
        const a = valAt(ia);
        const b = valAt(ib);
        const v = a == sa + valOff ? sa + valOff + JB_BYTES : sa + valOff;
        binaryV(opc, a, b, 0.0, false, false, v, nb, false);
        const la = loAt(ia), ha = hiAt(ia), lb = loAt(ib), hb = hiAt(ib);
        setUnion(ia, ib);
        const k0 = loAt(ia), k1 = hiAt(ia);
        if (k0 < k1) {
          if (opc == OP_POW) {
            // p1 = b * a^(b - 1) in t2, p2 = v * log(a) in t3
            const one = f64x2.splat(1.0);
            for (let j: usize = 0; j < nb; j += 16) v128.store(t2 + j, f64x2.sub(v128.load(b + j), one));
            binaryV(OP_POW, a, t2, 0.0, false, false, t2, nb, false);
            for (let j: usize = 0; j < nb; j += 16) v128.store(t2 + j, f64x2.mul(v128.load(b + j), v128.load(t2 + j)));
            unaryV(OP_LOG, a, t3, nb, false);
            for (let j: usize = 0; j < nb; j += 16) v128.store(t3 + j, f64x2.mul(v128.load(v + j), v128.load(t3 + j)));
          }
          binaryTangents(opc, sa, sb, zeroBuf, la, ha, lb, hb, k0, k1, a, b, v, t2, t3, nb);
        }
        setVal(ia, v);
      }
    }
    const root = valAt(0);
    let bad = copyChecked(outPred + (<usize>row0 << 3), root, n, f64x2.splat(0.0));
    const lo = loAt(0), hi = hiAt(0);
    for (let k: i32 = 0; k < nConsts; k++) {
      const dst = outJac + ((<usize>k * <usize>nRows + <usize>row0) << 3);
      if (k >= lo && k < hi) {
        bad = copyChecked(dst, scratch + <usize>k * JB_BYTES, n, bad);
      } else {
        for (let j: i32 = 0; j < n; j++) store<f64>(dst + (<usize>j << 3), 0.0);
      }
    }
    if (!(f64x2.extract_lane(bad, 0) == 0.0 && f64x2.extract_lane(bad, 1) == 0.0)) allFinite = false;
  }
  return allFinite ? 1 : 0;
}

/**
 * Predictions to outPred[r], derivatives to outJac[c * nRows + r]. scratch: jacobianScratchF64(maxStack, nConsts)
 * f64 on the SIMD path, maxStack x (1 + nConsts) on the scalar path. Returns 1 when every value is finite, else 0.
 */
export function jacobian(code: usize, consts: usize, len: i32, nConsts: i32, scratch: usize, outPred: usize, outJac: usize, maxStack: i32, simd: i32): i32 {
  if (simd == 0) return jacobianScalar(code, consts, len, nConsts, scratch, outPred, outJac);
  return jacobianSimd(code, consts, len, nConsts, scratch, outPred, outJac, maxStack);
}
