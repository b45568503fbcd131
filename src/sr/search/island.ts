/**
 * One island: age-regularised evolution of a population. `runIslandTask` is the pure function a worker runs:
 * the same task gives the same result, wherever it runs.
 *
 * A generation makes populationSize / 2 children (tournament, then mutation or crossover) and scores them in
 * one kernel call; with `options.annealing` each child is accepted or not by simulated annealing against its
 * parent, and the child (or the parent again) replaces the oldest member (regularised evolution). Then
 * Levenberg-Marquardt refits the constants of the lowest-cost members not fitted before (with probability
 * `optimizeProbability`), the size frequencies of adaptive parsimony are updated, and the island's hall of fame
 * takes what is new.
 */
import { SrError } from '../errors.js';
import { ageLimit, layerOf } from './age-layers.js';
import { compile, ProgramArena, setConstants, type Program } from '../expression/compile.js';
import { clone, op, type Node } from '../expression/node.js';
import type { Dataset, Evaluator } from '../eval/types.js';
import { createRng } from '../util/rng.js';
import { fitConstants } from './constants.js';
import { exactLossFloor } from '../regressor-data.js';
import { HallOfFame } from './hall-of-fame.js';
import { crossover, libraryMember, mutate, mutationContext, randomMember, randomProduct } from './mutate.js';
import { buildLibrary, semanticContext } from './semantic.js';
import { islandMutationOptions, islandTermCrossover, operatorComplexityOf, type SearchOptions } from './options.js';
import { emptyFrequency, selectionCost, updateSizeFrequency } from './parsimony.js';
import { makeMember, memberKey, readMember, serializeMember, tournament, type Member } from './population.js';
import { fitScaledConstants, scaledExpression, withoutScaleAndOffset } from './scaling.js';
import { reweightTerms, unitFor } from './term-weights.js';
import { caseEpsilons, lexicaseSelect, mseOfErrors, rowErrors } from './lexicase.js';
import { satisfiesConstraints } from './tree-ops.js';
import { unitPenalty } from './units.js';
import type { IslandState, IslandTask, IslandTaskResult, SerializedIsland, SerializedMember } from './runner.js';

export const ISLAND_STATE_VERSION = 1;
/** scale of the annealing acceptance: a child worse by a fraction d survives with probability exp(-d / (T alpha)) */
const ANNEALING_ALPHA = 0.1;

const OPTIMIZED_MEMORY = 256;

/**
 * A new island: its seed and nothing else. The first task draws and scores the initial population (scoring
 * needs the evaluator, which only the task's runner has), so a state can be made anywhere, even without data.
 */
export function createIslandState(islandId: number, seed: number): SerializedIsland {
  const state: IslandState = { version: ISLAND_STATE_VERSION, islandId, generation: 0, rng: createRng(seed).getState(), members: [], hallOfFame: [], frequency: [] };
  return state;
}

/** Loss of the constant predictor mean(y), which normalises losses in the selection cost. */
export function baselineLoss(evaluator: Evaluator, data: Dataset, o: SearchOptions): number {
  let mean = 0;
  for (const v of data.y) mean += v;
  mean /= data.nRows;
  const l = evaluator.losses([compile({ kind: 'const', value: mean })], o.loss)[0];
  return Number.isFinite(l) && l > 0 ? l : 1;
}

function constantBounds(o: SearchOptions, nConstants: number): { lower?: number[]; upper?: number[] } {
  if (!o.constantBounds) return {};
  return { lower: new Array<number>(nConstants).fill(o.constantBounds[0]), upper: new Array<number>(nConstants).fill(o.constantBounds[1]) };
}

/** What an island needs besides its task: an evaluator that already holds `data`, and `data` itself (y, weights). */
export interface IslandContext {
  evaluator: Evaluator;
  data: Dataset;
}

/** The complexities a * f + b may have (f, a * f, f + b, a * f + b): true when one of them would be kept. */
function scalingMayKeep(hof: HallOfFame, m: Member, o: SearchOptions): boolean {
  const times = operatorComplexityOf(o, '*') + o.constantComplexity;
  const plus = operatorComplexityOf(o, '+') + o.constantComplexity;
  return [times, plus, times + plus].some((extra) => hof.wouldKeep(m.complexity + extra, m.loss));
}

/**
 * [cost, index] of the members constant fitting may refit (finite loss and at least one constant), in index
 * order; null when any member's cost is NaN (a stable sort of these alone orders them as a sort of every member
 * does only when all costs compare consistently).
 */
