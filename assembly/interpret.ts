// Postfix program evaluation over one block of rows: one interpreter for both lane types, T = f64 (f64x2 lanes,
// or the scalar path) and T = f32 (f32x4 lanes on the f32 copies of the feature columns, precision 'f32').
//
// The operand stack holds slots: a vector (a pointer to BLOCK rows: a feature column of the dataset, or the
// scratch buffer of that stack position) or a scalar constant (always f64). Leaves cost nothing: a feature pushes
// a pointer, a constant pushes its value; operators on two scalars fold in f64. Results go to the scratch buffer of
// the stack position they occupy. The operators themselves are in assembly/eval.ts (f64) and eval32.ts (f32);
// two chained arithmetic operators run as one loop (assembly/fused.ts) on the SIMD paths.
//
// Non-finite detection (loss mode): every non-finite value either reaches the program's output or enters an
// operator that can turn it finite again (the divisor of `/`, inv, exp, tanh, min, max, pow); those inputs are
// checked, constants are checked when pushed and folded (and, in f32, when rounded to f32 to meet a vector), and
// the output is checked by the loss. So a program has a non-finite intermediate on some row exactly when this
// evaluation reports it.
import { OP_CONST, OP_FEATURE, OP_NEG } from './opcodes';
import { dataX, stride, dataX32, stride32, BLOCK, MAX_STACK } from './data';
import { foldUnary, foldBinary, unaryV, binaryV, unaryS, binaryS } from './eval';
import { unary32, binary32, finite32 } from './eval32';
import { fusable, fusedV } from './fused';

const KIND_VEC: i32 = 0;
const KIND_CONST: i32 = 1;
const SLOT_KIND = memory.data(MAX_STACK * 4);
const SLOT_PTR = memory.data(MAX_STACK * 8);
const SLOT_VAL = memory.data(MAX_STACK * 8);

// the result of the last evaluation: a constant, or a block of T (f64 or f32) at resultPtr
export let resultIsConst: bool = false;
export let resultPtr: usize = 0;
export let resultVal: f64 = 0.0;

/** Sets the result of the last evaluation (the f32 path hands its widened result to the loss this way). */
export function setResult(isConst: bool, ptr: usize, val: f64): void {
  resultIsConst = isConst;
  resultPtr = ptr;
  resultVal = val;
}

@inline function kindAt(i: i32): i32 { return load<i32>(SLOT_KIND + (<usize>i << 2)); }
@inline function ptrAt(i: i32): usize { return load<usize>(SLOT_PTR + (<usize>i << 3)); }
@inline function valAt(i: i32): f64 { return load<f64>(SLOT_VAL + (<usize>i << 3)); }
@inline function setVec(i: i32, p: usize): void {
  store<i32>(SLOT_KIND + (<usize>i << 2), KIND_VEC);
  store<usize>(SLOT_PTR + (<usize>i << 3), p);
}
@inline function setConst(i: i32, v: f64): void {
  store<i32>(SLOT_KIND + (<usize>i << 2), KIND_CONST);
  store<f64>(SLOT_VAL + (<usize>i << 3), v);
}
@inline function finite(v: f64): bool { return v - v == 0.0; }

// a constant meeting a vector of T: f64 constants were checked when pushed; in f32 it must also be finite once rounded
@inline function laneFinite<T>(c: f64): bool { return sizeof<T>() == 8 || finite32(c); }

