/**
 * Every message between the pool (pool-runner.ts) and its island workers (island-worker.ts).
 *
 * - The dataset travels once per worker: a request names the dataset it needs by id; a worker that does not
 *   hold it answers `DATASET_MISSING` and the pool sends the request again with the dataset attached. Workers
 *   cache datasets by id, so a pool can be reused across datasets and a caller may hand in a pool of its own.
 * - The dataset is flat typed arrays, sliced (copied) before posting so no view of anyone's memory travels.
 * - Typed errors do not survive the thread boundary (they arrive as plain Errors), so a worker answers
 *   `{ ok: false, code, message }` and the pool rebuilds the SrError from it.
 * - Members (population, hall of fame, migrants) travel as flat typed arrays (PackedMembers): their compiled code
 *   and constants back to back, the form the search keeps them in (`Program`), so nothing is rebuilt from
 *   per-member number arrays; the pool transfers the buffers of a request instead of copying them.
 */
import type { SrErrorCode } from '../errors.js';
import type { IslandState, IslandTask, IslandTaskResult, SerializedMember } from '../search/runner.js';
import { plainSlice } from '../util/plain-slice.js';

export const PROTOCOL_VERSION = 2;

/**
 * Members as flat typed arrays: member i's postfix (opcode, arg) pairs are code[codeEnd[i-1] .. codeEnd[i]) and
 * its constants consts[constEnd[i-1] .. constEnd[i]); scores[3i .. 3i+3) are its loss, complexity and birth.
 * A loss that is not a number (a JSON checkpoint's null for Infinity) travels as Infinity. Fields beyond these
 * travel in `extra` (member i's, or null), absent when no member has any.
 */
export interface PackedMembers {
  code: Int32Array;
  consts: Float64Array;
  codeEnd: Int32Array;
  constEnd: Int32Array;
  scores: Float64Array;
  extra?: (Record<string, unknown> | null)[];
}

export function packMembers(members: readonly SerializedMember[]): PackedMembers {
  const n = members.length;
  let nCode = 0;
  let nConsts = 0;
  for (const m of members) { nCode += m.code.length; nConsts += m.consts.length; }
  const p: PackedMembers = { code: new Int32Array(nCode), consts: new Float64Array(nConsts), codeEnd: new Int32Array(n), constEnd: new Int32Array(n), scores: new Float64Array(3 * n) };
  let atCode = 0;
  let atConsts = 0;
  members.forEach((m, i) => {
    const { code, consts, loss, complexity, birth } = m;
    p.code.set(code, atCode);
    p.consts.set(consts, atConsts);
    p.codeEnd[i] = atCode += code.length;
    p.constEnd[i] = atConsts += consts.length;
    p.scores[3 * i] = typeof loss === 'number' ? loss : Infinity;
    p.scores[3 * i + 1] = complexity;
    p.scores[3 * i + 2] = birth;
    if (hasExtraFields(m)) {
      const { code: _code, consts: _consts, loss: _loss, complexity: _complexity, birth: _birth, ...rest } = m;
      (p.extra ??= Array.from({ length: n }, () => null))[i] = rest;
    }
  });
  return p;
}

/** Whether a member has own enumerable fields beyond code, consts, loss, complexity and birth (Object.keys of the rest; no object made to find out). */
function hasExtraFields(m: SerializedMember): boolean {
  for (const k in m) {
    if (Object.hasOwn(m, k) && k !== 'code' && k !== 'consts' && k !== 'loss' && k !== 'complexity' && k !== 'birth') return true;
  }
  return false;
}

export function unpackMembers(p: PackedMembers): SerializedMember[] {
  const out: SerializedMember[] = [];
  for (let i = 0; i < p.codeEnd.length; i++) {
    const c0 = i === 0 ? 0 : p.codeEnd[i - 1];
    const k0 = i === 0 ? 0 : p.constEnd[i - 1];
    const m: SerializedMember = {
      ...p.extra?.[i],
      code: plainSlice(p.code, c0, p.codeEnd[i]),
      consts: plainSlice(p.consts, k0, p.constEnd[i]),
      loss: p.scores[3 * i],
      complexity: p.scores[3 * i + 1],
      birth: p.scores[3 * i + 2],
    };
    out.push(m);
  }
  return out;
}