function refitCandidates(members: readonly Member[], cost: (m: Member) => number): (readonly [number, number])[] | null {
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    const c = cost(m);
    if (Number.isNaN(c)) return null;
    if (Number.isFinite(m.loss) && m.program.consts.length > 0) out.push([c, i]);
  }
  return out;
}

export function runIslandTask(task: IslandTask, ctx: IslandContext): IslandTaskResult {
  const o = task.options;
  const s = task.state;
  if (s.version !== ISLAND_STATE_VERSION) {
    throw new SrError('CHECKPOINT_INVALID', `island state version ${s.version}; this engine reads version ${ISLAND_STATE_VERSION}`);
  }
  const { evaluator, data } = ctx;
  evaluator.setPrecision?.(o.precision ?? 'f64');
  const rng = createRng(0);
  rng.setState(s.rng);
  const mo = islandMutationOptions(o, task.islandId);
  // the semantic move's data and library, only when it has a weight (no draws otherwise: same stream as before)
  const semantic = mo.mutationWeights.semanticTerm > 0 ? semanticContext(evaluator, data, o.linearScaling) : undefined;
  const mctx = mutationContext(mo, data.nFeatures, rng, semantic);
  if (semantic) buildLibrary(semantic, o.semanticLibrarySize, () => libraryMember(mctx), mo);
  const baseline = baselineLoss(evaluator, data, o);
  let evaluations = 1;
  // the semantic move's predictions (its library's and each move's) count as evaluations
  const countSemantic = (): void => {
    if (semantic) { evaluations += semantic.evaluations; semantic.evaluations = 0; }
  };
  countSemantic();
  // dimensional analysis (options.units): the loss the search sees, inconsistent candidates penalised; identity without units
  const penalise = unitPenalty(o, data.nFeatures, baseline, task.dimensions);
  const frequency = s.frequency.length === o.maxSize + 1 ? s.frequency.slice() : emptyFrequency(o.maxSize);
  const hof = new HallOfFame();
  hof.merge(s.hallOfFame);
  let generation = s.generation;
  const optimized = new Set<string>(s.optimized ?? []);
  const remember = (key: string): void => {
    optimized.delete(key);
    optimized.add(key);
    if (optimized.size > OPTIMIZED_MEMORY) optimized.delete(optimized.values().next().value as string);
  };

  // new trees are compiled here, once: the members keep the programs
  const kernelLoss = o.linearScaling ? 'mse-scaled' : o.loss;
  // this island's termCrossover rate (options.termCrossoverIslands: 0 on islands outside the share)
  const termCrossover = islandTermCrossover(o, task.islandId);
  // what rebuilt term weights are written with (options.termWeights), or null: off, or no way to write a number
  const termUnit = (o.termWeights ?? 0) > 0 || termCrossover > 0 ? unitFor(o, data) : null;
  // the loss of an exact fit, which a rebuilt sum must reach in termWeightsMode 'exact' (a pass over the rows: only when on)
  const kernelFloor = termUnit ? exactLossFloor(data, o.linearScaling ? 'mse' : o.loss) : 0;
  // epsilon-lexicase (options.lexicase): each program's errors per row, predicted once (one evaluation each)
  const lexicaseOn = (o.lexicase ?? 0) > 0;
  const errorsByProgram = new WeakMap<Program, Float64Array>();
  const errorsOf = (p: Program): Float64Array => {
    let e = errorsByProgram.get(p);
    if (!e) {
      e = rowErrors(evaluator.predict(p), data.y);
      evaluations++;
      errorsByProgram.set(p, e);
    }
    return e;
  };
  // with loss mse and no scaling the errors give the loss too: one evaluation per tree, as the kernel's loss
  const scoreFromErrors = lexicaseOn && kernelLoss === 'mse';
  // children's programs live in slabs (they stay inside this task: members leave it serialised)
  const arena = new ProgramArena();
  const score = (trees: Node[]): { programs: Program[]; losses: Float64Array } => {
    const programs = trees.map((t) => arena.compile(t));
    let losses: Float64Array;
    if (scoreFromErrors) losses = Float64Array.from(programs, (p) => mseOfErrors(errorsOf(p), data.weights)); // errorsOf counts
    else {
      evaluations += trees.length;
      losses = trees.length > 0 ? evaluator.losses(programs, kernelLoss) : new Float64Array(0);
    }
    for (let i = 0; i < losses.length; i++) losses[i] = penalise(trees[i], losses[i]);
    return { programs, losses };
  };
  // what the hall of fame keeps: the member itself, or under linear scaling the expression a * f + b it stands
  // for, f without the outer scale and offset a and b replace (no cancelling pairs such as 5e5 - 1e-3 * (g + 4e8)).
  // (Dropping them from the members themselves, before scoring, was measured worse: Feynman dev half at 10 s,
  // exact 10 -> 6 and accurate 15 -> 10 of 40; a constant beside g is a stepping stone, c * g becomes x * g.)
  const floor = o.linearScaling ? exactLossFloor(data, 'mse') : 0;
  const offer = (m: Member): void => {
    if (!o.linearScaling) { hof.offer(serializeMember(m)); return; }
    const core = withoutScaleAndOffset(m.tree);
    const scaled = Number.isFinite(m.loss) ? scaledExpression(core, evaluator, data, floor, core === m.tree ? m.program : compile(core)) : null;
    evaluations += 5;
    if (scaled) hof.offer(serializeMember(makeMember(scaled.tree, scaled.program, penalise(core, scaled.loss), m.birth, o)));
  };

  let members: Member[] = s.members.map((m) => readMember(m, arena));
  // age layers (options.ageLayers, search/age-layers.ts): ages kept as each lineage's origin; off, no member has one
  const layered = (o.ageLayers ?? 0) > 0;
  const limit = ageLimit(o, task.islandId);
  const bottomLayer = layered && layerOf(o, task.islandId) === 0;
  const originNow = layered ? generation : undefined;
  if (layered) for (const m of members) m.origin ??= generation;
  let stagnantCycles = s.stagnantCycles ?? 0;
  let bestLoss = s.bestLoss ?? Infinity;
  let restarts = s.restarts ?? 0;
  if (!layered && o.restartAfterCycles > 0 && stagnantCycles >= o.restartAfterCycles && members.length > 0) {
    // stuck: a fresh random population (the island's hall of fame is kept; migrants arrive below)
    members = [];
    frequency.fill(0);
    stagnantCycles = 0;
    bestLoss = Infinity;
    restarts++;
  }
  // members moving up from the layer below: a free place, else in place of the costliest member when cheaper
  if (layered && task.arrivals) {
    for (const a of task.arrivals.map((m) => readMember(m, arena))) {
      const m = { ...a, birth: generation, origin: a.origin ?? generation };
      if (members.length < o.populationSize) { members.push(m); continue; }
      let worst = 0;
      let worstCost = -Infinity;
      members.forEach((x, i) => { const c = selectionCost(x, o, baseline, frequency); if (c > worstCost) { worst = i; worstCost = c; } });
      if (selectionCost(m, o, baseline, frequency) < worstCost) members[worst] = m;
    }
  }
  // random members: a whole population when there is none; with age layers, layer 0 tops itself up (re-seeding)
  const missing = members.length === 0 ? o.populationSize : bottomLayer ? o.populationSize - members.length : 0;
  if (missing > 0) {
    // a share of products of powers (options.productInitFraction; none by default, and then no extra draws)
    const nProducts = Math.round(o.productInitFraction * missing);
    const trees = Array.from({ length: missing }, (_, i) => (i < nProducts ? randomProduct(mctx) : null) ?? randomMember(mctx));
    const { programs, losses } = score(trees);
    members.push(...trees.map((t, i) => makeMember(t, programs[i], losses[i], generation, o, originNow)));
  }
  // migrants replace random members (with age layers, only those younger than this island's limit come in)
  if (task.migrants.length > 0) {
    const admitted = (m: Member): boolean => !layered || generation - (m.origin ?? generation) < limit;
    const incoming = task.migrants.map((m) => readMember(m, arena)).filter(admitted).slice(0, Math.max(0, members.length - 1));
    for (const m of incoming) members[rng.int(members.length)] = layered ? { ...m, birth: generation, origin: m.origin ?? generation } : { ...m, birth: generation };
  }
  for (const m of members) offer(m);

  const childrenPerGeneration = Math.max(1, Math.floor(o.populationSize / 2));
  const nOptimize = Math.max(o.optimizeFraction > 0 ? 1 : 0, Math.round(o.optimizeFraction * o.populationSize));
  for (let g = 0; g < task.generations; g++) {
    if (task.stopAtEpochMs !== undefined && Date.now() >= task.stopAtEpochMs) break; // the run's time is up
    if (task.evaluationBudget !== undefined && evaluations >= task.evaluationBudget) break; // its share of the evaluations is spent
    generation++;
    const costs = members.map((m) => selectionCost(m, o, baseline, frequency));
    const errors = lexicaseOn ? members.map((m) => errorsOf(m.program)) : [];
    const epsilons = lexicaseOn ? caseEpsilons(errors, data.nRows) : null;
    // (no draw when options.lexicase is 0: the random stream is the tournament's alone)
    const select = (): Member => (epsilons && rng.next() < o.lexicase ? members[lexicaseSelect(errors, epsilons, rng)] : tournament(members, costs, o, rng));
    const parents: Member[] = [];
    const children: Node[] = [];
    // with age layers, each child's lineage origin: the older parent's (age = the largest parent age + 1)
    const origins: (number | undefined)[] = [];
    // children made as the sum of two parents (options.termCrossover), always reweighted below
    const joined: boolean[] = [];
    for (let k = 0; k < childrenPerGeneration; k++) {
      const parent = select();
      let child: Node | null = null;
      let other: Member | undefined;
      joined[k] = false;
      if (termUnit && termCrossover > 0 && rng.next() < termCrossover) {
        other = select();
        const sum = op('+', parent.tree, other.tree);
        if (satisfiesConstraints(sum, o)) { child = sum; joined[k] = true; }
      } else if (rng.next() < o.crossoverProbability) {
        other = select();
        child = crossover(parent.tree, other.tree, mctx);
      } else child = mutate(parent.tree, mctx)?.tree ?? null;
      parents.push(parent);
      children.push(child ?? clone(parent.tree));
      origins.push(layered ? Math.min(parent.origin ?? generation, child && other ? (other.origin ?? generation) : Infinity) : undefined);
    }
    countSemantic();
    const { programs, losses } = score(children);
    // free weights over the root's additive terms, snapped to small rationals (options.termWeights; no draw when 0)
    if (termUnit) {
      for (let k = 0; k < children.length; k++) {
        if (!joined[k] && (!Number.isFinite(losses[k]) || rng.next() >= o.termWeights)) continue;
        const r = reweightTerms(children[k], losses[k], evaluator, data, o, kernelLoss, termUnit, kernelFloor, (n) => { evaluations += n; });
        if (!r) continue;
        const loss = penalise(r.tree, r.loss);
        if (!(loss < losses[k]) && o.termWeightsMode === 'improve') continue;
        children[k] = r.tree;
        programs[k] = r.program;
        losses[k] = loss;
      }
    }
    // local search on offspring: a few Levenberg-Marquardt iterations on the constants of (some) children before
    // they are judged (no draw when the probability is 0 or 1, so the random stream is unchanged when off)
    if (o.offspringOptimizeProbability > 0) {
      for (let k = 0; k < children.length; k++) {
        if (!Number.isFinite(losses[k]) || programs[k].consts.length === 0) continue;
        if (o.offspringOptimizeProbability < 1 && rng.next() >= o.offspringOptimizeProbability) continue;
        const settings = { maxIterations: o.offspringOptimizeIterations, restarts: 0, rng, ...constantBounds(o, programs[k].consts.length) };
        const fit = o.linearScaling ? fitScaledConstants(programs[k], evaluator, data, settings) : fitConstants(programs[k], evaluator, data, { loss: o.loss, ...settings });
        evaluations += fit.evaluations;
        if (fit.loss < losses[k]) {
          const tree = clone(children[k]);
          setConstants(tree, fit.constants);
          children[k] = tree;
          programs[k] = { ...programs[k], consts: Float64Array.from(fit.constants) };
          losses[k] = fit.loss;
        }
      }
    }
    // simulated annealing on the acceptance of each child (temperature falls from 1 to 0 over the task), then
    // the child, or a copy of its parent when rejected, replaces the oldest member (regularised evolution)
    const temperature = task.generations > 1 ? 1 - g / (task.generations - 1) : 0;
    const dupKey = (m: Member): string => `${m.complexity}|${Number.isFinite(m.loss) ? m.loss.toPrecision(10) : 'inf'}`;
    const present = new Map<string, number>();
    if (o.dedupe) for (const m of members) present.set(dupKey(m), (present.get(dupKey(m)) ?? 0) + 1);
    for (let k = 0; k < children.length; k++) {
      let child = makeMember(children[k], programs[k], losses[k], generation, o, origins[k]);
      const parentCost = selectionCost(parents[k], o, baseline, frequency);
      const childCost = selectionCost(child, o, baseline, frequency);
      const delta = (childCost - parentCost) / Math.max(parentCost, 1e-300);
      const accept = !o.annealing || delta <= 0 || (Number.isFinite(delta) && temperature > 0 && rng.next() < Math.exp(-delta / (temperature * ANNEALING_ALPHA)));
      // (the parent's tree itself: trees are never changed in place, constant fits write into copies)
      if (!accept) child = { ...parents[k], birth: generation };
      let oldest = 0;
      for (let i = 1; i < members.length; i++) if (members[i].birth < members[oldest].birth) oldest = i;
      // (with age layers an island short of members, one that lost some to the layer above, grows back instead)
      const grow = layered && members.length < o.populationSize;
      if (o.dedupe) {
        const key = dupKey(child);
        if ((present.get(key) ?? 0) > 0) continue; // a copy of a member already there: the oldest stays
        if (!grow) {
          const gone = dupKey(members[oldest]);
          present.set(gone, (present.get(gone) ?? 1) - 1);
        }
        present.set(key, 1);
      }
      if (grow) members.push(child);
      else members[oldest] = child;
      // (under linear scaling a and b may add to the complexity: offered when it would be kept at any of them)
      if (accept && (hof.wouldKeep(child.complexity, child.loss) || (o.linearScaling && scalingMayKeep(hof, child, o)))) offer(child);
    }
    // constants of the best few members, refitted
    // (no draw when the probability is 1, so the random stream does not depend on this option's presence)
    const optimizeNow = o.optimizeProbability >= 1 || (o.optimizeProbability > 0 && rng.next() < o.optimizeProbability);
    if (optimizeNow && nOptimize > 0 && o.optimizeIterations > 0) {
      // in order of cost, those that may be refitted (finite loss, constants): the order a stable sort of every
      // member gives them whenever no cost is NaN (then every member is sorted, as before); none without constants
      let order = refitCandidates(members, (m) => selectionCost(m, o, baseline, frequency));
      if (order === null) order = members.map((m, i) => [selectionCost(m, o, baseline, frequency), i] as const);
      order.sort((a, b) => a[0] - b[0]);
      let done = 0;
      for (const [, i] of order) {
        if (done >= nOptimize) break;
        const m = members[i];
        if (!Number.isFinite(m.loss) || m.program.consts.length === 0 || optimized.has(memberKey(m.program))) continue;
        done++;
        const bounds = constantBounds(o, m.program.consts.length);
        const settings = { maxIterations: o.optimizeIterations, restarts: o.optimizeRestarts, rng, ...bounds };
        const fit = o.linearScaling ? fitScaledConstants(m.program, evaluator, data, settings) : fitConstants(m.program, evaluator, data, { loss: o.loss, ...settings });
        evaluations += fit.evaluations;
        const tree = clone(m.tree);
        setConstants(tree, fit.constants);
        const fitLoss = penalise(tree, fit.loss);
        if (fitLoss < m.loss) {
          // the program's constants are numbered in the order of the tree's constant nodes (compile's postfix order)
          members[i] = { ...m, tree, program: { ...m.program, consts: Float64Array.from(fit.constants) }, loss: fitLoss };
          offer(members[i]);
        }
        remember(memberKey(members[i].program));
      }
    }
    // smoothed size frequencies (adaptive parsimony, see parsimony.ts)
    updateSizeFrequency(frequency, members.map((m) => m.complexity));
  }

  // with age layers, the members that reached this island's age limit leave it, to move up a layer
  const outgrown: Member[] = [];
  if (layered && Number.isFinite(limit)) {
    const kept: Member[] = [];
    for (const m of members) (generation - (m.origin ?? generation) >= limit ? outgrown : kept).push(m);
    members = kept;
  }
  const lowest = members.reduce((l, m) => Math.min(l, m.loss), Infinity);
  // progress is a fall of at least restartImprovement (relative) below the lowest loss held so far
  // (?? : an island task from a head that predates the option)
  const progress = Number.isFinite(bestLoss) ? lowest < bestLoss * (1 - (o.restartImprovement ?? 1e-9)) : lowest < bestLoss;
  if (progress) {
    bestLoss = lowest;
    stagnantCycles = 0;
  } else stagnantCycles++;
  const state: IslandState = {
    version: ISLAND_STATE_VERSION,
    islandId: task.islandId,
    generation,
    rng: rng.getState(),
    members: members.map(serializeMember),
    hallOfFame: hof.members(),
    frequency,
    optimized: [...optimized],
    bestLoss: Number.isFinite(bestLoss) ? bestLoss : undefined,
    stagnantCycles,
    restarts,
  };
  const result: IslandTaskResult = { islandId: task.islandId, state, hallOfFame: hof.members(), evaluations };
  if (layered) result.outgrown = outgrown.map(serializeMember);
  return result;
}
