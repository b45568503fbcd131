/**
 * equationSearch: the search loop, top to bottom. Validate options and data; start the runner; initialise
 * the islands; then cycles: every island runs `generationsPerCycle` generations (one task each, possibly in
 * parallel), migrants move along a ring and from the merged hall of fame, progress is reported, stop
 * conditions are checked; tear down; format the result.
 *
 * Migration is synchronised on generation counts, never on time, and every island has its own seed, so with a
 * given seed the result is the same whatever runs the islands (in-process, 1 or 8 workers, a queue). Only the
 * time budget is not reproducible (where it stops depends on the machine).
 */
import { SrError } from '../errors.js';
import { decompile } from '../expression/compile.js';
import type { Node } from '../expression/node.js';
import { validateDataset } from '../eval/dataset.js';
import { exactLossFloor } from '../regressor-data.js';
import type { Dataset } from '../eval/types.js';
import { createRng, deriveSeed, type Rng } from '../util/rng.js';
import { HallOfFame, selectModel } from './hall-of-fame.js';
import { InProcessRunner } from './in-process-runner.js';
import { createIslandState } from './island.js';
import { routeOutgrown } from './age-layers.js';
import { islandRole, resolveOptions, type SearchOptions } from './options.js';
import { dimensionTable, unitsByIndex } from './units.js';
import type { IslandRunner, IslandTask, IslandTaskResult, SerializedIsland, SerializedMember } from './runner.js';

export interface FrontMember {
  tree: Node;
  complexity: number;
  loss: number;
}

export interface SearchProgress {
  generations: number;
  evaluations: number;
  seconds: number;
  bestLoss: number;
  front: FrontMember[];
}

/** Everything needed to continue a search: saved in checkpoints. */
export interface SearchState {
  islands: SerializedIsland[];
  hallOfFame: SerializedMember[];
  /** migrants waiting for each island at the start of the next cycle */
  migrants: SerializedMember[][];
  /** with options.ageLayers: members moving up into each island at the start of the next cycle */
  arrivals?: SerializedMember[][];
  rng: number[];
  generations: number;
  evaluations: number;
  seconds: number;
  cycles: number;
  /** the current epoch (options.epochRestartCycles); absent: the run so far is epoch 0, its hall of fame the whole one */
  epoch?: EpochState;
}

/** Where the epochs of a search stand (options.epochRestartCycles). */
export interface EpochState {
  /** 0 for the first epoch */
  index: number;
  /** cycles since the epoch's lowest loss last fell */
  stagnantCycles: number;
  /** the epoch's lowest loss so far (null: none yet, or not finite) */
  bestLoss: number | null;
  /** the epoch's merged hall of fame (migrants from the front are drawn from it) */
  hallOfFame: SerializedMember[];
}

export interface SearchHooks {
  runner?: IslandRunner;
  onProgress?: (p: SearchProgress) => void;
  /** called after every cycle with the state to save (checkpoints) */
  onCycle?: (state: SearchState) => void | Promise<void>;
  signal?: AbortSignal;
  /** continue from a saved state */
  resume?: SearchState;
}

export interface SearchResult {
  front: FrontMember[];
  best: FrontMember | undefined;
  evaluations: number;
  generations: number;
  seconds: number;
  seed: number;
  /** 'exact': the best loss reached float precision (options.stopOnExact) */
  stoppedBy: 'time' | 'evaluations' | 'generations' | 'target' | 'exact' | 'aborted';
  options: SearchOptions;
  /** the islands' final states (also in `state`) */
  islands: SerializedIsland[];
  /** everything needed to continue: pass it as `hooks.resume` (or to `resumeSearch`) */
  state: SearchState;
}

const toFront = (members: readonly SerializedMember[]): FrontMember[] =>
  members.map((m) => {
    const code = Int32Array.from(m.code);
    return { tree: decompile({ code, consts: Float64Array.from(m.consts), length: code.length / 2, maxStack: 0, nFeaturesUsed: 0 }), complexity: m.complexity, loss: m.loss };
  });