/** An island's state as it crosses: its member lists packed, the rest as it is. */
export interface PackedState {
  state: IslandState;
  members: PackedMembers;
  hallOfFame: PackedMembers;
}

function packState(state: IslandState): PackedState {
  return { state: { ...state, members: [], hallOfFame: [] }, members: packMembers(state.members), hallOfFame: packMembers(state.hallOfFame) };
}

function unpackState(p: PackedState): IslandState {
  return { ...p.state, members: unpackMembers(p.members), hallOfFame: unpackMembers(p.hallOfFame) };
}

/** An island task as it crosses to a worker. */
export interface PackedTask {
  task: Omit<IslandTask, 'state' | 'migrants'>;
  state: PackedState;
  migrants: PackedMembers;
}

/** An island task's result as it crosses back. */
export interface PackedResult {
  result: Omit<IslandTaskResult, 'state' | 'hallOfFame'>;
  state: PackedState;
  hallOfFame: PackedMembers;
}

export function packTask({ state, migrants, ...task }: IslandTask): PackedTask {
  return { task, state: packState(state), migrants: packMembers(migrants) };
}

export function unpackTask(p: PackedTask): IslandTask {
  return { ...p.task, state: unpackState(p.state), migrants: unpackMembers(p.migrants) };
}

export function packResult({ state, hallOfFame, ...result }: IslandTaskResult): PackedResult {
  return { result, state: packState(state), hallOfFame: packMembers(hallOfFame) };
}

export function unpackResult(p: PackedResult): IslandTaskResult {
  return { ...p.result, state: unpackState(p.state), hallOfFame: unpackMembers(p.hallOfFame) };
}

/** The buffers of packed member lists (to transfer rather than copy; each list owns its buffers). */
export function transferables(...lists: PackedMembers[]): ArrayBuffer[] {
  return lists.flatMap((p) => [p.code, p.consts, p.codeEnd, p.constEnd, p.scores].map((a) => a.buffer as ArrayBuffer));
}

/** The dataset as sent to a worker: feature-major X, as in `Dataset`. */
export interface WorkerDataset {
  /** content fingerprint (see datasetFingerprint) */
  id: string;
  X: Float64Array;
  y: Float64Array;
  weights?: Float64Array;
  nFeatures: number;
  nRows: number;
}

/**
 * Test hook: 'exit' runs the island and then ends the worker thread before answering, as a crash mid-task
 * would (the work is lost, the pool sees the worker die).
 */
export type WorkerFault = 'exit';

export interface IslandRequest {
  type: 'island';
  protocol: number;
  /** the dataset this task runs on */
  datasetId: string;
  /** attached only after the worker answered DATASET_MISSING */
  dataset?: WorkerDataset;
  task: PackedTask;
  fault?: WorkerFault;
}

/** Protocol code (never rebuilt into an error): this worker does not hold the dataset yet. */
export const DATASET_MISSING = 'DATASET_MISSING';

export type IslandResponse =
  | { ok: true; result: PackedResult; /** the worker thread's id (diagnostics) */ threadId: number }
  | { ok: false; code: SrErrorCode | typeof DATASET_MISSING; message: string };

/** Copies a dataset's arrays into fresh buffers of exactly their length (safe to post or transfer). */
export function sliceDataset(id: string, data: { X: Float64Array; y: Float64Array; weights?: Float64Array; nFeatures: number; nRows: number }): WorkerDataset {
  const out: WorkerDataset = { id, X: data.X.slice(), y: data.y.slice(), nFeatures: data.nFeatures, nRows: data.nRows };
  if (data.weights) out.weights = data.weights.slice();
  return out;
}

/** The island worker's named export that piscina calls (its `name` option; the worker has no default export). */
export const ISLAND_WORKER_EXPORT = 'runIsland';
