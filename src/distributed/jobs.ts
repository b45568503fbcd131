/**
 * Every job that travels through the queue, with its payload shape and its validator: the one place a worker
 * learns what it may be asked to do. A worker validates each payload on receipt; a malformed job is failed
 * (INVALID_JOB, not retried), never executed.
 *
 * - 'island': one island's evolution cycle (an IslandTask of the engine); the dataset is named by its content
 *   fingerprint and stored once in Redis (dataset-store.ts).
 * - 'fit': fitting the closed-form energy model to the records of one group (e.g. one hardware set).
 * - 'discover': a whole structure discovery on the records of one group.
 *
 * Results are JSON (BullMQ stores a job's return value as JSON).
 */
import { DistributedError } from './errors.js';
import { COLUMNS, type ProfilingRecord } from '../energy/records/index.js';
import type { DiscoveryJSON } from '../energy/model/discover.js';
import type { EnergyModel } from '../energy/model/model-file.js';
import { resolveOptions } from '../sr/index.js';
import type { IslandTask, IslandTaskResult, SerializedMember } from '../sr/runtime.js';

/** Bumped when a payload shape changes; a worker refuses jobs of another protocol. */
export const JOB_PROTOCOL = 1;
export const JOB_NAMES = ['island', 'fit', 'discover'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** What a fit or discovery job ran on: `value` of the records' `by` field (e.g. hardware H100-SXM5-80GB). */
export interface JobGroup { by: 'hardware'; value: string }

export interface IslandJob {
  protocol: number;
  /** content fingerprint of the dataset (datasetFingerprint) */
  datasetId: string;
  task: IslandTask;
}
export type IslandJobResult = IslandTaskResult;

/** The JSON-safe options of fitEnergyModel a job may set. */
export interface FitJobOptions {
  useLatency?: boolean; latencyWeight?: number; restarts?: number; maxIterations?: number; seed?: number; robustRounds?: number;
  inputTokens?: Record<string, number>;
}
export interface FitJob {
  protocol: number;
  group?: JobGroup;
  records: ProfilingRecord[];
  options: FitJobOptions;
  /** a user catalog as its JSON file has it (parsed and checked by the worker) */
  catalog?: unknown;
}
export interface FitJobResult { group?: JobGroup; model: EnergyModel }

/** The JSON-safe options of discoverEnergyStructure a job may set. */
export interface DiscoverJobOptions {
  targets?: string[]; maxTime?: number | null; maxEvaluations?: number | null; seed?: number; operators?: string[]; maxSize?: number;
  inputTokens?: Record<string, number>;
}
export interface DiscoverJob {
  protocol: number;
  group?: JobGroup;
  records: ProfilingRecord[];
  options: DiscoverJobOptions;
  catalog?: unknown;
}
export interface DiscoverJobResult { group?: JobGroup; discovery: DiscoveryJSON }

export type ValidJob = { name: 'island'; data: IslandJob } | { name: 'fit'; data: FitJob } | { name: 'discover'; data: DiscoverJob };

/** Largest record count a fit or discovery job accepts (a payload is held in Redis and in memory). */
export const MAX_JOB_RECORDS = 200_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (where: string, why: string): never => { throw new DistributedError('INVALID_JOB', `${where}: ${why}`); };
const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numberArray(v: unknown, where: string, integer = false): number[] {
  if (!Array.isArray(v)) return invalid(where, 'expected an array of numbers');
  for (let i = 0; i < v.length; i++) if (!isNum(v[i]) || (integer && !Number.isInteger(v[i]))) invalid(`${where}[${i}]`, `expected ${integer ? 'an integer' : 'a finite number'}, got ${JSON.stringify(v[i])}`);
  return v as number[];
}

/** A serialized expression: postfix (opcode, arg) pairs, constants, scores. A loss that went through JSON may be null (Infinity). */
export function checkMember(v: unknown, where: string): SerializedMember {
  if (!isObj(v)) return invalid(where, 'expected an expression object');
  const code = numberArray(v.code, `${where}.code`, true);
  if (code.length === 0 || code.length % 2 !== 0) invalid(`${where}.code`, `expected (opcode, arg) pairs, got ${code.length} numbers`);
  numberArray(v.consts, `${where}.consts`);
  if (v.loss !== null && typeof v.loss !== 'number') invalid(`${where}.loss`, 'expected a number');
  if (!isInt(v.complexity, 1)) invalid(`${where}.complexity`, 'expected a positive integer');
  if (!isNum(v.birth)) invalid(`${where}.birth`, 'expected a number');
  return v as unknown as SerializedMember;
}

function memberArray(v: unknown, where: string): void {
  if (!Array.isArray(v)) invalid(where, 'expected an array of expressions');
  (v as unknown[]).forEach((m, i) => checkMember(m, `${where}[${i}]`));
}

/** An island task: ids and counts, the island state's main fields, migrants, and options the engine accepts. */
export function checkIslandTask(v: unknown, where: string): IslandTask {
  if (!isObj(v)) return invalid(where, 'expected an island task object');
  if (!isInt(v.islandId, 0)) invalid(`${where}.islandId`, 'expected a non-negative integer');
  if (!isInt(v.generations, 1)) invalid(`${where}.generations`, 'expected a positive integer');
  const s = v.state;
  if (!isObj(s) || !isNum(s.version)) return invalid(`${where}.state`, 'expected an island state with a version');
  numberArray(s.rng, `${where}.state.rng`);
  if (!isNum(s.generation)) invalid(`${where}.state.generation`, 'expected a number');
  memberArray(s.members, `${where}.state.members`);
  memberArray(s.hallOfFame, `${where}.state.hallOfFame`);
  memberArray(v.migrants, `${where}.migrants`);
  if (!isObj(v.options)) invalid(`${where}.options`, 'expected the search options');
  try {
    resolveOptions(v.options as never);
  } catch (err) {
    invalid(`${where}.options`, (err as Error).message);
  }
  return v as unknown as IslandTask;
}

function checkRecord(v: unknown, where: string): void {
  if (!isObj(v)) invalid(where, 'expected a record object');
  const r = v as Obj;
  for (const c of COLUMNS) {
    const x = r[c.name];
    if (x === undefined || x === null) {
      if (c.required) invalid(`${where}.${c.name}`, 'missing');
      continue;
    }
    const ok = c.kind === 'positiveInteger' ? isInt(x, 1)
      : c.kind === 'positiveNumber' ? isNum(x) && x > 0
        : c.kind === 'nonNegativeNumber' ? isNum(x) && x >= 0
          : typeof x === 'string' && x.length > 0;
    if (!ok) invalid(`${where}.${c.name}`, `expected ${c.kind === 'string' || c.kind === 'precision' || c.kind === 'architecture' || c.kind === 'modality' ? 'a non-empty text' : `a ${c.kind}`}, got ${JSON.stringify(x)}`);
  }
}

function checkRecords(v: unknown, where: string): ProfilingRecord[] {
  if (!Array.isArray(v) || v.length === 0) return invalid(where, 'expected a non-empty array of records');
  if (v.length > MAX_JOB_RECORDS) invalid(where, `${v.length} records; a job takes at most ${MAX_JOB_RECORDS}`);
  v.forEach((r, i) => checkRecord(r, `${where}[${i}]`));
  return v as ProfilingRecord[];
}

function checkGroup(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!isObj(v) || v.by !== 'hardware' || typeof v.value !== 'string') invalid(where, 'expected { by: "hardware", value: name }');
}

