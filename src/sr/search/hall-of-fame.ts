/**
 * The hall of fame keeps the best expression (lowest loss) of each complexity ever seen; the Pareto front
 * (complexity against loss) is read from it, and model selection picks one member of the front.
 */
import type { SerializedMember } from './runner.js';

export class HallOfFame {
  private readonly best = new Map<number, SerializedMember>();

  /** Offers a member; keeps it if it is the best of its complexity. Returns true when kept. */
  offer(m: SerializedMember): boolean {
    if (!Number.isFinite(m.loss)) return false;
    const cur = this.best.get(m.complexity);
    if (cur && cur.loss <= m.loss) return false;
    this.best.set(m.complexity, { ...m, code: m.code.slice(), consts: m.consts.slice() });
    return true;
  }

  /** True when a member of this complexity and loss would be kept (cheap: nothing is serialised). */
  wouldKeep(complexity: number, loss: number): boolean {
    if (!Number.isFinite(loss)) return false;
    const cur = this.best.get(complexity);
    return !cur || loss < cur.loss;
  }

  merge(members: Iterable<SerializedMember>): void {
    for (const m of members) this.offer(m);
  }

  members(): SerializedMember[] {
    return [...this.best.values()].sort((a, b) => a.complexity - b.complexity);
  }

  /** Members that no simpler member beats: loss strictly falls as complexity grows. */
  paretoFront(): SerializedMember[] {
    return paretoFront(this.members());
  }

  get size(): number {
    return this.best.size;
  }
}

export function paretoFront(members: readonly SerializedMember[]): SerializedMember[] {
  const sorted = [...members].filter((m) => Number.isFinite(m.loss)).sort((a, b) => a.complexity - b.complexity || a.loss - b.loss);
  const front: SerializedMember[] = [];
  let bestLoss = Infinity;
  for (const m of sorted) {
    if (m.loss < bestLoss) {
      front.push(m);
      bestLoss = m.loss;
    }
  }
  return front;
}

/**
 * Model selection, the rule PySR calls "best": among front members whose loss is within `lossFactor` (1.5) times
 * the lowest loss, pick the one with the highest score, where the score of a member is the drop in log-loss per
 * unit of complexity from the previous (simpler) front member: -d log(loss) / d complexity. So the choice is the
 * point where loss stops improving steeply with complexity. A loss of exactly 0 counts as 1e-300.
 */
export function selectModel<T extends { loss: number; complexity: number }>(front: readonly T[], lossFactor = 1.5): T | undefined {
  if (front.length === 0) return undefined;
  const minLoss = Math.min(...front.map((m) => m.loss));
  const floor = (l: number): number => Math.max(l, 1e-300);
  let best: T | undefined;
  let bestScore = -Infinity;
  for (let i = 0; i < front.length; i++) {
    const m = front[i];
    const score = i === 0 ? 0 : -(Math.log(floor(m.loss)) - Math.log(floor(front[i - 1].loss))) / Math.max(1e-9, m.complexity - front[i - 1].complexity);
    if (m.loss <= lossFactor * minLoss + 1e-300 && score > bestScore) {
      best = m;
      bestScore = score;
    }
  }
  return best ?? front[front.length - 1];
}
