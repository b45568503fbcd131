/**
 * Search options: one interface, one set of defaults, one validator whose messages name the field and the
 * allowed range. Options are JSON-safe: they travel to workers, into checkpoints and through queues.
 */
import { SrError } from '../errors.js';
import { operatorByName, type OperatorName } from '../expression/operators.js';
import { LOSS_NAMES, PRECISIONS, type LossName, type Precision } from '../eval/types.js';
import { validateUnits, type UnitsOption } from './units.js';

/** when a child rebuilt with snapped term weights replaces it (options.termWeightsMode) */
export type TermWeightsMode = 'exact' | 'improve';
export const TERM_WEIGHTS_MODES: readonly TermWeightsMode[] = ['exact', 'improve'];

export interface MutationWeights {
  perturbConstant: number;
  changeOperator: number;
  changeFeature: number;
  insertNode: number;
  deleteNode: number;
  replaceSubtree: number;
  swapOperands: number;
  /**
   * tree rotation: a node N with an operator child P becomes P, with N (holding one of P's children in P's
   * place) as that child; keeps every node, and for associative operators the value too (a * b) * c -> a * (b * c)
   */
  rotateTree: number;
  simplify: number;
  randomize: number;
  /** the child is a copy of its parent (keeps good members alive under regularised evolution) */
  doNothing: number;
  /**
   * products of powers (most physical laws are one, up to the scale linear scaling fits): a factor of the
   * tree's product (the root, or a node reached from it through * and / only) multiplied or divided by a
   * random feature, sometimes its square (needs * or / in the operators)
   */
  multiplyByFeature: number;
  /**
   * a factor of the tree's product raised or lowered one step on the ladder sqrt(g), g, square(g), cube(g)
   * (and g <-> 1 / g when / is there); only the operators in options.operators are used
   */
  powerFactor: number;
  /**
   * a node anywhere becomes node + t or node - t, t a random product of powers of features (randomProduct): the
   * sums inside laws such as sqrt(Bx^2 + By^2 + Bz^2) grow a term at a time
   */
  addTerm: number;
  /**
   * residual-guided term (semantic backpropagation, search/semantic.ts): at a random node, the values the node
   * should take for the tree to equal y are found by inverting the operators above it; the library expression
   * (options.semanticLibrarySize short random expressions scored on the rows) and the join (in place of the node,
   * node + t, node - t, node * t, node / t) closest to them make the child. Off (0) by default: at 0.1, Nguyen
   * 1-12 without constants, 2.5M evaluations, seeds 1-5, Nguyen-7 1 -> 1, Nguyen-12 0 -> 0, Nguyen-4 5 -> 4 of 5
   */
  semanticTerm: number;
  /**
   * algebraic rewrite of one node that keeps its value where both sides are defined: log(a) + log(b) <->
   * log(a * b), log(a) - log(b) <-> log(a / b), exp(a) * exp(b) <-> exp(a + b), exp(a) / exp(b) <-> exp(a - b)
   * (sums of logarithms and products inside one log are reached from each other). Off (0) by default: at 0.05,
   * Nguyen-7 (2.5M evaluations) 1 -> 2 of 5 on seeds 1-5 but 1 -> 0 on seeds 6-10, Nguyen-4 5 -> 4 of 5
   */
  logSum: number;
}