export async function equationSearch(data: Dataset, partial: Partial<SearchOptions> = {}, hooks: SearchHooks = {}): Promise<SearchResult> {
  // 1. validate
  const resolved = resolveOptions(partial);
  validateDataset(data);
  // units by feature name become units by index (islands see indices only)
  const options = resolved.units ? { ...resolved, units: unitsByIndex(resolved.units, featureNamesOf(data)) } : resolved;
  // parsed here, once: the islands' workers need no unit parser (the web page's leave mathjs out)
  const dimensions = options.units ? { dimensions: dimensionTable(options.units, data.nFeatures) } : {};
  if (Array.isArray(options.featureComplexity) && options.featureComplexity.length !== data.nFeatures) {
    throw new SrError('INVALID_OPTION', `options.featureComplexity has ${options.featureComplexity.length} values; the data has ${data.nFeatures} features`);
  }
  if (hooks.resume && (!Array.isArray(hooks.resume.islands) || !Array.isArray(hooks.resume.hallOfFame) || !Array.isArray(hooks.resume.rng))) {
    throw new SrError('CHECKPOINT_INVALID', 'the saved search state lacks islands, hallOfFame or rng');
  }
  if (hooks.resume && hooks.resume.islands.length !== options.populations) {
    throw new SrError('CHECKPOINT_INVALID', `the saved search has ${hooks.resume.islands.length} islands; options.populations is ${options.populations}`);
  }
  // 2. start the runner
  const runner = hooks.runner ?? new InProcessRunner();
  const ownRunner = !hooks.runner;
  const started = performance.now();
  try {
    await runner.setDataset(data, options.loss);
    // 3. initialise
    const headRng = createRng(options.seed ^ 0x2545f491);
    const hof = new HallOfFame();
    let islands: SerializedIsland[];
    let generations = 0;
    let evaluations = 0;
    let cycles = 0;
    let secondsBefore = 0;
    if (hooks.resume) {
      islands = hooks.resume.islands;
      hof.merge(hooks.resume.hallOfFame);
      headRng.setState(hooks.resume.rng);
      generations = hooks.resume.generations;
      evaluations = hooks.resume.evaluations;
      cycles = hooks.resume.cycles;
      secondsBefore = hooks.resume.seconds;
    } else {
      islands = Array.from({ length: options.populations }, (_, i) => createIslandState(i, deriveSeed(options.seed, i)));
    }
    let migrants: SerializedMember[][] = hooks.resume?.migrants ?? islands.map(() => []);
    // epochs (options.epochRestartCycles): the current epoch's hall of fame feeds migration; off, it is the search's own
    const epochsOn = options.epochRestartCycles > 0;
    const saved = hooks.resume?.epoch;
    let epoch = { index: saved?.index ?? 0, stagnantCycles: saved?.stagnantCycles ?? 0, bestLoss: saved?.bestLoss ?? Infinity };
    let epochHof = hof;
    if (epochsOn && saved) {
      epochHof = new HallOfFame();
      epochHof.merge(saved.hallOfFame);
    } else if (epochsOn) {
      epochHof = new HallOfFame();
      epochHof.merge(hof.members());
    }
    const epochState = (): { epoch?: EpochState } => (epochsOn ? { epoch: { ...epoch, bestLoss: Number.isFinite(epoch.bestLoss) ? epoch.bestLoss : null, hallOfFame: epochHof.members() } } : {});
    // age layers (options.ageLayers): members that outgrew their layer, moving up (none when off)
    const layered = options.ageLayers > 0;
    let arrivals: SerializedMember[][] = hooks.resume?.arrivals ?? islands.map(() => []);
    const seconds = (): number => secondsBefore + (performance.now() - started) / 1000;
    const snapshot = (): SearchState => ({ islands, hallOfFame: hof.members(), migrants, ...(layered ? { arrivals } : {}), rng: headRng.getState(), generations, evaluations, seconds: seconds(), cycles, ...epochState() });
    let stoppedBy: SearchResult['stoppedBy'] = 'generations';
    // an exact fit (loss at the rounding floor) cannot be beaten: the rest of the budget would be spent for nothing
    const exactFloor = options.stopOnExact ? exactLossFloor(data, options.loss) : -Infinity;

    // 4. main loop
    for (;;) {
      if (hooks.signal?.aborted) { stoppedBy = 'aborted'; break; }
      // the time budget is also checked inside the cycle, between generations, so a long cycle cannot overrun it
      const stopAt = options.maxTime ? { stopAtEpochMs: Date.now() + Math.max(0, options.maxTime - seconds()) * 1000 } : {};
      // with strictEvaluationBudget the evaluation budget is shared out too, so a cycle cannot overrun it by much
      // (constant fitting on offspring makes a cycle cost several times the budget's granularity otherwise)
      const share = options.maxEvaluations && options.strictEvaluationBudget ? { evaluationBudget: Math.max(1, Math.ceil((options.maxEvaluations - evaluations) / islands.length)) } : {};
      const tasks: IslandTask[] = islands.map((state, i) => ({
        islandId: i, state, generations: options.generationsPerCycle, migrants: migrants[i], options, ...stopAt, ...share, ...dimensions,
        ...(layered ? { arrivals: arrivals[i] } : {}),
      }));
      const results = checkResults(await runner.run(tasks), tasks.length, runner.name);
      islands = results.map((r) => r.state);
      for (const r of results) {
        hof.merge(r.hallOfFame);
        if (epochHof !== hof) epochHof.merge(r.hallOfFame);
        evaluations += r.evaluations;
      }
      generations += options.generationsPerCycle;
      cycles++;
      migrants = migrate(results.map((r) => r.hallOfFame), epochHof.paretoFront(), options, headRng);
      if (layered) arrivals = routeOutgrown(results.map((r) => r.outgrown ?? []), options);
      if (epochsOn) {
        const before = epoch.index;
        epoch = nextEpoch(epoch, epochHof, options);
        if (epoch.index !== before) {
          // a new epoch: fresh islands (their own seeds), no migrants from the last one
          islands = Array.from({ length: options.populations }, (_, i) => createIslandState(i, deriveSeed(deriveSeed(options.seed, options.populations + epoch.index - 1), i)));
          migrants = islands.map(() => []);
          arrivals = islands.map(() => []);
          epochHof = new HallOfFame();
        }
      }

      const front = hof.paretoFront();
      const bestLoss = front.length ? Math.min(...front.map((m) => m.loss)) : Infinity;
      hooks.onProgress?.({ generations, evaluations, seconds: seconds(), bestLoss, front: toFront(front) });
      await hooks.onCycle?.(snapshot());
      // let the event loop run (signals, timers, I/O) even when the runner works in this thread
      await new Promise((resolve) => setImmediate(resolve));

      const stop = stopReason(options, { aborted: hooks.signal?.aborted ?? false, bestLoss, exactFloor, evaluations, generations, seconds: seconds() });
      if (stop) { stoppedBy = stop; break; }
    }

    // 5. format: the front ends at its first exact member (beating an exact fit is rounding noise, and under
    // linear scaling noise-level losses differ between equivalent forms)
    const front = toFront(untilExact(hof.paretoFront(), exactLossFloor(data, options.loss)));
    return { front, best: selectModel(front), evaluations, generations, seconds: seconds(), seed: options.seed, stoppedBy, options, islands, state: snapshot() };
  } finally {
    // 6. tear down
    if (ownRunner) await runner.close();
  }
}

