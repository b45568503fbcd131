/**
 * A profiling plan: what `energylens profile` sweeps. A YAML file names the model, the serving engine's launch
 * command (with placeholders such as {tp} and {port}), the configuration grid, the prompt and output lengths, how
 * many requests to send and how to sample the GPUs. Every value is checked, and a bad one is reported with the
 * file, its line and the field (`plan.yaml, line 7: grid.tp must be ...`).
 */
import { LineCounter, parseDocument, isMap, isNode, type Document } from 'yaml';
import { parse as parseShell } from 'shell-quote';
import { EnergyLensError } from '../../errors.js';
import { readTextFile } from '../../util/read-text.js';
import { PRECISIONS, ARCHITECTURES, type Architecture, type Precision } from '../records/schema.js';

export interface ProfilePlan {
  /** the workload label written to every record */
  name: string;
  /** catalog model name (or any name, with params_b) */
  model: string;
  /** the name requests ask the server for (default: model) */
  servedModel: string;
  /** catalog hardware name; undefined: taken from nvidia-smi's GPU name */
  hardware?: string;
  precision?: Precision;
  paramsB?: number;
  activeParamsB?: number;
  architecture?: Architecture;
  engine: {
    /** launch command, one argument per element, placeholders unexpanded */
    argv: string[];
    env: Record<string, string>;
    host: string;
    /** undefined: a free port per configuration */
    port?: number;
    readyPath: string;
    readyTimeoutS: number;
    stopGraceS: number;
    /** merged into every request body (engine-specific options) */
    requestBody: Record<string, unknown>;
  };
  grid: { tp: number[]; pp: number[]; ep: number[]; batch: number[] };
  workload: { inputTokens: number[]; outputTokens: number[]; requests: number; warmupWaves: number; requestTimeoutS: number };
  /** GPU indices the sweep may use, in order; undefined: every GPU nvidia-smi lists */
  gpus?: number[];
  sampling: { intervalMs: number; idleS: number };
}

/** One configuration of the sweep. */
export interface PlannedConfig {
  tp: number;
  pp: number;
  ep: number;
  batch: number;
  inputTokens: number;
  outputTokens: number;
}

