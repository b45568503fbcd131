/**
 * What the energy-model commands (fit, predict, explain, select, discover) share: option parsers whose errors name the
 * flag, an output-folder check, and number and table formatting.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EnergyLensError } from '../errors.js';

export const bad = (message: string): never => { throw new EnergyLensError('INVALID_OPTION', message); };

/** An integer option >= min. */
export const integerArg = (flag: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) bad(`${flag} must be ${min === 1 ? 'a positive integer' : `an integer >= ${min}`}, got "${v}"`);
  return n;
};

/** A finite number option, > 0 (or >= 0 when `zero` is allowed). */
export const numberArg = (flag: string, zero = false) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (!zero && n === 0)) bad(`${flag} must be a ${zero ? 'non-negative' : 'positive'} number, got "${v}"`);
  return n;
};

export const namesArg = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

/** A comma-separated list of positive numbers (integers when `integer`). */
export const numberListArg = (flag: string, integer: boolean) => (v: string): number[] => {
  const out = namesArg(v).map(Number);
  if (out.length === 0 || out.some((n) => !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))) {
    bad(`${flag} must be a comma-separated list of ${integer ? 'positive integers' : 'positive numbers'}, got "${v}"`);
  }
  return out;
};

/**
 * Fails before any work when the folder an output file goes into does not exist, when the output is a folder, or
 * when it is one of the command's `inputs` (flag -> path): writing it would replace the file being read.
 */
export function assertOutputFolder(flag: string, path: string, inputs: Readonly<Record<string, string | undefined>> = {}): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) bad(`${flag} ${path}: the folder ${folder} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) bad(`${flag} ${path} is a folder`);
  const same = Object.entries(inputs).find(([, input]) => input !== undefined && sameFile(input, path));
  if (same) bad(`${flag} ${path} is the ${same[0]} file: writing it would replace the input; choose another output file`);
}

/** True when both paths name one file (through links and relative paths); false when either does not exist. */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** A number with `digits` significant digits, without trailing zeros. */
export const sig = (x: number, digits = 4): string => (Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : String(x));

/** An aligned text table: the columns in `left` are left-aligned, the others right-aligned; the last is not padded. */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = [0]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells
    .map((c, i) => (i === cells.length - 1 && left.includes(i) ? c : left.includes(i) ? c.padEnd(width[i]) : c.padStart(width[i])))
    .join('  ')
    .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** The training residual spread, in words. */
export function residualSdText(sd: { energy: number; latency: number | null }): string {
  return `residual sd of log(measured / predicted): energy ${sig(sd.energy, 3)}${sd.latency === null ? '' : `, time per token ${sig(sd.latency, 3)}`}`;
}
