/**
 * Exporting an expression for use elsewhere: SymPy text (`sympify` reads it with no locals), LaTeX, a JavaScript
 * function, or JSON. Every format means what the engine evaluates: the real cube root, natural logarithms, and
 * NaN where the engine's protected operators give NaN (a negative base with a fractional power, log of a negative,
 * asin or acos beyond [-1, 1]; SymPy's forms are complex there).
 *
 *   exportExpression(tree, 'sympy', ['m', 'v'])   // '0.5 * m * v**2'
 *   exportExpression(tree, 'js', ['m', 'v'])      // 'function model(m, v) {\n  return 0.5 * m * Math.pow(v, 2);\n}'
 */
import { SrError } from '../errors.js';
import type { Node } from './node.js';
import { operatorByName } from './operators.js';
import { checkFeatureNames, featureName, formatNumber, toInfix, toLatex } from './print.js';

export type ExportFormat = 'sympy' | 'latex' | 'js' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['sympy', 'latex', 'js', 'json'];

/** SymPy's spelling of the functions whose infix names differ; cbrt becomes real_root(., 3) (the real cube root). */
const SYMPY_FUNCTIONS: Record<string, string> = { abs: 'Abs', min: 'Min', max: 'Max' };

/** Text `sympy.sympify` reads, without locals, as the same expression. */
export function toSympy(tree: Node, featureNames?: readonly string[]): string {
  let text = toInfix(tree, featureNames).replace(/\^/g, '**');
  text = text.replace(/\b(abs|min|max)\(/g, (_, f: string) => `${SYMPY_FUNCTIONS[f]}(`);
  // cbrt(a) -> real_root(a, 3), innermost first so nested calls keep their parentheses
  for (let at = text.lastIndexOf('cbrt('); at >= 0; at = text.lastIndexOf('cbrt(')) {
    let depth = 0;
    let end = at + 5;
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')') { if (depth === 0) break; depth--; }
    }
    text = `${text.slice(0, at)}real_root(${text.slice(at + 5, end)}, 3)${text.slice(end + 1)}`;
  }
  // SymPy reads E and pi as its constants already; a feature named like a SymPy function would need locals
  return text;
}

const JS_RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export',
  'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'let', 'new', 'null', 'return',
  'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'await', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'arguments', 'eval', 'Math',
]);

/** The JavaScript parameter name of a feature (its name, with `_` appended when JavaScript reserves it). */
export function jsName(name: string): string {
  return JS_RESERVED.has(name) ? `${name}_` : name;
}

function jsConstant(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '(-Infinity)';
  const text = formatNumber(value);
  return value < 0 || Object.is(value, -0) ? `(${text})` : text;
}

function printJs(node: Node, names: readonly string[] | undefined): string {
  if (node.kind === 'const') return jsConstant(node.value);
  if (node.kind === 'feature') return jsName(featureName(node.index, names));
  const [a, b] = node.children.map((c) => printJs(c, names));
  switch (node.op) {
    case '+': case '-': case '*': case '/': return `(${a} ${node.op} ${b})`;
    case '^': return `Math.pow(${a}, ${b})`;
    case 'neg': return `(-${a})`;
    case 'square': return `Math.pow(${a}, 2)`;
    case 'cube': return `Math.pow(${a}, 3)`;
    case 'inv': return `(1 / ${a})`;
    case 'min': case 'max': return `Math.${node.op}(${a}, ${b})`;
    case 'sqrt': case 'cbrt': case 'exp': case 'log': case 'abs': case 'sin': case 'cos': case 'tanh': case 'asin': case 'acos':
      return `Math.${node.op}(${a})`;
    default:
      throw new SrError('INVALID_PROGRAM', `no JavaScript form for operator "${operatorByName(node.op)?.name ?? node.op}"`);
  }
}

/** The outermost pair of parentheses of a printed sum or product is not needed after `return`. */
const unwrap = (text: string): string => {
  if (!text.startsWith('(') || !text.endsWith(')')) return text;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return text;
  }
  return text.slice(1, -1);
};

/** A JavaScript function of the features, in order: `function model(m, v) { return ...; }`. */
export function toJavaScript(tree: Node, featureNames: readonly string[], functionName = 'model'): string {
  checkFeatureNames(featureNames);
  return `function ${functionName}(${featureNames.map(jsName).join(', ')}) {\n  return ${unwrap(printJs(tree, featureNames))};\n}`;
}

/** Everything JSON needs to read the expression back: parseExpression(expression, featureNames) gives the tree. */
export interface ExpressionJSON {
  format: 'energylens-expression';
  version: 1;
  expression: string;
  featureNames: string[];
  sympy: string;
  latex: string;
  /** the tree, node by node: { kind: 'const', value } | { kind: 'feature', index } | { kind: 'op', op, children } */
  tree: Node;
}

export function toExpressionJSON(tree: Node, featureNames: readonly string[]): ExpressionJSON {
  return {
    format: 'energylens-expression', version: 1, expression: toInfix(tree, featureNames), featureNames: [...featureNames],
    sympy: toSympy(tree, featureNames), latex: toLatex(tree, featureNames), tree,
  };
}

/** The expression in one of EXPORT_FORMATS, as text (JSON pretty-printed). */
export function exportExpression(tree: Node, format: ExportFormat, featureNames: readonly string[]): string {
  switch (format) {
    case 'sympy': return toSympy(tree, featureNames);
    case 'latex': return toLatex(tree, featureNames);
    case 'js': return toJavaScript(tree, featureNames);
    case 'json': return JSON.stringify(toExpressionJSON(tree, featureNames), null, 2);
    default: throw new SrError('INVALID_OPTION', `export format must be one of ${EXPORT_FORMATS.join(', ')}, got ${String(format)}`);
  }
}