export interface SearchOptions {
  /** operator names from the table (aliases allowed) */
  operators: string[];
  /** complexity per operator name (defaults to the table's) */
  operatorComplexity: Record<string, number>;
  /** complexity of a feature (one number, or one per feature) */
  featureComplexity: number | number[];
  constantComplexity: number;
  /**
   * chance that a new leaf (initial trees, inserted nodes, new subtrees) is a constant rather than a feature;
   * 0 searches without constants (function sets without `const`, as most Nguyen problems are defined)
   */
  constantProbability: number;
  /** largest complexity of an expression */
  maxSize: number;
  /** largest depth of an expression (a leaf has depth 1) */
  maxDepth: number;
  /** [outer, inner]: `inner` may not appear anywhere below `outer` */
  forbiddenNestings: [string, string][];
  loss: LossName;
  /**
   * linear scaling (loss 'mse' only): each candidate f is scored by the mse of the best a * f + b, in closed form,
   * and the search returns those a * f + b (see search/scaling.ts). On by default for mse (Feynman dev half, 10 s
   * per problem: exact 2 -> 10 of 40, R2 > 0.999 1 -> 13 of 40); other losses turn the default off, and asking
   * for it with another loss is an error; constantProbability 0 (a search without constants) also turns the
   * default off (Nguyen sets without `const`: 9 -> 6 of 24 runs recovered with it), asking for it keeps it
   */
  linearScaling: boolean;
  /** arithmetic of loss evaluation: 'f64' (default) or 'f32' (f32x4 lanes, loss summed in f64; constant fitting's Jacobian stays f64) */
  precision: Precision;
  /** number of islands (populations) */
  populations: number;
  populationSize: number;
  tournamentSize: number;
  /** probability that a tournament picks its best member (else the next, and so on) */
  tournamentProbability: number;
  /** generations an island runs between two migrations (one task) */
  generationsPerCycle: number;
  /** fraction of an island replaced by migrants at each migration */
  migrationFraction: number;
  /**
   * which islands send their best to which: 'ring' (island i receives from island i - 1), 'random' (from one
   * other island drawn by the head's seeded RNG each cycle) or 'all' (the best of every other island)
   */
  migrationTopology: MigrationTopology;
  /**
   * an island whose lowest loss has not improved for this many cycles starts again from a random population
   * (migrants then bring the best of the others back in as a minority); 0 never restarts
   */
  restartAfterCycles: number;
  /**
   * the relative fall of an island's lowest loss that counts as progress for restartAfterCycles: a fall smaller
   * than this (constant fitting shaving a plateau) leaves the island stagnant
   */
  restartImprovement: number;
  /**
   * epochs: when the lowest loss of the current epoch's merged hall of fame has not fallen (by restartImprovement,
   * relative) for this many cycles, a new epoch starts: every island afresh from a random population, migrants
   * (ring and front) drawn from the new epoch only; the search's hall of fame keeps every epoch's members for the
   * final front; 0: one epoch. Default 25 (chosen against 10 on Nguyen-7 and -12, seeds 1-5, confirmed on seeds
   * 6-10; Nguyen 1-12 without constants at 2.5M evaluations, 11 of 12 problems at >= 4 of 5 seeds on seeds 1-5 and on
   * 6-10, against 10 and 8 with 0: Nguyen-7 1 -> 4 of 5 on both; Feynman dev half unchanged at 100k evaluations,
   * where no epoch can end, and on 6 of its problems at 1M, see README)
   */
  epochRestartCycles: number;
  /** epoch e waits epochRestartCycles * epochGrowth^e stagnant cycles (rounded): later epochs run longer */
  epochGrowth: number;
  /**
   * age-layered populations (Hornby's ALPS, search/age-layers.ts): the islands are split into this many layers of
   * contiguous ids; layer l admits members younger than ageGap * (1, 2, 4, 9, 16, ...)[l] generations (the top
   * layer any age), members that reach the limit move up to the next layer instead of dying, and layer 0 re-seeds
   * itself with random members as its own age out. A member's age counts generations since its oldest ancestor was
   * drawn at random. restartAfterCycles is not used when layered. 0 (default) off: the search as before, draw for
   * draw; else 2 to populations
   */
  ageLayers: number;
  /** generations per step of the layers' age limits (options.ageLayers; unused when it is 0); ages are checked between cycles */
  ageGap: number;
  /**
   * a child (or the parent's copy when annealing rejects it) whose complexity and loss (10 significant digits)
   * match a member already in the population does not replace the oldest member: equivalent forms and copies
   * do not crowd out the rest
   */
  dedupe: boolean;
  /**
   * fraction of each new population (the first, and after a restart) drawn as random products of powers of
   * features (1 to 4 factors, each a feature, its sqrt, square or cube, joined by * and /) instead of random trees
   */
  productInitFraction: number;
  /**
   * share of the islands (spread evenly over the island ids) whose mutations include the product-of-powers moves
   * (mutationWeights.multiplyByFeature and powerFactor); the others run without them. Default 1 (every island).
   * Measured in searches without constants (Nguyen 1-12, 2.5M evaluations): the moves help polynomials and hinder
   * sums of logarithms (with them on no island, seeds 1-5, Nguyen-7 1 -> 4 of 5 seeds but Nguyen-4 5 -> at most
   * 3); on half the islands, Nguyen-4 5 -> 5 and Nguyen-7 1 -> 2 of 5 on seeds 1-5, 2 -> 2 and 1 -> 1 on seeds
   * 6-10 (held out): no gain, so not a default
   */
  productMoveIslands: number;
  /** short random expressions each island scores per cycle for mutationWeights.semanticTerm (unused when it is 0) */
  semanticLibrarySize: number;
  /**
   * chance that a child whose root is a chain of 2 to termWeightsMaxTerms terms joined by + and - is rebuilt
   * with the least-squares weights of those terms snapped to small rationals p / q (|p|, q <= 4), written with
   * the tree's own means (search/term-weights.ts); 0 (default) turns it off. Each term's prediction and the
   * rebuilt tree count as evaluations. Off by default: at 1 (mode 'improve'), Nguyen without constants, 2.5M
   * evaluations, seeds 1-5, Nguyen-7 1 -> 0 and Nguyen-12 0 -> 0 of 5
   */
  termWeights: number;
  /**
   * chance that a child is the sum of two selected parents, its terms then reweighted as termWeights does (always,
   * whatever termWeights is) so that terms snapped to 0 leave: two parts of a law found apart meet. 0 (default) off:
   * at 0.1, Nguyen without constants, 2.5M evaluations, Nguyen-12 0 -> 1 of 5 (seeds 1-5) and 0 -> 2 of 5 (seeds
   * 6-10), Nguyen-7 1 -> 0 and 1 -> 0, but seeds 1-5 Nguyen-3 5 -> 4, Nguyen-4 5 -> 3, Nguyen-5 5 -> 3 of 5
   */
  termCrossover: number;
  /**
   * share of the islands (spread evenly over the island ids, as productMoveIslands) that make termCrossover children;
   * the others run as with termCrossover 0. Default 1 (every island); unused when termCrossover is 0. At 0.5 with
   * termCrossover 0.1 (Nguyen without constants, 2.5M evaluations): Nguyen-12 0 -> 2 of 5 (seeds 1-5) and 0 -> 1
   * (seeds 6-10), Nguyen-7 1 -> 1 and 1 -> 0, Nguyen-3, -4, -5 within a seed of the base: far from a default
   */
  termCrossoverIslands: number;
  /**
   * false (default): the productMoveIslands and termCrossoverIslands shares are each spread over the island ids on
   * their own, so an island may have both. true: the product moves keep their share and the termCrossover share
   * (still a share of all the islands) is taken from the other islands only, so an island makes products or sums,
   * never both; islands in neither share are plain. Unused when termCrossover is 0. Off by default: alone (with
   * termCrossover 0.1, both shares 0.5; Nguyen without constants, 2.5M evaluations, seeds 1-5) Nguyen-7 and
   * Nguyen-12 0 of 5; with roleMigration 'within' see there
   */
  disjointIslandRoles: boolean;
  /**
   * whose migrants an island takes in, by role (islandRole: product moves, termCrossover, both, or plain):
   * 'mixed' (default) every island's, as migrationTopology says; 'within' only islands of its own role, the
   * merged-front migrants too drawn from its own role's islands' halls of fame; 'fromPlain' its own role's and
   * the plain islands' (plain islands take only from plain ones), so the roles' members never reach plain islands.
   * 'mixed' by default: 'within' with disjointIslandRoles, termCrossover 0.1 and both shares 0.5 (Nguyen without
   * constants, 2.5M evaluations) gave Nguyen-3, -4, -5, -7, -12 18 of 25 seeds against the base's 16 (seeds 1-5)
   * and 16 against 12 (seeds 6-10, held out), Nguyen-12 0 -> 4 of 10, but Nguyen-7 2 and 1 of 5: Nguyen 1-12
   * stays at 10 of 12
   */
  roleMigration: RoleMigration;
  termWeightsMaxTerms: number;
  /**
   * chance that a parent is chosen by epsilon-lexicase selection on the rows' errors (search/lexicase.ts) instead
   * of the tournament; 0 (default) turns it off. Each member's predictions count as an evaluation (with loss 'mse'
   * and no linear scaling they are also what scores it, so a child costs one evaluation as before). Off by
   * default: at 0.5, Nguyen without constants, 2.5M evaluations, seeds 1-5, Nguyen-7 1 -> 1, Nguyen-12 0 -> 0 of 5
   */
  lexicase: number;
  /**
   * when the rebuilt child replaces the child: 'improve' when its loss is lower, 'exact' only when it fits
   * exactly with every weight within 1e-6 of its rational
   */
  termWeightsMode: TermWeightsMode;
  /** linear parsimony on normalised loss, per unit of complexity */
  parsimony: number;
  /** weight of the size-frequency penalty (adaptive parsimony); 0 turns it off */
  adaptiveParsimonyScaling: number;
  mutationWeights: MutationWeights;
  crossoverProbability: number;
  /**
   * simulated annealing on the acceptance of children: a child costing more than its parent survives with a
   * probability that falls with the temperature (1 to 0 over each cycle); rejected children are copies of their
   * parent. false: every valid child replaces the oldest member.
   */
  annealing: boolean;
  /** probability that a generation ends with constant optimisation (1: every generation) */
  optimizeProbability: number;
  /** fraction of the population (the lowest-cost members) whose constants Levenberg-Marquardt refits */
  optimizeFraction: number;
  optimizeIterations: number;
  optimizeRestarts: number;
  /**
   * local search on offspring (Operon's): the chance that a child with constants gets
   * `offspringOptimizeIterations` Levenberg-Marquardt iterations (no restarts) before it is judged; 0 turns it off
   */
  offspringOptimizeProbability: number;
  offspringOptimizeIterations: number;
  /** [lower, upper] bounds for every constant during constant optimisation, or null for none */
  constantBounds: [number, number] | null;
  /** simplify members with mathjs during the search (slower; the final front is always simplified) */
  simplifyDuringSearch: boolean;
  /** stop conditions (0 or null: no limit) */
  maxTime: number | null;
  maxEvaluations: number | null;
  /**
   * share maxEvaluations out to the islands' tasks, each ending its cycle once it has spent its share, so the
   * run stops within about a generation of the budget (false: the budget is checked once per cycle, which may
   * overrun it by a cycle, 30-80 % at 50,000 evaluations on Feynman data, several times with offspring local search)
   */
  strictEvaluationBudget: boolean;
  targetLoss: number | null;
  maxGenerations: number | null;
  /** stop once the best loss is at float precision (an exact fit: see exactLossFloor) */
  stopOnExact: boolean;
  seed: number;
  /**
   * units of the features and the target, or null (no dimensional analysis): dimensionally inconsistent
   * candidates are penalised, constants may carry any unit (see search/units.ts)
   */
  units: UnitsOption | null;
}