/** The data's feature names when it carries them (datasetFromRows), else x0, x1, ... */
function featureNamesOf(data: Dataset & { featureNames?: readonly string[] }): string[] {
  const names = data.featureNames;
  return names && names.length === data.nFeatures ? [...names] : Array.from({ length: data.nFeatures }, (_, i) => `x${i}`);
}

/** The members up to and including the first whose loss is at the exact floor. */
function untilExact(front: SerializedMember[], floor: number): SerializedMember[] {
  const end = front.findIndex((m) => m.loss <= floor);
  return end < 0 ? front : front.slice(0, end + 1);
}

/** Why the search stops after this cycle, or null to go on. Checked in this order. */
function stopReason(o: SearchOptions, now: { aborted: boolean; bestLoss: number; exactFloor: number; evaluations: number; generations: number; seconds: number }): SearchResult['stoppedBy'] | null {
  if (now.aborted) return 'aborted';
  if (o.targetLoss !== null && o.targetLoss !== undefined && now.bestLoss <= o.targetLoss) return 'target';
  if (now.bestLoss <= now.exactFloor) return 'exact';
  if (o.maxEvaluations && now.evaluations >= o.maxEvaluations) return 'evaluations';
  if (o.maxGenerations && now.generations >= o.maxGenerations) return 'generations';
  if (o.maxTime && now.seconds >= o.maxTime) return 'time';
  return null;
}

/**
 * The epoch after a cycle: its lowest loss fell by restartImprovement (relative), or stagnated one more cycle;
 * after epochRestartCycles * epochGrowth^index stagnant cycles, the next epoch (index + 1, nothing seen yet).
 */
