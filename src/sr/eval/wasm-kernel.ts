/**
 * The WASM kernel from TypeScript: loads build/release.wasm, owns its memory layout, validates every input
 * before it crosses the boundary (so no trap reaches the user), and implements `Evaluator`.
 *
 * Memory layout above the module's heap base (16-byte aligned regions):
 *   [eval scratch: MAX_STACK x BLOCK f64] [X: nFeatures x stride f64] [y] [log y] [1/|y|] [weights]   (per dataset)
 *   [X32: nFeatures x stride32 f32]                                            (per dataset, precision 'f32' only)
 *   [batch: code i32 pairs | consts f64 | starts i32 pairs | lens i32 | out f64 | jacobian scratch]  (per call)
 * Memory only grows when a dataset or a batch needs more than it has ever needed; views are re-created after
 * every call that may grow it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SrError } from '../errors.js';
import type { Program } from '../expression/compile.js';
import { MAX_STACK_DEPTH } from '../expression/compile.js';
import { validateDataset } from './dataset.js';
import { PRECISIONS, type Dataset, type Evaluator, type JacobianResult, type KernelLoss, type Precision } from './types.js';
import { validateProgram } from './validate-program.js';

export { validateProgram };

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  setData(x: number, y: number, w: number, logY: number, invAbsY: number, nRows: number, stride: number): void;
  evalLosses(code: number, consts: number, starts: number, lens: number, n: number, loss: number, simd: number, scratch: number, out: number): void;
  predict(code: number, consts: number, len: number, simd: number, scratch: number, out: number): void;
  jacobian(code: number, consts: number, len: number, nConsts: number, scratch: number, outPred: number, outJac: number, maxStack: number, simd: number): number;
  jacobianScratchF64(maxStack: number, nConsts: number): number;
  setData32(x32: number, stride32: number): void;
  sumOfSquares(pred: number, y: number, n: number): number;
  normalEquations(pred: number, y: number, jac: number, nC: number, n: number, r: number, out: number): number;
  BLOCK: WebAssembly.Global;
  MAX_STACK: WebAssembly.Global;
  [name: string]: unknown;
}

const LOSS_CODES: Record<KernelLoss, number> = { mse: 0, mae: 1, mape: 2, msle: 3, 'mse-scaled': 4 };
/** the kernel's evaluation modes (MODE_* in assembly/index.ts) */
const MODE_SCALAR = 0;
const MODE_F64X2 = 1;
const MODE_F32X4 = 2;
/** Programs per kernel call: bounds the batch region however many programs are asked for. */
const CHUNK_PROGRAMS = 2048;
const PAGE = 65536;

let cachedModule: WebAssembly.Module | undefined;

/** Path of the compiled kernel (build/release.wasm, beside src/ and dist/). */
export function kernelPath(): string {
  return fileURLToPath(new URL('../../../build/release.wasm', import.meta.url));
}

/**
 * Hands the kernel a module compiled elsewhere: a browser (or any host without node:fs) fetches build/release.wasm
 * and compiles it once (`WebAssembly.compileStreaming`), then every evaluator in that thread instantiates it
 * without reading a file. Node never needs this: it reads the file on first use.
 */
export function setKernelModule(module: WebAssembly.Module): void {
  if (!(module instanceof WebAssembly.Module)) throw new SrError('WASM_LOAD_FAILED', 'setKernelModule needs a compiled WebAssembly.Module');
  cachedModule = module;
}

/** Compiles the kernel from its bytes (a fetched build/release.wasm) and keeps it for this thread's evaluators. */
export async function loadKernelFromBytes(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Promise<void> {
  try {
    setKernelModule(await WebAssembly.compile(bytes));
  } catch (err) {
    if ((err as { code?: string }).code) throw err;
    throw new SrError('WASM_LOAD_FAILED', `the WASM kernel could not be compiled (${(err as Error).message}); this browser needs WebAssembly SIMD`);
  }
}

function loadModule(): WebAssembly.Module {
  if (cachedModule) return cachedModule;
  const path = kernelPath();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new SrError('WASM_LOAD_FAILED', `the WASM kernel ${path} is missing; run "npm run build" first`);
  }
  try {
    cachedModule = new WebAssembly.Module(new Uint8Array(bytes));
  } catch (err) {
    throw new SrError('WASM_LOAD_FAILED', `the WASM kernel ${path} could not be compiled (${(err as Error).message}); this Node.js needs WebAssembly SIMD (Node >= 16.4)`);
  }
  return cachedModule;
}

