/**
 * The stacked residual model of a model file (`residualTrees`): gradient-boosted regression trees g(x) on the
 * ensembles' feature table (baselines/tabular.ts), learnt on the training series' log residuals under the shared
 * structure with each series' level and slope taken out (stacked-residuals.ts). A prediction under the shared
 * parameters is multiplied by exp(g(x)); the series effects sit on top.
 *
 * In the file the trees are packed: every node of every tree in order, as base64 of little-endian arrays (split
 * feature i16, -1 at a leaf; value f32, the threshold or the leaf's value; left and right child i16; missing goes
 * left u8), with each tree's node count. A threshold is XGBoost's own f32, compared with the feature as f32, as
 * XGBoost does, so the walker here gives the booster's predictions. Pretty-printed JSON of 12,000 nodes as numbers
 * would be a megabyte; packed, about 180 KB.
 */
import { EnergyLensError } from '../../errors.js';

/** One tree as XGBoost stores it: node 0 is the root; children have larger indices than their parent. */
export interface DecodedTree {
  /** the feature a node splits on (index into `features`), -1 at a leaf */
  split: number[];
  /** threshold (a split: left when the f32 feature is below it) or the leaf's value */
  value: number[];
  left: number[];
  right: number[];
  /** 1: a missing (NaN) feature goes left */
  defaultLeft: number[];
}

/** The model file's section. */
export interface ResidualTrees {
  /** what learnt the trees */
  learner: 'xgboost';
  /** what they learnt: log residuals with each series' level and slope taken out */
  target: 'level' | 'effects';
  /** folds of series the training series' residuals were cross-fitted with (for the effects' spreads) */
  folds: number;
  /** records the trees were trained on */
  records: number;
  /** the feature table's columns (numeric features, then category=level), the trees' feature indices */
  features: string[];
  /** the boosting's starting value (log energy per token) */
  baseScore: number;
  /** node count of each tree, in order */
  treeNodes: number[];
  /** every node of every tree, packed (base64 of little-endian arrays) */
  nodes: { split: string; value: string; left: string; right: string; defaultLeft: string };
}

/** The trees unpacked for walking: one flat array per node field, and each tree's first node. */
export interface TreeEnsemble {
  features: string[];
  baseScore: number;
  starts: Int32Array;
  split: Int16Array;
  value: Float32Array;
  left: Int16Array;
  right: Int16Array;
  defaultLeft: Uint8Array;
}

