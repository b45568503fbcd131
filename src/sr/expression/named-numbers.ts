/**
 * The named numbers: small rationals, rational multiples of pi, of 1 / pi, of pi squared and of its reciprocal,
 * e and 1 / e, square roots of small integers and their reciprocals, sqrt(pi) and sqrt(2 pi) with its reciprocal.
 * One table serves both sides: constant recognition (search/recognize.ts) tries exactly these values, and the
 * printer (print.ts) writes exactly these values by name, so a recognised constant reads as `4 * pi` and never as
 * 12.566370614359172. Each number has one form: fractions in lowest terms only.
 */

/** Denominators of the small rationals and of the rational multiples of pi (and of pi squared). */
const DENOMINATORS = [1, 2, 3, 4, 5, 6, 8, 10, 12];
/** Largest numerator of a small rational (p / q with p <= 24) and of a rational multiple of pi. */
const MAX_NUMERATOR = 24;
/** Small integers whose square roots (and reciprocals) are named. */
const ROOTS = [2, 3, 5, 6, 7, 10];

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** How a named number is written: infix text, LaTeX, and whether the text is a product or quotient (for parentheses). */
export interface NamedNumber { value: number; infix: string; latex: string; product: boolean }

interface Table {
  /** value -> how to write it; rationals whose decimal form is short are not here (they print as decimals) */
  written: Map<number, NamedNumber>;
  /** every named value (the short-decimal rationals included), ascending */
  values: Float64Array;
}

let table: Table | undefined;

function build(): Table {
  const written = new Map<number, NamedNumber>();
  const all = new Set<number>();
  const add = (value: number, infix: string, latex: string, product: boolean): void => {
    all.add(value);
    if (!written.has(value)) written.set(value, { value, infix, latex, product });
  };
  const pi2 = Math.PI * Math.PI;
  for (const q of DENOMINATORS) {
    for (let k = 1; k <= MAX_NUMERATOR; k++) {
      if (gcd(k, q) !== 1) continue;
      const kText = k === 1 ? '' : `${k} * `;
      const kLatex = k === 1 ? '' : `${k}`;
      add((k * Math.PI) / q, q === 1 ? `${kText}pi` : `${kText}pi / ${q}`, q === 1 ? `${kLatex}\\pi` : `\\frac{${kLatex}\\pi}{${q}}`, k > 1 || q > 1);
      add(q / (k * Math.PI), k === 1 ? `${q} / pi` : `${q} / (${k} * pi)`, `\\frac{${q}}{${kLatex}\\pi}`, true);
    }
  }
  // rational multiples of pi squared (a wave number's square, 1 / (4 pi^2), ...) and of its reciprocal
  for (const q of DENOMINATORS) {
    for (let k = 1; k <= MAX_NUMERATOR; k++) {
      if (gcd(k, q) !== 1) continue;
      const kText = k === 1 ? '' : `${k} * `;
      const kLatex = k === 1 ? '' : `${k}`;
      add((k * pi2) / q, q === 1 ? `${kText}pi ^ 2` : `${kText}pi ^ 2 / ${q}`, q === 1 ? `${kLatex}\\pi^{2}` : `\\frac{${kLatex}\\pi^{2}}{${q}}`, true);
      add(q / (k * pi2), k === 1 ? `${q} / pi ^ 2` : `${q} / (${k} * pi ^ 2)`, `\\frac{${q}}{${kLatex}\\pi^{2}}`, true);
    }
  }
  for (const q of DENOMINATORS) {
    for (let p = 1; p <= MAX_NUMERATOR; p++) {
      if (gcd(p, q) !== 1) continue;
      const v = p / q;
      // rationals whose decimal form is short print as decimals already
      if (String(v).length > 6) add(v, `${p} / ${q}`, `\\frac{${p}}{${q}}`, true);
      else all.add(v);
    }
  }
  add(Math.E, 'E', 'e', false);
  add(1 / Math.E, '1 / E', '\\frac{1}{e}', true);
  for (const n of ROOTS) {
    add(Math.sqrt(n), `sqrt(${n})`, `\\sqrt{${n}}`, false);
    add(1 / Math.sqrt(n), `1 / sqrt(${n})`, `\\frac{1}{\\sqrt{${n}}}`, true);
  }
  add(Math.sqrt(2 * Math.PI), 'sqrt(2 * pi)', '\\sqrt{2\\pi}', false);
  add(1 / Math.sqrt(2 * Math.PI), '1 / sqrt(2 * pi)', '\\frac{1}{\\sqrt{2\\pi}}', true);
  add(Math.sqrt(Math.PI), 'sqrt(pi)', '\\sqrt{\\pi}', false);
  return { written, values: Float64Array.from(all).sort() };
}

const namedTable = (): Table => (table ??= build());

/** How `magnitude` (> 0) is written by name, when it is exactly a named number that does not print as a short decimal. */
export function writtenNamedNumber(magnitude: number): NamedNumber | undefined {
  return namedTable().written.get(magnitude);
}

/** The named values (all positive, ascending) within [low, high]. */
export function namedValuesBetween(low: number, high: number): number[] {
  const values = namedTable().values;
  // first index with values[i] >= low
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < low) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < values.length && values[i] <= high; i++) out.push(values[i]);
  return out;
}
