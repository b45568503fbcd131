/**
 * Records held column by column: one Float64Array per numeric column (NaN where a cell is empty), one Int32Array
 * of codes per text column (-1 where empty) with its distinct values, filled as the file streams by. Each record
 * is then a small view (a table and a row index) whose fields are getters on the view's prototype, so code that
 * reads `record.energy_j` works unchanged while a million records take tens of megabytes instead of a kilobyte
 * each. Views are read-only; behind a shared Proxy handler their present fields show as own enumerable properties,
 * so `{ ...record, energy_j }`, `Object.keys` and `Object.entries` give a plain record as they would on the objects
 * `readRecords` returns.
 */
import { COLUMNS, type ProfilingRecord } from './schema.js';

const TEXT_KINDS = new Set(['string', 'precision', 'architecture', 'modality']);
const INITIAL_CAPACITY = 1024;

class GrowingFloat64 {
  data = new Float64Array(INITIAL_CAPACITY);
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = v;
  }
}

class TextColumn {
  codes = new Int32Array(INITIAL_CAPACITY);
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  set(i: number, v: string | undefined): void {
    if (i >= this.codes.length) {
      const next = new Int32Array(this.codes.length * 2);
      next.set(this.codes);
      this.codes = next;
    }
    if (v === undefined) { this.codes[i] = -1; return; }
    let code = this.index.get(v);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(v);
      this.index.set(v, code);
    }
    this.codes[i] = code;
  }
  get(i: number): string | undefined {
    const c = this.codes[i];
    return c < 0 ? undefined : this.values[c];
  }
}

/** Records as columns; `records` are views of its rows. */
export class RecordTable {
  private n = 0;
  private readonly numeric = new Map<string, GrowingFloat64>();
  private readonly text = new Map<string, TextColumn>();
  private readonly extraNames: string[] = [];
  private readonly View: new (row: number) => ProfilingRecord;
  /** own-key traps shared by every view: the fields a row has, as enumerable data properties */
  private readonly spreadable: ProxyHandler<{ row: number }>;

  constructor() {
    for (const c of COLUMNS) {
      if (TEXT_KINDS.has(c.kind)) this.text.set(c.name, new TextColumn());
      else this.numeric.set(c.name, new GrowingFloat64());
    }
    const table = this;
    const View = function View(this: { row: number }, row: number) { this.row = row; } as unknown as new (row: number) => ProfilingRecord;
    for (const [name, col] of this.numeric) {
      Object.defineProperty(View.prototype, name, {
        enumerable: true,
        get(this: { row: number }) { const v = col.data[this.row]; return Number.isNaN(v) ? undefined : v; },
      });
    }
    for (const [name, col] of this.text) {
      Object.defineProperty(View.prototype, name, { enumerable: true, get(this: { row: number }) { return col.get(this.row); } });
    }
    Object.defineProperty(View.prototype, 'extra', {
      enumerable: true,
      get(this: { row: number }) { return table.extraOf(this.row); },
    });
    Object.defineProperty(View.prototype, 'toJSON', { value(this: { row: number }) { return table.plain(this.row); } });
    this.View = View;
    this.spreadable = {
      ownKeys: (view) => Object.keys(table.plain(view.row)),
      getOwnPropertyDescriptor: (view, key) => {
        if (key === 'row' || key === 'toJSON') return undefined;
        const value = (view as unknown as Record<string | symbol, unknown>)[key];
        return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
      },
    };
  }

  get length(): number {
    return this.n;
  }

  /** Appends one record (its fields are copied into the columns). */
  push(r: ProfilingRecord): void {
    const i = this.n;
    const fields = r as unknown as Record<string, unknown>;
    for (const [name, col] of this.numeric) {
      const v = fields[name];
      col.set(i, typeof v === 'number' ? v : Number.NaN);
    }
    for (const [name, col] of this.text) col.set(i, fields[name] as string | undefined);
    if (r.extra) {
      for (const name of Object.keys(r.extra)) {
        if (!this.extraNames.includes(name)) {
          this.extraNames.push(name);
          this.text.set(`extra:${name}`, new TextColumn());
        }
      }
    }
    for (const name of this.extraNames) this.text.get(`extra:${name}`)!.set(i, r.extra?.[name]);
    this.n += 1;
  }

  /** A numeric column (NaN: empty), trimmed to the records. */
  column(name: string): Float64Array | undefined {
    return this.numeric.get(name)?.data.subarray(0, this.n);
  }

  /** The pass-through cells of row `i` (undefined without pass-through columns). */
  extraOf(i: number): Record<string, string> | undefined {
    if (this.extraNames.length === 0) return undefined;
    const out: Record<string, string> = {};
    for (const name of this.extraNames) {
      const v = this.text.get(`extra:${name}`)!.get(i);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }

  /** Row `i` as a plain record object. */
  plain(i: number): ProfilingRecord {
    const out: Record<string, unknown> = {};
    for (const c of COLUMNS) {
      const v = TEXT_KINDS.has(c.kind) ? this.text.get(c.name)!.get(i) : this.column(c.name)![i];
      if (v !== undefined && !(typeof v === 'number' && Number.isNaN(v))) out[c.name] = v;
    }
    const extra = this.extraOf(i);
    if (extra) out.extra = extra;
    return out as unknown as ProfilingRecord;
  }

  /** One view per record, in file order. */
  views(): ProfilingRecord[] {
    const out = new Array<ProfilingRecord>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = new Proxy(new this.View(i) as unknown as { row: number }, this.spreadable) as unknown as ProfilingRecord;
    return out;
  }
}
