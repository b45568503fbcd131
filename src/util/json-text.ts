/**
 * JSON text for files people open as well as programs: objects indented as JSON.stringify(value, null, 2) prints them,
 * but an array of numbers, strings, booleans or nulls on one line. The same JSON (JSON.parse gives what it gives for
 * JSON.stringify's text: the same keys, the same numbers to the last bit); a model file's long columns of numbers
 * (a kriging section's points, a covariance matrix's rows) take a line each instead of a line per number.
 */
export function jsonText(value: unknown, indent = 2): string {
  return write(value, 0, indent) ?? 'undefined';
}

const leaf = (v: unknown): boolean => v === null || typeof v !== 'object';

function write(input: unknown, depth: number, indent: number): string | undefined {
  const v = input !== null && typeof input === 'object' && typeof (input as { toJSON?: unknown }).toJSON === 'function'
    ? (input as { toJSON: () => unknown }).toJSON()
    : input;
  // numbers, strings, booleans and null as JSON.stringify prints them; undefined, functions and symbols: nothing
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const pad = ' '.repeat(indent * (depth + 1));
  const end = ' '.repeat(indent * depth);
  if (Array.isArray(v)) {
    // in an array, what JSON.stringify leaves out of an object (undefined, a function) is null
    const items = v.map((x) => write(x, depth + 1, indent) ?? 'null');
    if (items.length === 0) return '[]';
    if (v.every(leaf)) return `[${items.join(', ')}]`;
    return `[\n${items.map((s) => pad + s).join(',\n')}\n${end}]`;
  }
  const entries: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    const s = write(x, depth + 1, indent);
    if (s !== undefined) entries.push(`${pad}${JSON.stringify(k)}: ${s}`);
  }
  return entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n${end}}`;
}