export const PLACEHOLDERS = ['model', 'served_model', 'host', 'port', 'tp', 'pp', 'ep', 'dp', 'gpus', 'batch', 'input_tokens', 'output_tokens', 'max_model_len'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const TOP_KEYS = ['name', 'model', 'served_model', 'hardware', 'precision', 'params_b', 'active_params_b', 'architecture', 'engine', 'grid', 'workload', 'gpus', 'sampling'];
const ENGINE_KEYS = ['command', 'env', 'host', 'port', 'ready_path', 'ready_timeout_s', 'stop_grace_s', 'request_body'];
const GRID_KEYS = ['tp', 'pp', 'ep', 'batch'];
const WORKLOAD_KEYS = ['input_tokens', 'output_tokens', 'requests', 'warmup_waves', 'request_timeout_s'];
const SAMPLING_KEYS = ['interval_ms', 'idle_s'];

/** Tokens of room above prompt + output in {max_model_len}. */
const MAX_MODEL_LEN_MARGIN = 64;

type Path = (string | number)[];

/** Reads values out of the parsed document, with the line of each for error messages. */
class PlanReader {
  constructor(private readonly file: string, private readonly doc: Document, private readonly lines: LineCounter) {}

  fail(path: Path, message: string, at?: number): never {
    const node = path.length ? (this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined) : undefined;
    const offset = at ?? node?.range?.[0] ?? this.parentOffset(path);
    const where = offset === undefined ? this.file : `${this.file}, line ${this.lines.linePos(offset).line}`;
    throw new EnergyLensError('INVALID_PLAN', `${where}: ${path.length ? `${path.join('.')} ` : ''}${message}`);
  }

  private parentOffset(path: Path): number | undefined {
    for (let k = path.length - 1; k > 0; k--) {
      const node = this.doc.getIn(path.slice(0, k), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return node.range[0];
    }
    return undefined;
  }

  /** The plain value at `path` (lists as arrays, mappings as objects). */
  value(path: Path): unknown {
    const node = this.doc.getIn(path, true);
    return isNode(node) ? node.toJS(this.doc) : node;
  }

  has(path: Path): boolean {
    return this.doc.hasIn(path);
  }

  keys(path: Path, allowed: readonly string[]): void {
    const node = path.length ? this.doc.getIn(path, true) : this.doc.contents;
    if (node === undefined || node === null) return;
    if (!isMap(node)) this.fail(path, 'must be a mapping of keys to values');
    for (const item of node.items) {
      const keyNode = item.key as { value?: unknown; range?: [number, number, number] } | null;
      const key = String(keyNode?.value ?? item.key);
      if (!allowed.includes(key)) this.fail([...path, key], `is not a plan field (known${path.length ? ` under ${path.join('.')}` : ''}: ${allowed.join(', ')})`, keyNode?.range?.[0]);
    }
  }

  text(path: Path, fallback?: string): string {
    const v = this.value(path);
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(path, 'is required');
    }
    if (typeof v !== 'string' && typeof v !== 'number') this.fail(path, `must be a text (got ${describe(v)})`);
    const s = String(v).trim();
    if (!s) this.fail(path, 'must not be empty');
    return s;
  }

  optionalText(path: Path): string | undefined {
    return this.has(path) && this.value(path) !== null ? this.text(path) : undefined;
  }

  number(path: Path, rule: 'positiveInteger' | 'nonNegativeInteger' | 'positive' | 'nonNegative', fallback?: number): number {
    const v = this.value(path);
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      this.fail(path, 'is required');
    }
    const ok = typeof v === 'number' && Number.isFinite(v)
      && (rule === 'positiveInteger' ? Number.isInteger(v) && v > 0
        : rule === 'nonNegativeInteger' ? Number.isInteger(v) && v >= 0
          : rule === 'positive' ? v > 0 : v >= 0);
    if (!ok) this.fail(path, `must be ${RULE_TEXT[rule]} (got ${describe(v)})`);
    return v as number;
  }

  /** An integer or a list of integers (a grid axis); duplicates removed, order kept. */
  integers(path: Path, fallback?: number[], min = 1): number[] {
    const v = this.value(path);
    if (v === undefined || v === null) {
      if (fallback) return fallback;
      this.fail(path, 'is required');
    }
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) this.fail(path, 'must list at least one value');
    list.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min) this.fail(Array.isArray(v) ? [...path, i] : path, `must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or a list of them (got ${describe(x)})`);
    });
    return [...new Set(list as number[])];
  }

  stringMap(path: Path): Record<string, string> {
    const v = this.value(path);
    if (v === undefined || v === null) return {};
    const node = this.doc.getIn(path, true);
    if (!isMap(node)) this.fail(path, 'must be a mapping of names to texts');
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') this.fail([...path, k], `must be a text (got ${describe(x)})`);
      out[k] = String(x);
    }
    return out;
  }
}