function checkInputTokens(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!isObj(v) || Object.values(v).some((n) => !isNum(n) || n < 0)) invalid(where, 'expected an object of workload -> prompt tokens (>= 0)');
}

/** Option keys: each allowed key with its check; any other key is an error. */
function checkOptions(v: unknown, where: string, allowed: Record<string, (x: unknown) => boolean>): void {
  if (!isObj(v)) invalid(where, 'expected an options object');
  for (const [k, x] of Object.entries(v as Obj)) {
    const check = allowed[k];
    if (!check) invalid(`${where}.${k}`, `unknown option (known: ${Object.keys(allowed).join(', ')})`);
    if (x !== undefined && !check(x)) invalid(`${where}.${k}`, `invalid value ${JSON.stringify(x)}`);
  }
}

const anyTokens = (): boolean => true; // checked by checkInputTokens
const stringList = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string' && s.length > 0);
const FIT_OPTIONS = {
  useLatency: (x: unknown) => typeof x === 'boolean', latencyWeight: (x: unknown) => isNum(x) && x >= 0, restarts: (x: unknown) => isInt(x, 0),
  maxIterations: (x: unknown) => isInt(x, 1), seed: (x: unknown) => isInt(x, 0), robustRounds: (x: unknown) => isInt(x, 0), inputTokens: anyTokens,
};
const DISCOVER_OPTIONS = {
  targets: stringList, maxTime: (x: unknown) => x === null || (isNum(x) && x > 0), maxEvaluations: (x: unknown) => x === null || isInt(x, 1),
  seed: (x: unknown) => isInt(x, 0), operators: stringList, maxSize: (x: unknown) => isInt(x, 3), inputTokens: anyTokens,
};

/** The job, checked: INVALID_JOB naming the field otherwise. */
export function validateJob(name: string, data: unknown): ValidJob {
  const where = `job "${name}"`;
  if (!(JOB_NAMES as readonly string[]).includes(name)) invalid(where, `unknown job name (known: ${JOB_NAMES.join(', ')})`);
  if (!isObj(data)) return invalid(where, 'the payload is not an object');
  if (data.protocol !== JOB_PROTOCOL) invalid(`${where}.protocol`, `this worker speaks job protocol ${JOB_PROTOCOL}, got ${JSON.stringify(data.protocol)}`);
  if (name === 'island') {
    if (typeof data.datasetId !== 'string' || !/^[0-9a-f]{16}$/.test(data.datasetId)) invalid(`${where}.datasetId`, 'expected a dataset fingerprint (16 hex digits)');
    checkIslandTask(data.task, `${where}.task`);
    return { name, data: data as unknown as IslandJob };
  }
  checkGroup(data.group, `${where}.group`);
  checkRecords(data.records, `${where}.records`);
  checkOptions(data.options, `${where}.options`, name === 'fit' ? FIT_OPTIONS : DISCOVER_OPTIONS);
  checkInputTokens((data.options as Obj).inputTokens, `${where}.options.inputTokens`);
  if (data.catalog !== undefined && !isObj(data.catalog)) invalid(`${where}.catalog`, 'expected a user catalog object');
  return name === 'fit' ? { name, data: data as unknown as FitJob } : { name: 'discover', data: data as unknown as DiscoverJob };
}

/** The head checks what comes back as well: an island result for the island it asked about. */
export function checkIslandResult(v: unknown, islandId: number): IslandTaskResult {
  const where = `result of island ${islandId}`;
  if (!isObj(v)) return invalid(where, 'not an object');
  if (v.islandId !== islandId) invalid(`${where}.islandId`, `expected ${islandId}, got ${JSON.stringify(v.islandId)}`);
  if (!isObj(v.state) || !isNum(v.state.version)) invalid(`${where}.state`, 'expected an island state');
  memberArray(v.hallOfFame, `${where}.hallOfFame`);
  if (!isInt(v.evaluations, 0)) invalid(`${where}.evaluations`, 'expected a count');
  return v as unknown as IslandTaskResult;
}