@inline function interpret<T>(code: usize, consts: usize, len: i32, row0: i32, nRowsBlock: i32, scratch: usize, simd: bool, check: bool): bool {
  const wide = sizeof<T>() == 8;
  const blockBytes: usize = <usize>BLOCK * sizeof<T>();
  const nb: usize = <usize>nRowsBlock * sizeof<T>();
  // the f32 path's temporaries for the operators it computes in f64 (after its slots)
  const tmp = scratch + <usize>MAX_STACK * blockBytes;
  let sp: i32 = 0;
  for (let ip: i32 = 0; ip < len; ip++) {
    const at = code + (<usize>ip << 3);
    const opc = load<i32>(at);
    const arg = load<i32>(at, 4);
    if (opc == OP_CONST) {
      const v = load<f64>(consts + (<usize>arg << 3));
      if (check && !finite(v)) return false;
      setConst(sp++, v);
    } else if (opc == OP_FEATURE) {
      setVec(sp++, wide ? dataX + ((<usize>arg * <usize>stride + <usize>row0) << 3) : dataX32 + ((<usize>arg * <usize>stride32 + <usize>row0) << 2));
    } else if (opc >= OP_NEG) {
      const i = sp - 1;
      if (kindAt(i) == KIND_CONST) {
        const v = foldUnary(opc, valAt(i));
        if (check && !finite(v)) return false;
        setConst(i, v);
      } else {
        const out = scratch + <usize>i * blockBytes;
        const ok = !wide ? unary32(opc, ptrAt(i), out, nb, check, tmp)
          : simd ? unaryV(opc, ptrAt(i), out, nb, check) : unaryS(opc, ptrAt(i), out, nb, check);
        if (!ok) return false;
        setVec(i, out);
      }
    } else {
      const ia = sp - 2;
      const ib = sp - 1;
      sp--;
      const aConst = kindAt(ia) == KIND_CONST;
      const bConst = kindAt(ib) == KIND_CONST;
      if (aConst && bConst) {
        const v = foldBinary(opc, valAt(ia), valAt(ib));
        if (check && !finite(v)) return false;
        setConst(ia, v);
      } else {
        const out = scratch + <usize>ia * blockBytes;
        const c = aConst ? valAt(ia) : bConst ? valAt(ib) : 0.0;
        const pa: usize = aConst ? 0 : ptrAt(ia);
        const pb: usize = bConst ? 0 : ptrAt(ib);
        if (simd && fusable(opc)) {
          if (check && (aConst || bConst) && !laneFinite<T>(c)) return false;
          // `a b op1 leaf op2` with arithmetic op1, op2: one fused loop
          if (ip + 2 < len) {
            const leafOpc = load<i32>(at, 8);
            const opc2 = load<i32>(at, 16);
            if ((leafOpc == OP_CONST || leafOpc == OP_FEATURE) && fusable(opc2)) {
              const leafArg = load<i32>(at, 12);
              const lConst = leafOpc == OP_CONST;
              const cl = lConst ? load<f64>(consts + (<usize>leafArg << 3)) : 0.0;
              if (check && lConst && !(finite(cl) && laneFinite<T>(cl))) return false;
              const pl: usize = lConst ? 0 : wide ? dataX + ((<usize>leafArg * <usize>stride + <usize>row0) << 3) : dataX32 + ((<usize>leafArg * <usize>stride32 + <usize>row0) << 2);
              if (!fusedV<T>(opc, opc2, false, pa, pb, c, aConst, bConst, pl, cl, lConst, out, nb, check)) return false;
              setVec(ia, out);
              ip += 2;
              continue;
            }
          }
          // `l a b op1 op2` with arithmetic op1, op2: l op2 (a op1 b) in one loop, into l's slot
          if (ia > 0 && ip + 1 < len && fusable(load<i32>(at, 8))) {
            const il = ia - 1;
            const lConst = kindAt(il) == KIND_CONST;
            const cl = lConst ? valAt(il) : 0.0;
            if (check && lConst && !laneFinite<T>(cl)) return false;
            const outL = scratch + <usize>il * blockBytes;
            if (!fusedV<T>(opc, load<i32>(at, 8), true, pa, pb, c, aConst, bConst, lConst ? 0 : ptrAt(il), cl, lConst, outL, nb, check)) return false;
            setVec(il, outL);
            sp--;
            ip += 1;
            continue;
          }
        }
        const ok = !wide ? binary32(opc, pa, pb, c, aConst, bConst, out, nb, check, tmp)
          : simd ? binaryV(opc, pa, pb, c, aConst, bConst, out, nb, check) : binaryS(opc, pa, pb, c, aConst, bConst, out, nb, check);
        if (!ok) return false;
        setVec(ia, out);
      }
    }
  }
  resultIsConst = kindAt(0) == KIND_CONST;
  resultPtr = resultIsConst ? 0 : ptrAt(0);
  resultVal = resultIsConst ? valAt(0) : 0.0;
  return true;
}

/**
 * Evaluate one program in f64 over rows [row0, row0 + nRowsBlock) of the dataset (nRowsBlock even on the SIMD
 * path). With `check`, returns false as soon as a non-finite value is certain; the result (a block of f64) is in
 * resultIsConst / resultPtr / resultVal. scratch: MAX_STACK x BLOCK f64.
 */
export function evalBlock(code: usize, consts: usize, len: i32, row0: i32, nRowsBlock: i32, scratch: usize, simd: bool, check: bool): bool {
  return interpret<f64>(code, consts, len, row0, nRowsBlock, scratch, simd, check);
}

/**
 * The same in f32 (nRowsBlock a multiple of 4); the result is a block of f32. scratch: MAX_STACK x BLOCK f32 for
 * the slots, then 2 x BLOCK f64 of temporaries.
 */
export function evalBlock32(code: usize, consts: usize, len: i32, row0: i32, nRowsBlock: i32, scratch: usize, check: bool): bool {
  return interpret<f32>(code, consts, len, row0, nRowsBlock, scratch, true, check);
}
