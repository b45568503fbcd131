/** Expression trees. Plain immutable-by-convention objects: mutation operators build new trees. */
import type { OperatorName } from './operators.js';

export interface ConstNode { readonly kind: 'const'; value: number }
export interface FeatureNode { readonly kind: 'feature'; readonly index: number }
export interface OpNode { readonly kind: 'op'; readonly op: OperatorName; readonly children: readonly Node[] }
export type Node = ConstNode | FeatureNode | OpNode;

export const constant = (value: number): ConstNode => ({ kind: 'const', value });
export const feature = (index: number): FeatureNode => ({ kind: 'feature', index });
export const op = (name: OperatorName, ...children: Node[]): OpNode => ({ kind: 'op', op: name, children });

/** Number of nodes. */
export function size(node: Node): number {
  if (node.kind !== 'op') return 1;
  let n = 1;
  for (const c of node.children) n += size(c);
  return n;
}

/** Depth (a leaf has depth 1). */
export function depth(node: Node): number {
  if (node.kind !== 'op') return 1;
  let d = 0;
  for (const c of node.children) d = Math.max(d, depth(c));
  return d + 1;
}

/** Constant nodes in postfix order (the order the compiler numbers them). */
export function constantNodes(node: Node, out: ConstNode[] = []): ConstNode[] {
  if (node.kind === 'op') for (const c of node.children) constantNodes(c, out);
  else if (node.kind === 'const') out.push(node);
  return out;
}

/** Deep copy. */
export function clone(node: Node): Node {
  if (node.kind === 'const') return { kind: 'const', value: node.value };
  if (node.kind === 'feature') return { kind: 'feature', index: node.index };
  return { kind: 'op', op: node.op, children: node.children.map(clone) };
}

/** Structural equality (constants compared with Object.is, so NaN equals NaN and 0 differs from -0). */
export function equals(a: Node, b: Node): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'const') return Object.is(a.value, (b as ConstNode).value);
  if (a.kind === 'feature') return a.index === (b as FeatureNode).index;
  const bo = b as OpNode;
  if (a.op !== bo.op || a.children.length !== bo.children.length) return false;
  for (let i = 0; i < a.children.length; i++) if (!equals(a.children[i], bo.children[i])) return false;
  return true;
}

/** Largest feature index used, or -1. */
export function maxFeatureIndex(node: Node): number {
  if (node.kind === 'feature') return node.index;
  if (node.kind === 'const') return -1;
  let m = -1;
  for (const c of node.children) m = Math.max(m, maxFeatureIndex(c));
  return m;
}