export type MigrationTopology = 'ring' | 'random' | 'all';
export const MIGRATION_TOPOLOGIES: readonly MigrationTopology[] = ['ring', 'random', 'all'];
/** whose migrants an island takes in, by role (options.roleMigration) */
export type RoleMigration = 'mixed' | 'within' | 'fromPlain';
export const ROLE_MIGRATIONS: readonly RoleMigration[] = ['mixed', 'within', 'fromPlain'];

export const DEFAULT_MUTATION_WEIGHTS: MutationWeights = {
  // 0.1, not 0.35: linear scaling and Levenberg-Marquardt already fit the constants, and the Feynman misses are
  // structure (gap analysis: none had the right structure with wrong constants). At 100,000 evaluations per
  // problem, 20 problems per half, seed 1: dev (chosen) exact 7 -> 9, R2 > 0.999 11 -> 12 of 20; held-out
  // (confirmed) exact 8 -> 10, accurate 9 -> 10 of 20, no problem lost; Nguyen 1-12 at 20,000 evaluations,
  // seeds 1-2, 9 -> 8 of 24 runs (3 and 3 problems in both seeds: constant-free sets, only the random stream moves)
  perturbConstant: 0.1,
  changeOperator: 0.1,
  changeFeature: 0.1,
  insertNode: 0.15,
  deleteNode: 0.1,
  replaceSubtree: 0.08,
  swapOperands: 0.04,
  rotateTree: 0,
  simplify: 0.02,
  randomize: 0.01,
  doNothing: 0,
  // products of powers (feyn5): at 100,000 evaluations per problem, 20 problems per half, seed 1, dev (chosen
  // among 0.05, 0.1 and 0.2 each) exact 9 -> 11, R2 > 0.999 12 -> 15 of 20 (I.32.5, I.43.43, II.11.20 exact);
  // held-out (confirmed) exact 10 -> 10, accurate 10 -> 10, CPU 102 -> 88 s
  multiplyByFeature: 0.1,
  powerFactor: 0.1,
  addTerm: 0,
  semanticTerm: 0,
  logSum: 0,
};

