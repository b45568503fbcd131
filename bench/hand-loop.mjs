// The ceiling for bench:eval: every program of a workload written out as its own f64x2 AssemblyScript loop (the
// expression in registers, constants splatted once before the loop, the squared error accumulated in the same
// loop: what a programmer would write by hand for that one expression), compiled with asc in this process and
// measured in the same run as the kernel. Arithmetic only (+ - * /): the kernel's transcendentals have no
// hand-written counterpart here. No non-finite checks (the workloads' programs are all finite).
import asc from 'assemblyscript/asc';
import { OP_CONST, OP_FEATURE } from '../dist/sr/expression/operators.js';

const BINARY = { 2: 'add', 3: 'sub', 4: 'mul', 5: 'div' };

function programSource(p, index) {
  const stack = [];
  const consts = [];
  for (let i = 0; i < p.length; i++) {
    const opc = p.code[2 * i];
    const arg = p.code[2 * i + 1];
    if (opc === OP_CONST) {
      consts.push(`  const c${consts.length} = f64x2.splat(${p.consts[arg].toPrecision(17)});`);
      stack.push(`c${consts.length - 1}`);
    } else if (opc === OP_FEATURE) {
      stack.push(`v128.load(x + ${arg} * colBytes + i)`);
    } else if (BINARY[opc]) {
      const b = stack.pop();
      const a = stack.pop();
      stack.push(`f64x2.${BINARY[opc]}(${a}, ${b})`);
    } else {
      throw new Error(`hand-written loop: opcode ${opc} is not arithmetic`);
    }
  }
  return `export function p${index}(x: usize, y: usize, colBytes: usize, nBytes: usize): f64 {
${consts.join('\n')}
  let acc = f64x2.splat(0.0);
  for (let i: usize = 0; i < nBytes; i += 16) {
    const d = f64x2.sub(${stack[0]}, v128.load(y + i));
    acc = f64x2.add(acc, f64x2.mul(d, d));
  }
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}`;
}

/**
 * Compiles the programs (arithmetic only) over `data` (an even number of rows); returns `run()`, which evaluates
 * every program's mean squared error once, like one `losses(programs, 'mse')` call of the kernel.
 */
export async function handWrittenLoop(programs, data) {
  const { nRows, nFeatures, X, y } = data;
  if (nRows % 2 !== 0) throw new Error('hand-written loop: the row count must be even');
  const source = `export function heapBase(): usize { return __heap_base; }\n${programs.map(programSource).join('\n')}\n`;
  const result = await asc.compileString({ 'hand.ts': source }, { optimizeLevel: 3, shrinkLevel: 0, runtime: 'stub', enable: ['simd'], noAssert: true });
  if (result.error) throw new Error(`hand-written loop: asc failed: ${result.stderr.toString()}`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(result.binary), { env: { abort: () => { throw new Error('abort'); } } });
  const e = instance.exports;
  const colBytes = nRows * 8;
  const xPtr = (e.heapBase() + 15) & ~15;
  const yPtr = xPtr + nFeatures * colBytes;
  const need = yPtr + colBytes;
  const have = e.memory.buffer.byteLength;
  if (need > have) e.memory.grow(Math.ceil((need - have) / 65536));
  new Float64Array(e.memory.buffer, xPtr, nFeatures * nRows).set(X);
  new Float64Array(e.memory.buffer, yPtr, nRows).set(y);
  const fns = programs.map((_, i) => e[`p${i}`]);
  return {
    run() {
      const out = new Float64Array(fns.length);
      for (let i = 0; i < fns.length; i++) out[i] = fns[i](xPtr, yPtr, colBytes, colBytes) / nRows;
      return out;
    },
  };
}
