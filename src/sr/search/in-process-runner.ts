/** Runs island tasks one after another in this thread, with one WASM evaluator. */
import type { Dataset, Evaluator, LossName } from '../eval/types.js';
import { createWasmEvaluator } from '../eval/wasm-kernel.js';
import { runIslandTask } from './island.js';
import type { IslandRunner, IslandTask, IslandTaskResult } from './runner.js';

export class InProcessRunner implements IslandRunner {
  readonly name = 'in-process';
  private evaluator: Evaluator | undefined;
  private data: Dataset | undefined;

  constructor(private readonly makeEvaluator: () => Evaluator = () => createWasmEvaluator()) {}

  async setDataset(data: Dataset, _loss: LossName): Promise<void> {
    this.evaluator ??= this.makeEvaluator();
    this.evaluator.setDataset(data);
    this.data = data;
  }

  async run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]> {
    const { evaluator, data } = this;
    if (!evaluator || !data) throw new Error('InProcessRunner: setDataset first');
    return tasks.map((t) => runIslandTask(t, { evaluator, data }));
  }

  async close(): Promise<void> {
    this.evaluator?.dispose();
    this.evaluator = undefined;
  }
}