export const DEFAULT_OPTIONS: SearchOptions = {
  // no sin and cos unless asked: on data without periodic structure they buy small fits with stray
  // constants (cos((-6.27 - pp) ^ 3) on energy data, issue 16); pass them in options.operators when wanted
  operators: ['+', '-', '*', '/', 'square', 'cube', 'sqrt', 'exp', 'log'],
  operatorComplexity: {},
  featureComplexity: 1,
  constantComplexity: 1,
  constantProbability: 0.35,
  maxSize: 30,
  maxDepth: 12,
  forbiddenNestings: [
    ['exp', 'exp'], ['exp', 'log'], ['log', 'exp'], ['log', 'log'], ['sin', 'sin'], ['sin', 'cos'],
    ['cos', 'sin'], ['cos', 'cos'], ['tanh', 'tanh'], ['sqrt', 'sqrt'], ['asin', 'asin'], ['asin', 'acos'],
    ['acos', 'asin'], ['acos', 'acos'],
  ],
  loss: 'mse',
  linearScaling: true,
  precision: 'f64',
  populations: 8,
  populationSize: 64,
  tournamentSize: 8,
  tournamentProbability: 0.86,
  generationsPerCycle: 20,
  migrationFraction: 0.016,
  migrationTopology: 'ring',
  restartAfterCycles: 4,
  restartImprovement: 1e-9,
  epochRestartCycles: 25,
  epochGrowth: 1,
  ageLayers: 0,
  // chosen between 60 and 200 on Nguyen seeds 1-5 at 2.5M evaluations (4 layers): Nguyen-4 3 -> 5 of 5 (README)
  ageGap: 200,
  dedupe: false,
  productInitFraction: 0,
  productMoveIslands: 1,
  semanticLibrarySize: 128,
  termWeights: 0,
  termCrossover: 0,
  termCrossoverIslands: 1,
  disjointIslandRoles: false,
  roleMigration: 'mixed',
  termWeightsMaxTerms: 6,
  lexicase: 0,
  termWeightsMode: 'improve',
  parsimony: 0.0005,
  adaptiveParsimonyScaling: 100,
  mutationWeights: DEFAULT_MUTATION_WEIGHTS,
  crossoverProbability: 0.06,
  annealing: true,
  optimizeProbability: 1,
  optimizeFraction: 0.05,
  optimizeIterations: 20,
  optimizeRestarts: 1,
  offspringOptimizeProbability: 0,
  offspringOptimizeIterations: 5,
  constantBounds: null,
  simplifyDuringSearch: false,
  maxTime: 60,
  maxEvaluations: null,
  strictEvaluationBudget: false,
  targetLoss: null,
  maxGenerations: null,
  stopOnExact: true,
  seed: 0,
  units: null,
};