const toBase64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (text: string): Uint8Array => {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const bytesOf = (a: Int16Array | Float32Array | Uint8Array): Uint8Array => {
  if (!littleEndian) throw new EnergyLensError('INVALID_OPTION', 'residual trees: a big-endian platform is not supported');
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
};

/** The section for these trees (`meta`: what learnt them and on what). */
export function packResidualTrees(trees: readonly DecodedTree[], features: readonly string[], baseScore: number, meta: Pick<ResidualTrees, 'target' | 'folds' | 'records'>): ResidualTrees {
  const n = trees.reduce((a, t) => a + t.split.length, 0);
  const split = new Int16Array(n);
  const value = new Float32Array(n);
  const left = new Int16Array(n);
  const right = new Int16Array(n);
  const defaultLeft = new Uint8Array(n);
  let at = 0;
  for (const t of trees) {
    if (t.split.length > 0x7fff) throw new EnergyLensError('INVALID_OPTION', `residual trees: a tree of ${t.split.length} nodes (at most 32767)`);
    for (let j = 0; j < t.split.length; j++, at++) {
      split[at] = t.split[j]; value[at] = t.value[j]; left[at] = t.left[j]; right[at] = t.right[j]; defaultLeft[at] = t.defaultLeft[j];
    }
  }
  return {
    learner: 'xgboost', ...meta, features: [...features], baseScore, treeNodes: trees.map((t) => t.split.length),
    nodes: { split: toBase64(bytesOf(split)), value: toBase64(bytesOf(value)), left: toBase64(bytesOf(left)), right: toBase64(bytesOf(right)), defaultLeft: toBase64(defaultLeft) },
  };
}

const ensembles = new WeakMap<ResidualTrees, TreeEnsemble>();

/**
 * The section unpacked and checked: every field present and of its type, the packed arrays of the nodes' count,
 * every split on a known feature at a finite threshold with children inside its tree and after it, every leaf
 * finite. `bad` is called with what is wrong (the model file's reader names the file).
 */
export function unpackResidualTrees(section: unknown, bad: (what: string) => never = (what) => { throw new EnergyLensError('INVALID_MODEL_FILE', what); }): TreeEnsemble {
  const cached = ensembles.get(section as ResidualTrees);
  if (cached) return cached;
  const s = section as Partial<ResidualTrees> | null;
  if (typeof s !== 'object' || s === null) bad('residualTrees is not an object');
  if (s.learner !== 'xgboost') bad(`residualTrees.learner is ${JSON.stringify(s.learner)}; expected "xgboost"`);
  if (!Array.isArray(s.features) || s.features.length === 0 || !s.features.every((f) => typeof f === 'string')) bad('residualTrees.features must list the feature columns');
  if (typeof s.baseScore !== 'number' || !Number.isFinite(s.baseScore)) bad('residualTrees.baseScore must be a finite number');
  if (!Array.isArray(s.treeNodes) || s.treeNodes.length === 0 || !s.treeNodes.every((k) => Number.isInteger(k) && k >= 1 && k <= 0x7fff)) bad('residualTrees.treeNodes must list each tree\'s node count (1 to 32767)');
  const nodes = s.nodes as Record<string, unknown> | undefined;
  if (typeof nodes !== 'object' || nodes === null) bad('residualTrees.nodes is missing');
  const count = s.treeNodes.reduce((a, k) => a + k, 0);
  const field = (name: string, width: number): Uint8Array => {
    const text = nodes[name];
    let bytes: Uint8Array | undefined;
    if (typeof text === 'string') {
      try { bytes = fromBase64(text); } catch { bytes = undefined; }
    }
    if (!bytes || bytes.length !== count * width) bad(`residualTrees.nodes.${name} must be base64 of ${count} nodes x ${width} bytes`);
    return bytes!;
  };
  const aligned = (b: Uint8Array): ArrayBuffer => b.slice().buffer;
  const split = new Int16Array(aligned(field('split', 2)));
  const value = new Float32Array(aligned(field('value', 4)));
  const left = new Int16Array(aligned(field('left', 2)));
  const right = new Int16Array(aligned(field('right', 2)));
  const defaultLeft = field('defaultLeft', 1);
  const starts = new Int32Array(s.treeNodes.length);
  let at = 0;
  s.treeNodes.forEach((size, t) => {
    starts[t] = at;
    for (let j = 0; j < size; j++) {
      const k = at + j;
      if (!Number.isFinite(value[k])) bad(`residualTrees: tree ${t}, node ${j} has a value that is not finite`);
      if (split[k] === -1) continue;
      if (split[k] < 0 || split[k] >= s.features!.length) bad(`residualTrees: tree ${t}, node ${j} splits on feature ${split[k]}; there are ${s.features!.length}`);
      if (!(left[k] > j && left[k] < size && right[k] > j && right[k] < size)) bad(`residualTrees: tree ${t}, node ${j} has children ${left[k]} and ${right[k]} outside its tree of ${size} nodes`);
    }
    at += size;
  });
  const ensemble: TreeEnsemble = { features: s.features, baseScore: s.baseScore, starts, split, value, left, right, defaultLeft };
  ensembles.set(section as ResidualTrees, ensemble);
  return ensemble;
}

/** g(x) of each row (the rows: `features` columns, in order): base score plus one leaf per tree, as XGBoost sums. */
export function walkTrees(e: TreeEnsemble, rows: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(rows.length);
  const f32 = new Float32Array(1);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let sum = 0;
    for (let t = 0; t < e.starts.length; t++) {
      const at = e.starts[t];
      let n = 0;
      while (e.split[at + n] !== -1) {
        const x = row[e.split[at + n]];
        const goLeft = Number.isNaN(x) ? e.defaultLeft[at + n] === 1 : Math.fround(x) < e.value[at + n];
        n = goLeft ? e.left[at + n] : e.right[at + n];
      }
      // XGBoost accumulates the leaves in f32, then adds the base score
      f32[0] = sum + e.value[at + n];
      sum = f32[0];
    }
    f32[0] = sum + e.baseScore;
    out[r] = f32[0];
  }
  return out;
}
