// Plain-JavaScript evaluators the benchmark compares the kernel with. All use the operator table's reference
// functions, so they compute the same values as the kernel.
import { operatorByName } from '../dist/sr/expression/operators.js';

/**
 * Compiled closures, column-wise: each node becomes a closure that fills a Float64Array of all rows with a
 * tight loop (leaves return the feature column itself). Buffers are allocated once per compiled tree.
 */
export function compileColumnClosures(tree, nRows) {
  const build = (node) => {
    if (node.kind === 'feature') return (X) => X.subarray(node.index * nRows, (node.index + 1) * nRows);
    const out = new Float64Array(nRows);
    if (node.kind === 'const') { out.fill(node.value); return () => out; }
    const op = operatorByName(node.op);
    const f = op.ref;
    if (op.arity === 1) {
      const a = build(node.children[0]);
      switch (node.op) {
        case 'neg': return (X) => { const u = a(X); for (let i = 0; i < nRows; i++) out[i] = -u[i]; return out; };
        case 'square': return (X) => { const u = a(X); for (let i = 0; i < nRows; i++) out[i] = u[i] * u[i]; return out; };
        default: return (X) => { const u = a(X); for (let i = 0; i < nRows; i++) out[i] = f(u[i]); return out; };
      }
    }
    const a = build(node.children[0]);
    const c = build(node.children[1]);
    switch (node.op) {
      case '+': return (X) => { const u = a(X), v = c(X); for (let i = 0; i < nRows; i++) out[i] = u[i] + v[i]; return out; };
      case '-': return (X) => { const u = a(X), v = c(X); for (let i = 0; i < nRows; i++) out[i] = u[i] - v[i]; return out; };
      case '*': return (X) => { const u = a(X), v = c(X); for (let i = 0; i < nRows; i++) out[i] = u[i] * v[i]; return out; };
      case '/': return (X) => { const u = a(X), v = c(X); for (let i = 0; i < nRows; i++) out[i] = u[i] / v[i]; return out; };
      default: return (X) => { const u = a(X), v = c(X); for (let i = 0; i < nRows; i++) out[i] = f(u[i], v[i]); return out; };
    }
  };
  return build(tree);
}

/**
 * Generated code: one JavaScript function per tree with a row loop and the expression inlined as straight-line
 * code over typed-array columns (what "compile to closures" becomes when V8 may inline everything).
 */
export function compileGenerated(tree, nRows) {
  const fns = [];
  let tmp = 0;
  const lines = [];
  const emit = (node) => {
    if (node.kind === 'feature') return `X[${node.index * nRows} + r]`;
    if (node.kind === 'const') return `(${node.value})`;
    const args = node.children.map(emit);
    const name = `t${tmp++}`;
    let expr;
    switch (node.op) {
      case '+': case '-': case '*': case '/': expr = `${args[0]} ${node.op} ${args[1]}`; break;
      case 'neg': expr = `-${args[0]}`; break;
      case 'square': expr = `${args[0]} * ${args[0]}`; break;
      default: fns.push(operatorByName(node.op).ref); expr = `f${fns.length - 1}(${args.join(', ')})`;
    }
    lines.push(`const ${name} = ${expr};`);
    return name;
  };
  const result = emit(tree);
  const body = `return function (X, out) { for (let r = 0; r < ${nRows}; r++) { ${lines.join(' ')} out[r] = ${result}; } return out; };`;
  const make = new Function(...fns.map((_, i) => `f${i}`), body);
  const run = make(...fns);
  const out = new Float64Array(nRows);
  return (X) => run(X, out);
}

/** The naive recursive tree walker: one row at a time, one function call per node. */
export function evalTreeNaive(node, X, nRows, row) {
  if (node.kind === 'const') return node.value;
  if (node.kind === 'feature') return X[node.index * nRows + row];
  const op = operatorByName(node.op);
  if (op.arity === 1) return op.ref(evalTreeNaive(node.children[0], X, nRows, row));
  return op.ref(evalTreeNaive(node.children[0], X, nRows, row), evalTreeNaive(node.children[1], X, nRows, row));
}
