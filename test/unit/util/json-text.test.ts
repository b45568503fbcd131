import { describe, expect, it } from 'vitest';
import { jsonText } from '../../../src/util/json-text.js';

describe('jsonText', () => {
  it('prints an array of leaves on one line and objects indented, as JSON that parses to what JSON.stringify gives', () => {
    const value = { a: [1, 2.5, -3e-300], b: { c: 'x', d: [[1, 2], [3, 4]], e: [] }, f: {}, g: ['s', true, null] };
    expect(jsonText(value)).toBe([
      '{',
      '  "a": [1, 2.5, -3e-300],',
      '  "b": {',
      '    "c": "x",',
      '    "d": [',
      '      [1, 2],',
      '      [3, 4]',
      '    ],',
      '    "e": []',
      '  },',
      '  "f": {},',
      '  "g": ["s", true, null]',
      '}',
    ].join('\n'));
  });

  it('leaves out what JSON.stringify leaves out, writes null where it does, and calls toJSON', () => {
    const value = { u: undefined, fn: () => 1, arr: [undefined, () => 1, Number.NaN, Infinity], date: new Date(0), nested: { toJSON: () => [7, 8] } };
    expect(JSON.parse(jsonText(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(jsonText(undefined)).toBe('undefined');
    expect(jsonText('a"b')).toBe(JSON.stringify('a"b'));
  });

  it('keeps every double to the last bit, in arrays and nested objects', () => {
    let s = 12345;
    const rand = (): number => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
    const value = {
      z: Array.from({ length: 50 }, () => Array.from({ length: 5 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20))),
      r: Array.from({ length: 200 }, () => Math.log(rand() + 1e-9)),
      keys: Array.from({ length: 20 }, (_, i) => `k|${i}|"q"`),
    };
    const back = JSON.parse(jsonText(value)) as typeof value;
    expect(back).toEqual(value);
    for (let i = 0; i < value.r.length; i++) expect(Object.is(back.r[i], value.r[i])).toBe(true);
  });
});