const bad = (message: string): never => {
  throw new SrError('INVALID_OPTION', message);
};
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const posInt = (name: string, v: unknown): void => { if (!isInt(v) || v < 1) bad(`options.${name} must be a positive integer, got ${String(v)}`); };
const inRange = (name: string, v: unknown, lo: number, hi: number): void => {
  if (typeof v !== 'number' || !(v >= lo && v <= hi)) bad(`options.${name} must be a number in [${lo}, ${hi}], got ${String(v)}`);
};
const optionalLimit = (name: string, v: unknown, integer: boolean): void => {
  if (v === null || v === undefined || v === 0) return;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    bad(`options.${name} must be ${integer ? 'a positive integer' : 'a positive number'} or null, got ${String(v)}`);
  }
};

/** Defaults filled in, every field checked; throws INVALID_OPTION or UNKNOWN_OPERATOR naming the field. */
export function resolveOptions(partial: Partial<SearchOptions> = {}): SearchOptions {
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_OPTIONS)) bad(`unknown option "${key}"; known options: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`);
  }
  const o: SearchOptions = {
    ...DEFAULT_OPTIONS,
    ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)),
    mutationWeights: { ...DEFAULT_MUTATION_WEIGHTS, ...(partial.mutationWeights ?? {}) },
  } as SearchOptions;
  if (!Array.isArray(o.operators) || o.operators.length === 0) bad('options.operators must list at least one operator');
  o.operators = o.operators.map((name) => {
    const op = operatorByName(String(name).trim());
    if (!op) throw new SrError('UNKNOWN_OPERATOR', `options.operators: unknown operator "${name}"`);
    return op.name;
  });
  o.operators = [...new Set(o.operators)];
  if (typeof o.operatorComplexity !== 'object' || o.operatorComplexity === null || Array.isArray(o.operatorComplexity)) {
    bad('options.operatorComplexity must be an object of operator name -> complexity');
  }
  const canonical = (field: string, name: unknown): OperatorName => {
    const op = typeof name === 'string' ? operatorByName(name.trim()) : undefined;
    if (!op) throw new SrError('UNKNOWN_OPERATOR', `options.${field}: unknown operator "${String(name)}"`);
    return op.name;
  };
  const complexities: Record<string, number> = {};
  for (const [name, c] of Object.entries(o.operatorComplexity)) {
    inRange(`operatorComplexity.${name}`, c, 0, 100);
    complexities[canonical('operatorComplexity', name)] = c;
  }
  o.operatorComplexity = complexities;
  if (Array.isArray(o.featureComplexity)) o.featureComplexity.forEach((c, i) => inRange(`featureComplexity[${i}]`, c, 0, 100));
  else inRange('featureComplexity', o.featureComplexity, 0, 100);
  inRange('constantComplexity', o.constantComplexity, 0, 100);
  inRange('constantProbability', o.constantProbability, 0, 1);
  posInt('maxSize', o.maxSize);
  if (o.maxSize < 3) bad(`options.maxSize must be at least 3, got ${o.maxSize}`);
  posInt('maxDepth', o.maxDepth);
  if (o.maxDepth < 2) bad(`options.maxDepth must be at least 2, got ${o.maxDepth}`);
  if (!Array.isArray(o.forbiddenNestings)) bad('options.forbiddenNestings must be a list of [outer, inner] operator pairs');
  o.forbiddenNestings = o.forbiddenNestings.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) bad(`options.forbiddenNestings must be a list of [outer, inner] operator pairs, got ${JSON.stringify(pair)}`);
    return [canonical('forbiddenNestings', pair[0]), canonical('forbiddenNestings', pair[1])];
  });
  if (!LOSS_NAMES.includes(o.loss)) bad(`options.loss must be one of ${LOSS_NAMES.join(', ')}, got ${String(o.loss)}`);
  if (typeof o.linearScaling !== 'boolean') bad('options.linearScaling must be true or false');
  if (o.linearScaling && o.loss !== 'mse') {
    if (partial.linearScaling === true) bad(`options.linearScaling needs options.loss "mse", got "${o.loss}"`);
    o.linearScaling = false; // the default applies to mse only
  }
  // a search without constants (constantProbability 0, as the Nguyen function sets without `const`) gets no a and
  // b either unless it asks: Nguyen 1-12 at 20,000 evaluations, seeds 1-2, 1 worker, exactly recovered runs 9 of 24
  // without scaling against 6 of 24 with it (BENCH_OPTIONS='{"workers":1,"maxTime":null,"maxEvaluations":20000}')
  if (o.linearScaling && o.constantProbability === 0 && partial.linearScaling !== true) o.linearScaling = false;
  if (!PRECISIONS.includes(o.precision)) bad(`options.precision must be one of ${PRECISIONS.join(', ')}, got ${String(o.precision)}`);
  posInt('populations', o.populations);
  posInt('populationSize', o.populationSize);
  if (o.populationSize < 4) bad(`options.populationSize must be at least 4, got ${o.populationSize}`);
  posInt('tournamentSize', o.tournamentSize);
  if (o.tournamentSize > o.populationSize) bad(`options.tournamentSize (${o.tournamentSize}) must not exceed options.populationSize (${o.populationSize})`);
  inRange('tournamentProbability', o.tournamentProbability, 0, 1);
  posInt('generationsPerCycle', o.generationsPerCycle);
  inRange('migrationFraction', o.migrationFraction, 0, 1);
  if (!MIGRATION_TOPOLOGIES.includes(o.migrationTopology)) {
    bad(`options.migrationTopology must be one of ${MIGRATION_TOPOLOGIES.join(', ')}, got ${String(o.migrationTopology)}`);
  }
  inRange('restartImprovement', o.restartImprovement, 0, 1);
  if (!isInt(o.restartAfterCycles) || o.restartAfterCycles < 0) bad(`options.restartAfterCycles must be a non-negative integer, got ${o.restartAfterCycles}`);
  if (!isInt(o.epochRestartCycles) || o.epochRestartCycles < 0) bad(`options.epochRestartCycles must be a non-negative integer, got ${o.epochRestartCycles}`);
  inRange('epochGrowth', o.epochGrowth, 1, 100);
  if (!isInt(o.ageLayers) || o.ageLayers < 0 || o.ageLayers === 1 || o.ageLayers > o.populations) {
    bad(`options.ageLayers must be 0 (off) or an integer from 2 to options.populations (${o.populations}), got ${String(o.ageLayers)}`);
  }
  posInt('ageGap', o.ageGap);
  inRange('productInitFraction', o.productInitFraction, 0, 1);
  inRange('productMoveIslands', o.productMoveIslands, 0, 1);
  posInt('semanticLibrarySize', o.semanticLibrarySize);
  inRange('termWeights', o.termWeights, 0, 1);
  inRange('lexicase', o.lexicase, 0, 1);
  inRange('termCrossover', o.termCrossover, 0, 1);
  inRange('termCrossoverIslands', o.termCrossoverIslands, 0, 1);
  if (typeof o.disjointIslandRoles !== 'boolean') bad('options.disjointIslandRoles must be true or false');
  if (!ROLE_MIGRATIONS.includes(o.roleMigration)) bad(`options.roleMigration must be one of ${ROLE_MIGRATIONS.join(', ')}, got ${String(o.roleMigration)}`);
  if (!isInt(o.termWeightsMaxTerms) || o.termWeightsMaxTerms < 2 || o.termWeightsMaxTerms > 16) bad(`options.termWeightsMaxTerms must be an integer from 2 to 16, got ${o.termWeightsMaxTerms}`);
  if (!TERM_WEIGHTS_MODES.includes(o.termWeightsMode)) bad(`options.termWeightsMode must be one of ${TERM_WEIGHTS_MODES.join(', ')}, got ${String(o.termWeightsMode)}`);
  inRange('parsimony', o.parsimony, 0, 1e6);
  inRange('adaptiveParsimonyScaling', o.adaptiveParsimonyScaling, 0, 1e6);
  for (const k of Object.keys(o.mutationWeights)) {
    if (!(k in DEFAULT_MUTATION_WEIGHTS)) bad(`unknown option "mutationWeights.${k}"; known: ${Object.keys(DEFAULT_MUTATION_WEIGHTS).join(', ')}`);
  }
  for (const [k, v] of Object.entries(o.mutationWeights)) inRange(`mutationWeights.${k}`, v, 0, 1e6);
  if (Object.values(o.mutationWeights).every((v) => v === 0)) bad('options.mutationWeights must not all be zero');
  if (!o.simplifyDuringSearch && Object.entries(o.mutationWeights).every(([k, v]) => v === 0 || k === 'simplify')) {
    bad('options.mutationWeights: only simplify has a weight, but options.simplifyDuringSearch is false');
  }
  inRange('crossoverProbability', o.crossoverProbability, 0, 1);
  inRange('optimizeProbability', o.optimizeProbability, 0, 1);
  inRange('optimizeFraction', o.optimizeFraction, 0, 1);
  if (!isInt(o.optimizeIterations) || o.optimizeIterations < 0) bad(`options.optimizeIterations must be a non-negative integer, got ${o.optimizeIterations}`);
  if (!isInt(o.optimizeRestarts) || o.optimizeRestarts < 0) bad(`options.optimizeRestarts must be a non-negative integer, got ${o.optimizeRestarts}`);
  inRange('offspringOptimizeProbability', o.offspringOptimizeProbability, 0, 1);
  if (!isInt(o.offspringOptimizeIterations) || o.offspringOptimizeIterations < 1) bad(`options.offspringOptimizeIterations must be a positive integer, got ${o.offspringOptimizeIterations}`);
  if (o.constantBounds !== null) {
    const b = o.constantBounds;
    if (!Array.isArray(b) || b.length !== 2 || !Number.isFinite(b[0]) || !Number.isFinite(b[1]) || !(b[0] < b[1])) {
      bad(`options.constantBounds must be null or [lower, upper], finite numbers (JSON-safe) with lower < upper, got ${JSON.stringify(b)}`);
    }
  }
  if (typeof o.strictEvaluationBudget !== 'boolean') bad('options.strictEvaluationBudget must be true or false');
  if (typeof o.dedupe !== 'boolean') bad('options.dedupe must be true or false');
  if (typeof o.annealing !== 'boolean') bad('options.annealing must be true or false');
  if (typeof o.simplifyDuringSearch !== 'boolean') bad('options.simplifyDuringSearch must be true or false');
  if (typeof o.stopOnExact !== 'boolean') bad('options.stopOnExact must be true or false');
  optionalLimit('maxTime', o.maxTime, false);
  optionalLimit('maxEvaluations', o.maxEvaluations, true);
  optionalLimit('maxGenerations', o.maxGenerations, true);
  if (o.targetLoss !== null && o.targetLoss !== undefined && (typeof o.targetLoss !== 'number' || !(o.targetLoss >= 0))) {
    bad(`options.targetLoss must be a non-negative number or null, got ${String(o.targetLoss)}`);
  }
  if (o.units !== null) validateUnits(o.units);
  if (!isInt(o.seed) || o.seed < 0) bad(`options.seed must be a non-negative integer, got ${String(o.seed)}`);
  if (!o.maxTime && !o.maxEvaluations && !o.maxGenerations && (o.targetLoss === null || o.targetLoss === undefined)) {
    bad('no stop condition: set at least one of options.maxTime, maxEvaluations, maxGenerations or targetLoss');
  }
  return o;
}