const RULE_TEXT = { positiveInteger: 'a positive integer', nonNegativeInteger: 'a non-negative integer', positive: 'a number > 0', nonNegative: 'a number >= 0' };

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/** Splits a launch command the way a shell would (quotes, escapes), refusing pipes, redirections and the like. */
function commandArgv(reader: PlanReader): string[] {
  const path = ['engine', 'command'];
  const v = reader.value(path);
  if (v === undefined || v === null) reader.fail(path, 'is required (the serving engine\'s launch command, with placeholders such as {tp} and {port})');
  let argv: string[];
  if (Array.isArray(v)) {
    argv = v.map((x, i) => {
      if (typeof x !== 'string' && typeof x !== 'number') reader.fail([...path, i], `must be a text (got ${describe(x)})`);
      return String(x);
    });
  } else if (typeof v === 'string') {
    // placeholders are protected from the shell parser (it would read {a,b} and $ specially)
    const tokens = parseShell(v.replace(/\$/g, '\u0000'));
    argv = tokens.map((t) => {
      if (typeof t !== 'string') reader.fail(path, `holds a shell operator (${JSON.stringify(t)}); run the engine from a script, or give the command as a list of arguments`);
      return t.replace(/\u0000/g, '$');
    });
  } else {
    reader.fail(path, `must be a text or a list of arguments (got ${describe(v)})`);
  }
  if (argv.length === 0 || !argv[0]) reader.fail(path, 'is empty');
  for (const [i, arg] of argv.entries()) {
    for (const m of arg.matchAll(/\{([^{}]*)\}/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(m[1])) reader.fail(Array.isArray(v) ? [...path, i] : path, `uses an unknown placeholder {${m[1]}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  }
  return argv;
}

/** Parses and checks a plan's YAML text; `file` names it in messages. */
export function parsePlan(text: string, file = 'plan'): ProfilePlan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? (e.pos ? lines.linePos(e.pos[0]).line : undefined);
    throw new EnergyLensError('INVALID_PLAN', `${file}${line ? `, line ${line}` : ''}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  if (!isMap(doc.contents)) throw new EnergyLensError('INVALID_PLAN', `${file}: a plan is a YAML mapping (name:, model:, engine:, grid:, workload:); this file ${doc.contents === null ? 'is empty' : 'holds something else'}`);
  const r = new PlanReader(file, doc, lines);
  r.keys([], TOP_KEYS);
  for (const [k, allowed] of [['engine', ENGINE_KEYS], ['grid', GRID_KEYS], ['workload', WORKLOAD_KEYS], ['sampling', SAMPLING_KEYS]] as const) r.keys([k], allowed);
  for (const k of ['engine', 'grid', 'workload']) if (!r.has([k])) r.fail([k], 'is required');

  const precision = r.optionalText(['precision']);
  if (precision !== undefined && !(PRECISIONS as readonly string[]).includes(precision)) r.fail(['precision'], `must be one of ${PRECISIONS.join(', ')} (got "${precision}")`);
  const architecture = r.optionalText(['architecture']);
  if (architecture !== undefined && !(ARCHITECTURES as readonly string[]).includes(architecture)) r.fail(['architecture'], `must be one of ${ARCHITECTURES.join(', ')} (got "${architecture}")`);
  const model = r.text(['model']);
  const requestBody = r.value(['engine', 'request_body']);
  if (requestBody !== undefined && requestBody !== null && !isMap(doc.getIn(['engine', 'request_body'], true))) r.fail(['engine', 'request_body'], 'must be a mapping (fields added to every request)');
  const readyPath = r.text(['engine', 'ready_path'], '/health');
  if (!readyPath.startsWith('/')) r.fail(['engine', 'ready_path'], `must start with / (got "${readyPath}")`);
  const gpus = r.has(['gpus']) ? r.integers(['gpus'], undefined, 0) : undefined;
  const port = r.has(['engine', 'port']) ? r.number(['engine', 'port'], 'positiveInteger') : undefined;
  if (port !== undefined && port > 65535) r.fail(['engine', 'port'], `must be a TCP port, 1-65535 (got ${port})`);

  return {
    name: r.text(['name']),
    model,
    servedModel: r.text(['served_model'], model),
    hardware: r.optionalText(['hardware']),
    ...(precision ? { precision: precision as Precision } : {}),
    ...(r.has(['params_b']) ? { paramsB: r.number(['params_b'], 'positive') } : {}),
    ...(r.has(['active_params_b']) ? { activeParamsB: r.number(['active_params_b'], 'positive') } : {}),
    ...(architecture ? { architecture: architecture as Architecture } : {}),
    engine: {
      argv: commandArgv(r),
      env: r.stringMap(['engine', 'env']),
      host: r.text(['engine', 'host'], '127.0.0.1'),
      ...(port !== undefined ? { port } : {}),
      readyPath,
      readyTimeoutS: r.number(['engine', 'ready_timeout_s'], 'positive', 900),
      stopGraceS: r.number(['engine', 'stop_grace_s'], 'nonNegative', 30),
      requestBody: (requestBody ?? {}) as Record<string, unknown>,
    },
    grid: { tp: r.integers(['grid', 'tp'], [1]), pp: r.integers(['grid', 'pp'], [1]), ep: r.integers(['grid', 'ep'], [1]), batch: r.integers(['grid', 'batch']) },
    workload: {
      inputTokens: r.integers(['workload', 'input_tokens']),
      outputTokens: r.integers(['workload', 'output_tokens']),
      requests: r.number(['workload', 'requests'], 'positiveInteger', 64),
      warmupWaves: r.number(['workload', 'warmup_waves'], 'nonNegativeInteger', 1),
      requestTimeoutS: r.number(['workload', 'request_timeout_s'], 'positive', 600),
    },
    ...(gpus ? { gpus } : {}),
    sampling: { intervalMs: Math.max(10, r.number(['sampling', 'interval_ms'], 'positive', 100)), idleS: r.number(['sampling', 'idle_s'], 'nonNegative', 10) },
  };
}

/** Reads a plan file. */
export function readPlan(path: string): ProfilePlan {
  return parsePlan(readTextFile(path, 'plan file', 'INVALID_PLAN'), path);
}

/** GPUs a configuration takes: tp x pp (expert parallelism reuses the same GPUs, as vLLM's --enable-expert-parallel does). */
export function gpusOf(c: Pick<PlannedConfig, 'tp' | 'pp'>): number {
  return c.tp * c.pp;
}

/**
 * Every configuration of the grid, in a stable order, and those left out: more GPUs than the plan may use, or
 * an expert degree other than 1 or the configuration's GPU count.
 */
export function expandGrid(plan: ProfilePlan, availableGpus: number): { configs: PlannedConfig[]; skipped: { config: PlannedConfig; reason: string }[] } {
  const configs: PlannedConfig[] = [];
  const skipped: { config: PlannedConfig; reason: string }[] = [];
  for (const tp of plan.grid.tp) for (const pp of plan.grid.pp) for (const ep of plan.grid.ep) for (const batch of plan.grid.batch) {
    for (const inputTokens of plan.workload.inputTokens) for (const outputTokens of plan.workload.outputTokens) {
      const c = { tp, pp, ep, batch, inputTokens, outputTokens };
      const g = gpusOf(c);
      if (g > availableGpus) skipped.push({ config: c, reason: `needs ${g} GPUs; ${availableGpus} available` });
      else if (ep !== 1 && ep !== g) skipped.push({ config: c, reason: `expert degree ${ep} must be 1 or the configuration's ${g} GPUs` });
      else configs.push(c);
    }
  }
  return { configs, skipped };
}

/** The configuration's key, stable across runs: how a resumed sweep knows what is done. */
export function configKey(c: PlannedConfig): string {
  return `tp=${c.tp} pp=${c.pp} ep=${c.ep} batch=${c.batch} input=${c.inputTokens} output=${c.outputTokens}`;
}

/** The launch command of one configuration, placeholders filled in. */
export function launchArgv(plan: ProfilePlan, c: PlannedConfig, port: number | string): { argv: string[]; env: Record<string, string> } {
  const values: Record<Placeholder, string> = {
    model: plan.model, served_model: plan.servedModel, host: plan.engine.host, port: String(port),
    tp: String(c.tp), pp: String(c.pp), ep: String(c.ep), dp: '1', gpus: String(gpusOf(c)), batch: String(c.batch),
    input_tokens: String(c.inputTokens), output_tokens: String(c.outputTokens), max_model_len: String(c.inputTokens + c.outputTokens + MAX_MODEL_LEN_MARGIN),
  };
  const fill = (s: string): string => s.replace(/\{([a-z_]+)\}/g, (m, k: string) => (k in values ? values[k as Placeholder] : m));
  return { argv: plan.engine.argv.map(fill), env: Object.fromEntries(Object.entries(plan.engine.env).map(([k, v]) => [k, fill(v)])) };
}