export function nextEpoch(e: { index: number; stagnantCycles: number; bestLoss: number }, epochHof: HallOfFame, o: SearchOptions): { index: number; stagnantCycles: number; bestLoss: number } {
  let lowest = Infinity;
  for (const m of epochHof.members()) if (m.loss < lowest) lowest = m.loss;
  const progress = Number.isFinite(e.bestLoss) ? lowest < e.bestLoss * (1 - o.restartImprovement) : lowest < e.bestLoss;
  if (progress) return { index: e.index, stagnantCycles: 0, bestLoss: lowest };
  const stagnant = e.stagnantCycles + 1;
  if (stagnant >= Math.max(1, Math.round(o.epochRestartCycles * o.epochGrowth ** e.index))) return { index: e.index + 1, stagnantCycles: 0, bestLoss: Infinity };
  return { ...e, stagnantCycles: stagnant };
}

/** One result per island, in island order; a runner that loses or duplicates an island is an error. */
function checkResults(results: IslandTaskResult[], nIslands: number, runnerName: string): IslandTaskResult[] {
  const sorted = [...results].sort((a, b) => a.islandId - b.islandId);
  if (sorted.length !== nIslands || sorted.some((r, i) => r.islandId !== i)) {
    throw new SrError('WORKER_FAILED', `runner ${runnerName} returned results for islands [${sorted.map((r) => r.islandId).join(', ')}]; expected 0 to ${nIslands - 1}`);
  }
  return sorted;
}

/**
 * Continues a saved search (`SearchResult.state`, or the state `onCycle` saw) with these options. Options that
 * shape the search should be the ones of the saved run; stop conditions may change.
 */
export function resumeSearch(data: Dataset, state: SearchState, partial: Partial<SearchOptions> = {}, hooks: Omit<SearchHooks, 'resume'> = {}): Promise<SearchResult> {
  return equationSearch(data, partial, { ...hooks, resume: state });
}

/**
 * Migrants for the next cycle. Each island receives `migrationFraction * populationSize` of the lowest-loss
 * members of the islands its topology names (ring: island i - 1; random: one other island drawn by the head's
 * RNG; all: the union of every other island), plus as many random members of the merged Pareto front.
 * With options.roleMigration other than 'mixed' an island takes only from the islands whose role it accepts
 * (its own; 'fromPlain' also plain ones): ring names the nearest such island before it, random draws among them,
 * and the front is merged from their halls of fame and its own.
 * Deterministic given the head's RNG, and computed after every island has finished the same number of
 * generations, so the schedule never depends on timing.
 */
export function migrate(islandBests: SerializedMember[][], front: SerializedMember[], o: SearchOptions, rng: Rng): SerializedMember[][] {
  const n = islandBests.length;
  const count = Math.max(1, Math.round(o.migrationFraction * o.populationSize));
  const byRole = (o.roleMigration ?? 'mixed') !== 'mixed';
  const roles = byRole ? islandBests.map((_, i) => islandRole(o, i)) : [];
  const takesFrom = (i: number, j: number): boolean => roles[j] === roles[i] || (o.roleMigration === 'fromPlain' && roles[j] === 'plain');
  const sources = (i: number): number[] => {
    if (byRole) {
      // in ring order from i - 1 backwards, so 'ring' names the nearest accepted island before i
      const accepted = Array.from({ length: n - 1 }, (_, d) => (i + n - 1 - d) % n).filter((j) => takesFrom(i, j));
      if (o.migrationTopology === 'all' || accepted.length === 0) return accepted;
      return o.migrationTopology === 'random' ? [accepted[rng.int(accepted.length)]] : [accepted[0]];
    }
    if (o.migrationTopology === 'all') return Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    if (o.migrationTopology === 'random') return [(i + 1 + rng.int(n - 1)) % n];
    return [(i + n - 1) % n];
  };
  const fronts = new Map<string, SerializedMember[]>();
  const frontOf = (i: number): SerializedMember[] => {
    if (!byRole) return front;
    let f = fronts.get(roles[i]);
    if (!f) {
      const merged = new HallOfFame();
      islandBests.forEach((b, j) => { if (takesFrom(i, j)) merged.merge(b); });
      f = merged.paretoFront();
      fronts.set(roles[i], f);
    }
    return f;
  };
  return islandBests.map((_, i) => {
    const out: SerializedMember[] = [];
    if (n > 1) {
      const pool = sources(i).flatMap((j) => islandBests[j]).sort((a, b) => a.loss - b.loss || a.complexity - b.complexity);
      out.push(...pool.slice(0, count));
    }
    const f = frontOf(i);
    for (let k = 0; k < count && f.length > 0; k++) out.push(f[rng.int(f.length)]);
    return out;
  });
}