/**
 * The options island `islandId` mutates with: without the product-of-powers moves unless it is one of the
 * productMoveIslands share (island i has them when floor((i + 1) * share) > floor(i * share)).
 */
export function islandMutationOptions(o: SearchOptions, islandId: number): SearchOptions {
  const share = o.productMoveIslands ?? 1; // a task from a head that predates the option
  if (onIslandShare(share, islandId)) return o;
  return { ...o, mutationWeights: { ...o.mutationWeights, multiplyByFeature: 0, powerFactor: 0 } };
}

/**
 * The termCrossover rate island `islandId` uses: options.termCrossover on the termCrossoverIslands share of the
 * islands (spread as productMoveIslands), 0 on the others. With disjointIslandRoles the share (as a count of all
 * the islands, at most all of them) is spread over the islands without product moves instead, in id order.
 */
export function islandTermCrossover(o: SearchOptions, islandId: number): number {
  const rate = o.termCrossover ?? 0;
  if (!(rate > 0)) return 0;
  const share = o.termCrossoverIslands ?? 1; // a task from a head that predates the option
  if (!o.disjointIslandRoles) return onIslandShare(share, islandId) ? rate : 0;
  const products = o.productMoveIslands ?? 1;
  if (onIslandShare(products, islandId)) return 0;
  let rank = 0;
  let rest = 0;
  for (let j = 0; j < o.populations; j++) {
    if (onIslandShare(products, j)) continue;
    if (j < islandId) rank++;
    rest++;
  }
  // whole counts, so the spread over the rest is exact: rank r is in when floor((r + 1) k / rest) > floor(r k / rest)
  const k = Math.min(rest, Math.floor(share * o.populations + 1e-9));
  return Math.floor(((rank + 1) * k) / rest) > Math.floor((rank * k) / rest) ? rate : 0;
}

/** what island `islandId` makes (options.roleMigration): product moves, termCrossover sums, both, or neither (plain) */
export type IslandRole = 'product' | 'sum' | 'both' | 'plain';

export function islandRole(o: SearchOptions, islandId: number): IslandRole {
  const product = onIslandShare(o.productMoveIslands ?? 1, islandId);
  const sum = islandTermCrossover(o, islandId) > 0;
  return product ? (sum ? 'both' : 'product') : sum ? 'sum' : 'plain';
}

/** whether island i is one of a share of the islands spread evenly over the ids: floor((i + 1) * share) > floor(i * share) */
function onIslandShare(share: number, islandId: number): boolean {
  return share >= 1 || Math.floor((islandId + 1) * share) > Math.floor(islandId * share);
}

export function operatorComplexityOf(o: SearchOptions, name: OperatorName): number {
  return o.operatorComplexity[name] ?? (operatorByName(name)?.complexity ?? 1);
}