const align16 = (n: number): number => (n + 15) & ~15;

export interface WasmEvaluatorOptions {
  /** SIMD (default) or the scalar path */
  simd?: boolean;
  /**
   * 'f64' (default): f64x2 lanes. 'f32': losses and predictions on f32x4 lanes over f32 copies of the features,
   * the loss summed in f64 (SIMD only); Jacobians are always f64.
   */
  precision?: Precision;
}

function checkPrecision(precision: unknown, simd: boolean): Precision {
  if (!PRECISIONS.includes(precision as Precision)) {
    throw new SrError('INVALID_OPTION', `precision must be one of ${PRECISIONS.join(', ')}, got ${String(precision)}`);
  }
  if (precision === 'f32' && !simd) throw new SrError('INVALID_OPTION', 'precision "f32" needs the SIMD path (simd: true)');
  return precision as Precision;
}

/** A program's code pairs (the array itself when it holds nothing more, as compiled programs do). */
function codeOf(p: Program): Int32Array {
  return p.code.length === 2 * p.length ? p.code : p.code.subarray(0, 2 * p.length);
}

/** A kernel call threw (a trap): our own errors pass through, anything else becomes WASM_FAILED. (Calls are not
 * wrapped in a closure: made on every evaluation, closures were a measurable share of a search's allocation.) */
function failed(err: unknown): never {
  if ((err as { code?: string }).code) throw err;
  throw new SrError('WASM_FAILED', `the WASM kernel failed: ${(err as Error).message}`);
}

/** out = heap[at, at + out.length): a loop for short arrays (no view object made), set() for long ones. */
function copyOut(heap: Float64Array, at: number, out: Float64Array): void {
  const n = out.length;
  if (n > 4096) { out.set(heap.subarray(at, at + n)); return; }
  for (let i = 0; i < n; i++) out[i] = heap[at + i];
}

export class WasmEvaluator implements Evaluator {
  private readonly simd: boolean;
  private precision: Precision;
  private readonly k: KernelExports;
  private readonly block: number;
  private readonly scratchPtr: number;
  private readonly scratchBytes: number;
  private dataEnd: number;
  /** where writeProgram put the constants, and where runJacobian put the predictions (the Jacobian after them) */
  private constsPtr = 0;
  /** the dataset's y column */
  private yPtr = 0;
  private jacPredPtr = 0;
  private nRows = 0;
  private nFeatures = 0;
  private yAllPositive = false;
  private yNoZero = false;
  private hasData = false;
  /** the f32 feature columns of the current dataset are in memory */
  private hasData32 = false;
  private data: Dataset | undefined;
  // views of the whole memory for the per-call copies (no new view per program), made again after the memory grew
  private heapBuffer: ArrayBuffer | undefined;
  private heapF64 = new Float64Array(0);
  private heapI32 = new Int32Array(0);

  constructor(options: WasmEvaluatorOptions = {}) {
    this.simd = options.simd ?? true;
    this.precision = checkPrecision(options.precision ?? 'f64', this.simd);
    const instance = new WebAssembly.Instance(loadModule(), {
      env: {
        abort: () => { throw new SrError('WASM_FAILED', 'the WASM kernel aborted'); },
        seed: () => 0,
        hostSin: Math.sin,
        hostCos: Math.cos,
      },
    });
    this.k = instance.exports as unknown as KernelExports;
    this.block = this.k.BLOCK.value as number;
    if ((this.k.MAX_STACK.value as number) < MAX_STACK_DEPTH) {
      throw new SrError('WASM_LOAD_FAILED', 'the WASM kernel was built with a smaller stack than the compiler allows; rebuild it');
    }
    this.scratchPtr = align16(this.k.heapBase());
    // the kernel's stack (at least MAX_STACK_DEPTH) x BLOCK f64: the f64 slots, or the f32 slots and f64 temporaries
    this.scratchBytes = align16((this.k.MAX_STACK.value as number) * this.block * 8);
    this.dataEnd = this.scratchPtr + this.scratchBytes;
    this.ensure(this.dataEnd);
  }

  /** 'wasm-simd', 'wasm-simd-f32' or 'wasm-scalar' */
  get name(): string {
    return !this.simd ? 'wasm-scalar' : this.precision === 'f32' ? 'wasm-simd-f32' : 'wasm-simd';
  }

