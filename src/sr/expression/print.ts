/**
 * Printing trees: infix text that both mathjs and SymPy's `sympify` parse (e.g. `x0 * exp(-1.5 / x1)`), and LaTeX.
 * `parseExpression(toInfix(t))` gives back a tree that prints the same and evaluates bit-identically.
 *
 * For SymPy, pass `locals={'cbrt': lambda a: real_root(a, 3)}`: SymPy's own `cbrt` is the principal (complex)
 * cube root, ours (and mathjs') the real one. Non-finite constants print as `Infinity` and `NaN` (mathjs and
 * this parser read them; SymPy spells them `oo` and `nan`).
 */
import { SrError } from '../errors.js';
import { writtenNamedNumber } from './named-numbers.js';
import type { Node } from './node.js';
import { operatorByName, type Operator } from './operators.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Names a feature may not take: constants and keywords of this parser, of mathjs and of SymPy's `sympify`
 * (Python keywords and SymPy's one-letter singletons), so the printed text means the same thing in all three.
 * SymPy knows many more function names (gamma, beta, ...); pass those to `sympify` as `locals`.
 */
const RESERVED = new Set([
  // this parser
  'e', 'pi', 'E', 'PI', 'inf', 'Infinity', 'NaN', 'nan',
  // mathjs: constants and word operators
  'i', 'tau', 'phi', 'true', 'false', 'null', 'undefined', 'mod', 'to', 'in', 'and', 'or', 'not', 'xor', 'end',
  // SymPy singletons and Python keywords
  'I', 'N', 'O', 'Q', 'S', 'oo', 'zoo', 'False', 'None', 'True', 'as', 'assert', 'async', 'await', 'break',
  'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if',
  'import', 'is', 'lambda', 'nonlocal', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

/** Throws 'INVALID_OPTION' naming the first feature name that is not an identifier, reserved, or repeated. */
export function checkFeatureNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      throw new SrError('INVALID_OPTION', `feature name "${name}" is not an identifier (letters, digits and _, not starting with a digit)`);
    }
    if (RESERVED.has(name) || operatorByName(name)) throw new SrError('INVALID_OPTION', `feature name "${name}" is reserved (a function or constant name)`);
    if (seen.has(name)) throw new SrError('INVALID_OPTION', `feature name "${name}" appears twice`);
    seen.add(name);
  }
}

export function featureName(index: number, names?: readonly string[]): string {
  if (names) {
    if (index >= names.length) throw new SrError('INVALID_PROGRAM', `feature ${index} has no name (${names.length} names given)`);
    return names[index];
  }
  return `x${index}`;
}

/** The shortest text that reads back as exactly this number. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/**
 * How a named number (a small rational with a long decimal form, a rational multiple of pi or of 1 / pi, e,
 * a square root of a small integer or its reciprocal) is written, when `value` is exactly one; else undefined.
 * The text evaluates to the same double as `value`.
 */
export function namedConstant(value: number): { infix: string; latex: string; product: boolean } | undefined {
  if (!Number.isFinite(value) || value === 0) return undefined;
  const named = writtenNamedNumber(Math.abs(value));
  if (!named) return undefined;
  return value > 0 ? named : { infix: `-${named.infix}`, latex: `-${named.latex}`, product: named.product };
}

// precedence of what a printed subtree is, to decide on parentheses
const PREC_SUM = 1;
const PREC_PRODUCT = 2;
const PREC_UNARY = 3;
const PREC_POWER = 4;
const PREC_ATOM = 5;

interface Printed { text: string; prec: number }

