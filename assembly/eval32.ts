// The f32 operators of the interpreter (assembly/interpret.ts), precision 'f32': four rows per lane group, on f32
// copies of the feature columns. Constants fold in f64 (assembly/eval.ts) and are rounded to f32 where they meet a
// vector, where an f32 overflow counts as non-finite.
//
// + - * / min max neg square cube sqrt abs inv are native f32x4 operations (IEEE single, correctly rounded): the
// loops of assembly/fused.ts. exp, log, sin, cos, cbrt, tanh, asin, acos and pow are computed by the f64x2 functions of
// assembly/vmath.ts on the values widened to f64, then rounded to f32: error at most half an f32 ulp beyond that of
// the f64 function (about 1 ulp). The loss (assembly/loss.ts) widens the predictions to f64 and accumulates in f64.
import { OP_POW, OP_NEG, OP_SQUARE, OP_CUBE, OP_SQRT, OP_ABS, OP_INV } from './opcodes';
import { BLOCK, MAX_STACK } from './data';
import { unaryV, binaryV } from './eval';
import { binaryLanes, unaryLanes } from './fused';

const BLOCK32_BYTES: usize = <usize>BLOCK << 2;
const BLOCK64_BYTES: usize = <usize>BLOCK << 3;

@inline function finite(v: f64): bool { return v - v == 0.0; }

/** Whether the constant c, rounded to f32, is finite in f32. */
@inline export function finite32(c: f64): bool { return finite(<f64><f32>c); }

/** Widens nb32 bytes of f32 at src to f64 at out. */
export function widen(src: usize, out: usize, nb32: usize): void {
  for (let i: usize = 0; i < nb32; i += 16) {
    const v = v128.load(src + i);
    v128.store(out + (i << 1), f64x2.promote_low_f32x4(v));
    v128.store(out + (i << 1) + 16, f64x2.promote_low_f32x4(i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
  }
}

/** Rounds the f64 at src to f32 at out (nb32 bytes of output). */
function narrow(src: usize, out: usize, nb32: usize): void {
  for (let i: usize = 0; i < nb32; i += 16) {
    const lo = f32x4.demote_f64x2_zero(v128.load(src + (i << 1)));
    const hi = f32x4.demote_f64x2_zero(v128.load(src + (i << 1) + 16));
    v128.store(out + i, i8x16.shuffle(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
  }
}

/** opc(src) over nb bytes of f32; tmp: 2 x BLOCK f64 of temporaries. */
export function unary32(opc: i32, src: usize, out: usize, nb: usize, check: bool, tmp: usize): bool {
  if (opc == OP_NEG || opc == OP_SQUARE || opc == OP_CUBE || opc == OP_SQRT || opc == OP_ABS || opc == OP_INV) {
    return unaryLanes<f32>(opc, src, out, nb, check);
  }
  // exp, log, sin, cos, cbrt, tanh, asin, acos: in f64 (with its checks), rounded to f32
  widen(src, tmp, nb);
  const ok = unaryV(opc, tmp, tmp, nb << 1, check);
  narrow(tmp, out, nb);
  return ok;
}

/** a opc b over nb bytes of f32 (a, b: vectors pa/pb, or one of them the constant c); tmp as for unary32. */
export function binary32(opc: i32, pa: usize, pb: usize, c: f64, aIsConst: bool, bIsConst: bool, out: usize, nb: usize, check: bool, tmp: usize): bool {
  if (opc == OP_POW) {
    // in f64 on the widened operands (a constant operand rounded to f32 first), rounded to f32
    const cf = <f32>c;
    const tmpB = tmp + (nb << 1);
    if (!aIsConst) widen(pa, tmp, nb);
    if (!bIsConst) widen(pb, tmpB, nb);
    const ok = binaryV(OP_POW, tmp, tmpB, <f64>cf, aIsConst, bIsConst, tmp, nb << 1, check);
    narrow(tmp, out, nb);
    return ok;
  }
  // the constant, rounded to f32, must be finite in f32
  if (check && (aIsConst || bIsConst) && !finite32(c)) return false;
  return binaryLanes<f32>(opc, pa, pb, c, aIsConst, bIsConst, out, nb, check);
}

/** Where the loss widens a result block: after the f32 slots and the temporaries of unary32 / binary32. */
export function widenBuffer(scratch: usize): usize {
  return scratch + <usize>MAX_STACK * BLOCK32_BYTES + 2 * BLOCK64_BYTES;
}