  /** Size of the kernel's linear memory in bytes. */
  memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  private ensure(bytes: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** The whole-memory views, current (a grown memory has a new buffer; views of the old one are empty). */
  private heap(): void {
    const b = this.k.memory.buffer;
    if (b !== this.heapBuffer) {
      this.heapBuffer = b;
      this.heapF64 = new Float64Array(b);
      this.heapI32 = new Int32Array(b);
    }
  }

  private f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, ptr, n);
  }

  setDataset(data: Dataset): void {
    validateDataset(data);
    const { nFeatures, nRows, X, y, weights } = data;
    const stride = nRows + (nRows & 1);
    const colBytes = align16(stride * 8);
    const xPtr = this.scratchPtr + this.scratchBytes;
    const yPtr = xPtr + nFeatures * colBytes;
    const logYPtr = yPtr + colBytes;
    const invPtr = logYPtr + colBytes;
    const wPtr = weights ? invPtr + colBytes : 0;
    this.dataEnd = (weights ? wPtr : invPtr) + colBytes;
    this.ensure(this.dataEnd);
    const pad = (dst: Float64Array, src: Float64Array, offset: number): void => {
      dst.set(src.subarray(offset, offset + nRows));
      if (stride > nRows) dst[nRows] = src[offset + nRows - 1];
    };
    for (let f = 0; f < nFeatures; f++) pad(this.f64(xPtr + f * colBytes, stride), X, f * nRows);
    pad(this.f64(yPtr, stride), y, 0);
    if (weights) pad(this.f64(wPtr, stride), weights, 0);
    this.k.setData(xPtr, yPtr, wPtr, logYPtr, invPtr, nRows, stride);
    this.yPtr = yPtr;
    this.nRows = nRows;
    this.nFeatures = nFeatures;
    this.yAllPositive = y.every((v) => v > 0);
    this.yNoZero = y.every((v) => v !== 0);
    this.hasData = true;
    this.hasData32 = false;
    this.data = data;
    if (this.precision === 'f32') this.loadData32();
  }

  /** Switches losses and predictions to f32x4 lanes (or back to f64); the f32 columns are made once per dataset. */
  setPrecision(precision: Precision): void {
    this.precision = checkPrecision(precision, this.simd);
    if (precision === 'f32' && this.hasData) this.loadData32();
  }

  /** Writes f32 copies of the feature columns after the f64 dataset (stride a multiple of 4, padding repeating the last row). */
  private loadData32(): void {
    if (this.hasData32 || !this.data) return;
    const { nFeatures, nRows, X } = this.data;
    const stride32 = (nRows + 3) & ~3;
    const x32Ptr = this.dataEnd;
    this.dataEnd = align16(x32Ptr + nFeatures * stride32 * 4);
    this.ensure(this.dataEnd);
    for (let f = 0; f < nFeatures; f++) {
      const col = new Float32Array(this.k.memory.buffer, x32Ptr + f * stride32 * 4, stride32);
      col.set(X.subarray(f * nRows, (f + 1) * nRows));
      col.fill(X[f * nRows + nRows - 1], nRows);
    }
    this.k.setData32(x32Ptr, stride32);
    this.hasData32 = true;
  }

  private mode(): number {
    return !this.simd ? MODE_SCALAR : this.precision === 'f32' ? MODE_F32X4 : MODE_F64X2;
  }

  private requireData(): void {
    if (!this.hasData) throw new SrError('INVALID_DATA', 'no dataset: call setDataset(data) before evaluating');
  }

  losses(programs: readonly Program[], loss: KernelLoss): Float64Array {
    this.requireData();
    const lossCode = LOSS_CODES[loss];
    if (lossCode === undefined) {
      throw new SrError('INVALID_OPTION', `unknown loss "${String(loss)}"; expected one of ${Object.keys(LOSS_CODES).join(', ')}`);
    }
    if (loss === 'msle' && !this.yAllPositive) throw new SrError('INVALID_DATA', 'loss "msle" needs every target value > 0');
    if (loss === 'mape' && !this.yNoZero) throw new SrError('INVALID_DATA', 'loss "mape" needs every target value non-zero');
    for (let i = 0; i < programs.length; i++) validateProgram(programs[i], this.nFeatures, i);
    if (programs.length <= CHUNK_PROGRAMS) return this.lossChunk(programs, lossCode);
    const out = new Float64Array(programs.length);
    for (let start = 0; start < programs.length; start += CHUNK_PROGRAMS) {
      const chunk = programs.slice(start, start + CHUNK_PROGRAMS);
      out.set(this.lossChunk(chunk, lossCode), start);
    }
    return out;
  }

  private lossChunk(programs: readonly Program[], lossCode: number): Float64Array {
    const n = programs.length;
    let nInstr = 0;
    let nConsts = 0;
    for (const p of programs) { nInstr += p.length; nConsts += p.consts.length; }
    const codePtr = this.dataEnd;
    const constsPtr = align16(codePtr + nInstr * 8);
    const startsPtr = align16(constsPtr + nConsts * 8);
    const lensPtr = align16(startsPtr + n * 8);
    const outPtr = align16(lensPtr + n * 4);
    this.ensure(outPtr + n * 8);
    this.heap();
    const { heapI32, heapF64 } = this;
    let ci = 0;
    let ki = 0;
    for (let p = 0; p < n; p++) {
      const prog = programs[p];
      heapI32[(startsPtr >> 2) + 2 * p] = ci;
      heapI32[(startsPtr >> 2) + 2 * p + 1] = ki;
      heapI32[(lensPtr >> 2) + p] = prog.length;
      heapI32.set(codeOf(prog), (codePtr >> 2) + 2 * ci);
      heapF64.set(prog.consts, (constsPtr >> 3) + ki);
      ci += prog.length;
      ki += prog.consts.length;
    }
    try { this.k.evalLosses(codePtr, constsPtr, startsPtr, lensPtr, n, lossCode, this.mode(), this.scratchPtr, outPtr); } catch (err) { failed(err); }
    this.heap();
    return this.heapF64.slice(outPtr >> 3, (outPtr >> 3) + n);
  }

  /**
   * Writes one program at the start of the batch region (its code at dataEnd, its constants at constsPtr);
   * returns the first free byte after it. (Plain numbers, no result object: this runs on every evaluation of
   * constant fitting, where each object was garbage to collect.)
   */
  private writeProgram(program: Program): number {
    const codePtr = this.dataEnd;
    const constsPtr = align16(codePtr + program.length * 8);
    const end = align16(constsPtr + program.consts.length * 8);
    this.ensure(end);
    this.heap();
    this.heapI32.set(codeOf(program), codePtr >> 2);
    this.heapF64.set(program.consts, constsPtr >> 3);
    this.constsPtr = constsPtr;
    return end;
  }

  /** Runs `program` over the rows; returns the byte offset of its predictions in the kernel's memory. */
  private runPredict(program: Program): number {
    this.requireData();
    validateProgram(program, this.nFeatures, 0);
    const end = this.writeProgram(program);
    this.ensure(end + this.nRows * 8);
    try { this.k.predict(this.dataEnd, this.constsPtr, program.length, this.mode(), this.scratchPtr, end); } catch (err) { failed(err); }
    this.heap();
    return end;
  }

  predict(program: Program): Float64Array {
    const at = this.runPredict(program) >> 3;
    return this.heapF64.slice(at, at + this.nRows);
  }

  /** As predict, written into `out` (one value per row): no allocation. */
  predictInto(program: Program, out: Float64Array): void {
    this.requireData();
    this.checkOut('predictions', out.length, this.nRows);
    const at = this.runPredict(program) >> 3; // (first: the call may grow the memory and renew heapF64)
    copyOut(this.heapF64, at, out);
  }

  /** Runs the Jacobian of `program`; returns whether all is finite. Its predictions start at jacPredPtr, the Jacobian follows them. */
  private runJacobian(program: Program): boolean {
    this.requireData();
    validateProgram(program, this.nFeatures, 0);
    const nC = program.consts.length;
    const scratch = this.writeProgram(program);
    const scratchF64 = this.simd ? this.k.jacobianScratchF64(program.maxStack, nC) : program.maxStack * (1 + nC);
    const predPtr = align16(scratch + scratchF64 * 8);
    const jacPtr = predPtr + this.nRows * 8; // right after the predictions: one copy out for both
    this.ensure(jacPtr + nC * this.nRows * 8);
    let finite = 0;
    try { finite = this.k.jacobian(this.dataEnd, this.constsPtr, program.length, nC, scratch, predPtr, jacPtr, program.maxStack, this.simd ? 1 : 0); } catch (err) { failed(err); }
    this.heap();
    this.jacPredPtr = predPtr;
    return finite === 1;
  }

  jacobian(program: Program): JacobianResult {
    const nC = program.consts.length;
    const finite = this.runJacobian(program);
    const predPtr = this.jacPredPtr;
    // one allocation for both (typed arrays of this size live outside V8's heap and cost the GC per allocation)
    const both = this.heapF64.slice(predPtr >> 3, (predPtr >> 3) + (1 + nC) * this.nRows);
    return { predictions: both.subarray(0, this.nRows), jac: both.subarray(this.nRows), finite };
  }

  /**
   * As jacobian, written into `predictions` (one value per row) and `jac` (constant-major, nConsts x rows): no
   * allocation. Returns `finite`.
   */
  jacobianInto(program: Program, predictions: Float64Array, jac: Float64Array): boolean {
    this.requireData();
    this.checkOut('predictions', predictions.length, this.nRows);
    this.checkOut('jac', jac.length, program.consts.length * this.nRows);
    const finite = this.runJacobian(program);
    const predPtr = this.jacPredPtr;
    copyOut(this.heapF64, predPtr >> 3, predictions);
    copyOut(this.heapF64, (predPtr >> 3) + this.nRows, jac);
    return finite;
  }

  /** Where the values of y are in the kernel's memory: the dataset's column when y is the dataset's own y, else a copy written at `at`. */
  private yAt(y: Float64Array, at: number): number {
    if (this.data && y === this.data.y) return this.yPtr;
    this.ensure(at + y.length * 8);
    this.heap();
    this.heapF64.set(y, at >> 3);
    return at;
  }

  /**
   * The sum over rows, in row order, of (prediction - y)^2 for the program's predictions (as `predict`); Infinity
   * when it is not finite. Levenberg-Marquardt's trial steps: the predictions are not copied out.
   */
  sumOfSquaresOf(program: Program, y: Float64Array): number {
    this.requireData();
    this.checkOut('y', y.length, this.nRows);
    const at = this.runPredict(program);
    const yPtr = this.yAt(y, align16(at + this.nRows * 8));
    let s = Infinity;
    try { s = this.k.sumOfSquares(at, yPtr, this.nRows); } catch (err) { failed(err); }
    return Number.isFinite(s) ? s : Infinity;
  }

  /**
   * The program's Jacobian (as `jacobian`) turned into the normal equations of the residuals r = prediction - y:
   * A = J^T J into `A` (nConsts x nConsts, row-major) and g = J^T r into `g`; returns the sum of squares of r, or
   * Infinity (A and g untouched) when a prediction, a derivative or the sum is not finite. Every sum runs over the
   * rows in order. Levenberg-Marquardt's linearisation: neither the predictions nor the Jacobian are copied out.
   */
  normalEquationsInto(program: Program, y: Float64Array, A: number[] | Float64Array, g: number[] | Float64Array): number {
    this.requireData();
    this.checkOut('y', y.length, this.nRows);
    const nC = program.consts.length;
    if (A.length < nC * nC || g.length < nC) throw new SrError('LENGTH_MISMATCH', `A needs ${nC * nC} values and g ${nC}; got ${A.length} and ${g.length}`);
    if (!this.runJacobian(program)) return Infinity;
    const n = this.nRows;
    const predPtr = this.jacPredPtr;
    const jacEnd = align16(predPtr + (1 + nC) * n * 8);
    const yPtr = this.yAt(y, jacEnd);
    const rPtr = align16(jacEnd + n * 8);
    const outPtr = align16(rPtr + n * 8);
    this.ensure(outPtr + (1 + nC + nC * nC) * 8);
    let sse = Infinity;
    try { sse = this.k.normalEquations(predPtr, yPtr, predPtr + n * 8, nC, n, rPtr, outPtr); } catch (err) { failed(err); }
    if (!Number.isFinite(sse)) return Infinity;
    this.heap();
    const h = this.heapF64;
    const gAt = (outPtr >> 3) + 1;
    for (let k = 0; k < nC; k++) g[k] = h[gAt + k];
    for (let k = 0; k < nC * nC; k++) A[k] = h[gAt + nC + k];
    return sse;
  }

  private checkOut(name: string, length: number, expected: number): void {
    if (length !== expected) throw new SrError('LENGTH_MISMATCH', `${name} has ${length} values; the evaluator's dataset needs ${expected} (${this.nRows} rows)`);
  }

  dispose(): void {
    this.hasData = false;
    this.hasData32 = false;
    this.data = undefined;
  }
}

/** A WASM evaluator (SIMD by default). Synchronous: the module is compiled once per thread. */
export function createWasmEvaluator(options: WasmEvaluatorOptions = {}): WasmEvaluator {
  return new WasmEvaluator(options);
}