function printInfix(node: Node, names: readonly string[] | undefined, named = true): Printed {
  if (node.kind === 'feature') return { text: featureName(node.index, names), prec: PREC_ATOM };
  if (node.kind === 'const') {
    const name = named ? namedConstant(node.value) : undefined;
    if (name) return { text: name.infix, prec: node.value < 0 ? PREC_UNARY : name.product ? PREC_PRODUCT : PREC_ATOM };
    const text = formatNumber(node.value);
    return { text, prec: text.startsWith('-') ? PREC_UNARY : PREC_ATOM };
  }
  const op = operatorByName(node.op) as Operator;
  const kids = node.children.map((c) => printInfix(c, names, named));
  const wrap = (p: Printed, minPrec: number): string => (p.prec < minPrec ? `(${p.text})` : p.text);
  switch (op.infix.kind) {
    case 'function':
      return { text: `${op.infix.name}(${kids.map((k) => k.text).join(', ')})`, prec: PREC_ATOM };
    case 'prefix':
      // -a: the operand binds tighter than a product; a negative number or another minus gets parentheses
      return { text: `-${wrap(kids[0], PREC_POWER)}`, prec: PREC_UNARY };
    case 'postfixPower':
      return { text: `${wrap(kids[0], PREC_ATOM)} ^ ${op.infix.exponent}`, prec: PREC_POWER };
    case 'reciprocal':
      return { text: `1 / ${wrap(kids[0], PREC_POWER)}`, prec: PREC_PRODUCT };
    case 'binary': {
      const { symbol, precedence, rightAssoc } = op.infix;
      const prec = precedence >= 4 ? PREC_POWER : precedence >= 2 ? PREC_PRODUCT : PREC_SUM;
      if (rightAssoc) {
        // a ^ b: the base must be an atom (-2 ^ 2 reads as -(2 ^ 2)); the exponent may be another power
        return { text: `${wrap(kids[0], PREC_ATOM)} ${symbol} ${wrap(kids[1], PREC_POWER)}`, prec };
      }
      // left-associative: the right operand needs parentheses at equal precedence (a - (b - c)), and a
      // leading minus on the right is always parenthesised (x0 * (-1.5))
      const right = kids[1].prec === PREC_UNARY ? `(${kids[1].text})` : wrap(kids[1], prec + 1);
      return { text: `${wrap(kids[0], prec)} ${symbol} ${right}`, prec };
    }
  }
}

/**
 * Infix text with feature names (default x0, x1, ...). Named numbers (4 * pi, 1 / 3, sqrt(2): see
 * namedConstant) are written by name unless `options.namedConstants` is false.
 */
export function toInfix(tree: Node, featureNames?: readonly string[], options: { namedConstants?: boolean } = {}): string {
  if (featureNames) checkFeatureNames(featureNames);
  return printInfix(tree, featureNames, options.namedConstants ?? true).text;
}

function latexName(name: string): string {
  if (/^[A-Za-z]$/.test(name)) return name;
  const m = /^([A-Za-z])([0-9]+)$/.exec(name);
  if (m) return `${m[1]}_{${m[2]}}`;
  return `\\mathrm{${name.replace(/_/g, '\\_')}}`;
}

export function latexNumber(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '\\mathrm{NaN}' : value > 0 ? '\\infty' : '-\\infty';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) {
    const [mant, exp] = value.toExponential().split('e');
    return `${mant} \\cdot 10^{${Number(exp)}}`;
  }
  return String(value);
}

function printLatex(node: Node, names: readonly string[] | undefined): Printed {
  if (node.kind === 'feature') return { text: latexName(featureName(node.index, names)), prec: PREC_ATOM };
  if (node.kind === 'const') {
    const named = namedConstant(node.value);
    if (named) return { text: named.latex, prec: node.value < 0 ? PREC_UNARY : named.product ? PREC_PRODUCT : PREC_ATOM };
    const text = latexNumber(node.value);
    return { text, prec: node.value < 0 ? PREC_UNARY : text.includes('\\cdot') ? PREC_PRODUCT : PREC_ATOM };
  }
  const op = operatorByName(node.op) as Operator;
  const kids = node.children.map((c) => printLatex(c, names));
  const paren = (p: Printed, minPrec: number): string => (p.prec < minPrec ? `\\left(${p.text}\\right)` : p.text);
  let minPrec = [PREC_ATOM, PREC_ATOM];
  let prec = PREC_ATOM;
  switch (node.op) {
    case '+': minPrec = [PREC_SUM, PREC_SUM + 0.5]; prec = PREC_SUM; break;
    case '-': minPrec = [PREC_SUM, PREC_PRODUCT]; prec = PREC_SUM; break;
    case '*': minPrec = [PREC_PRODUCT, PREC_UNARY + 0.5]; prec = PREC_PRODUCT; break;
    case '/': case 'inv': minPrec = [0, 0]; prec = PREC_ATOM; break;
    case '^': case 'square': case 'cube': minPrec = [PREC_ATOM, 0]; prec = PREC_POWER; break;
    case 'neg': minPrec = [PREC_POWER]; prec = PREC_UNARY; break;
    default: minPrec = [0, 0]; prec = PREC_ATOM; // functions: their own delimiters
  }
  let text = op.latex;
  kids.forEach((k, i) => {
    // a leading minus after a binary operator sign is parenthesised: x - \left(-1\right)
    const needs = i === 1 && prec <= PREC_PRODUCT && k.prec === PREC_UNARY ? PREC_ATOM : minPrec[i] ?? 0;
    text = text.split(`#${i}`).join(paren(k, needs));
  });
  return { text, prec };
}

/** LaTeX with feature names (`x0` becomes `x_{0}`, longer names `\mathrm{...}`). */
export function toLatex(tree: Node, featureNames?: readonly string[]): string {
  if (featureNames) checkFeatureNames(featureNames);
  return printLatex(tree, featureNames).text;
}
