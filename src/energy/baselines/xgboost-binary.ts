/**
 * The trees of a trained XGBoost booster, read from the bytes its `save_model` writes (ml-xgboost's `toJSON().model`):
 * the module exposes no JSON dump, so the binary model format of the XGBoost core it was built from (0.7x, before
 * the JSON format) is read here. Layout, little-endian:
 *
 *   LearnerModelParam  base_score f32, num_feature u32, num_class i32, contain_extra_attrs i32,
 *                      contain_eval_metrics i32, reserved i32[29]                                   (136 bytes)
 *   name_obj, name_gbm strings: u64 length, then the bytes
 *   GBTreeModelParam   num_trees i32, num_roots i32, num_feature i32, pad i32, num_pbuffer i64,
 *                      num_output_group i32, size_leaf_vector i32, reserved i32[32]                  (160 bytes)
 *   each tree:         TreeParam num_roots, num_nodes, num_deleted, max_depth, num_feature,
 *                      size_leaf_vector i32, reserved i32[31]                                        (148 bytes)
 *                      num_nodes x Node { parent i32, cleft i32, cright i32, sindex u32, info f32 }  (20 bytes each)
 *                      num_nodes x RTreeNodeStat { loss_chg, sum_hess, base_weight f32, leaf_child_cnt i32 }
 *                      (16 bytes each), then the leaf vector when size_leaf_vector > 0
 *
 * A node is a leaf when cleft is -1 (info: its value, already scaled by the learning rate), else it splits on
 * feature sindex & 0x7fffffff at info: a row goes left when its value (as f32) is below it, and a missing value goes
 * left when sindex's top bit is set. The prediction of a row is base_score plus one leaf of each tree.
 */
import { EnergyLensError } from '../../errors.js';
import type { DecodedTree } from '../model/residual-trees.js';

export interface DecodedBooster {
  baseScore: number;
  numFeature: number;
  objective: string;
  trees: DecodedTree[];
}

/** The booster's trees from its saved bytes (a regression gbtree of one output group); throws on any other model. */
export function readXGBoostBinary(bytes: Uint8Array): DecodedBooster {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const fail = (what: string): never => { throw new EnergyLensError('INVALID_MODEL_FILE', `XGBoost model bytes: ${what}`); };
  const need = (n: number): void => { if (at + n > bytes.byteLength) fail(`truncated at byte ${at} (${bytes.byteLength} bytes)`); };
  const i32 = (): number => { need(4); const v = view.getInt32(at, true); at += 4; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(at, true); at += 4; return v; };
  const f32 = (): number => { need(4); const v = view.getFloat32(at, true); at += 4; return v; };
  const skip = (n: number): void => { need(n); at += n; };
  const str = (): string => {
    need(8);
    const lo = view.getUint32(at, true);
    const hi = view.getUint32(at + 4, true);
    at += 8;
    if (hi !== 0 || lo > 1024) fail(`a name of ${lo} bytes`);
    need(lo);
    const s = String.fromCharCode(...bytes.subarray(at, at + lo));
    at += lo;
    return s;
  };
  const baseScore = f32();
  const numFeature = u32();
  skip(4 + 4 + 4 + 29 * 4);
  const objective = str();
  const gbm = str();
  if (gbm !== 'gbtree') fail(`booster "${gbm}"; only gbtree is read`);
  const numTrees = i32();
  skip(4 + 4 + 4 + 8);
  const groups = i32();
  const leafVector = i32();
  skip(32 * 4);
  if (numTrees < 0 || groups > 1 || leafVector !== 0) fail(`${numTrees} trees, ${groups} output groups, leaf vector ${leafVector}; a regression of one output is read`);
  const trees: DecodedTree[] = [];
  for (let t = 0; t < numTrees; t++) {
    skip(4);
    const numNodes = i32();
    skip(4 + 4 + 4);
    const treeLeafVector = i32();
    skip(31 * 4);
    if (numNodes < 1 || treeLeafVector !== 0) fail(`tree ${t}: ${numNodes} nodes, leaf vector ${treeLeafVector}`);
    const tree: DecodedTree = { split: [], value: [], left: [], right: [], defaultLeft: [] };
    for (let n = 0; n < numNodes; n++) {
      skip(4);
      const cleft = i32();
      const cright = i32();
      const sindex = u32();
      const info = f32();
      const leaf = cleft === -1;
      tree.split.push(leaf ? -1 : sindex & 0x7fffffff);
      tree.value.push(info);
      tree.left.push(leaf ? -1 : cleft);
      tree.right.push(leaf ? -1 : cright);
      tree.defaultLeft.push(leaf ? 0 : (sindex >>> 31));
    }
    skip(numNodes * 16);
    trees.push(tree);
  }
  return { baseScore, numFeature, objective, trees };
}
