/**
 * The engine's IslandRunner over Web Workers: what PoolRunner (src/sr/workers/pool-runner.ts) is over piscina in
 * Node, with the same protocol (src/sr/workers/protocol.ts). The dataset travels once per worker (a worker
 * answers DATASET_MISSING and gets it), each worker holds its own instance of the kernel, tasks are whole island
 * cycles handed to the next free worker, and a worker's { ok: false, code, message } becomes a typed SrError.
 * Results do not depend on how many workers run them (islands are seeded and synchronised on generations).
 */
import { SrError, srErrorFromPlain, type Dataset, type LossName } from '../../src/sr/index.js';
import { datasetFingerprint, type IslandRunner, type IslandTask, type IslandTaskResult } from '../../src/sr/runtime.js';
import { DATASET_MISSING, PROTOCOL_VERSION, packTask, sliceDataset, unpackResult, type IslandRequest, type IslandResponse, type WorkerDataset } from '../../src/sr/workers/protocol.js';
import type { ToIslandWorker } from './island.worker.js';

export interface WebWorkerRunnerOptions {
  /** the compiled kernel (loadKernel()), posted to each worker once */
  module: WebAssembly.Module;
  /** workers (default: the browser's hardwareConcurrency, at most one per island) */
  workers?: number;
}

interface Slot { worker: Worker }

export class WebWorkerRunner implements IslandRunner {
  readonly name = 'web-workers';
  private readonly slots: Slot[] = [];
  private dataset: WorkerDataset | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (r: IslandResponse) => void>();
  /**
   * Called with each island's result as soon as its worker answers, before the cycle's other islands finish (the
   * page draws a first front from it); the search itself still waits for the whole cycle.
   */
  onIslandResult: ((result: IslandTaskResult) => void) | undefined;

  constructor(private readonly options: WebWorkerRunnerOptions) {}

  /** Workers in use (started lazily on the first run). */
  get size(): number {
    return this.slots.length;
  }

  async setDataset(data: Dataset, _loss: LossName): Promise<void> {
    this.dataset = sliceDataset(datasetFingerprint(data), data);
  }

  /** Starts `n` workers now (a page starts them while the person chooses data, so Start finds them loaded). */
  prestart(n = this.options.workers ?? (navigator.hardwareConcurrency || 2)): void {
    this.start(n);
  }

  private start(n: number): void {
    while (this.slots.length < n) {
      const worker = new Worker(new URL('./island.worker.ts', import.meta.url), { type: 'module', name: `island-${this.slots.length}` });
      worker.onmessage = (e: MessageEvent<{ id: number; response: IslandResponse }>) => {
        const done = this.pending.get(e.data.id);
        this.pending.delete(e.data.id);
        done?.(e.data.response);
      };
      worker.onerror = (e) => {
        for (const [id, done] of this.pending) { this.pending.delete(id); done({ ok: false, code: 'WORKER_FAILED', message: `island worker: ${e.message}` }); }
      };
      worker.postMessage({ type: 'kernel', module: this.options.module } satisfies ToIslandWorker);
      this.slots.push({ worker });
    }
  }

  private send(slot: Slot, request: IslandRequest): Promise<IslandResponse> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      slot.worker.postMessage({ type: 'task', id, request } satisfies ToIslandWorker);
    });
  }

  /** One task on one worker; the dataset is attached only when the worker says it lacks it. */
  private async runOn(slot: Slot, task: IslandTask): Promise<IslandTaskResult> {
    const dataset = this.dataset!;
    const request: IslandRequest = { type: 'island', protocol: PROTOCOL_VERSION, datasetId: dataset.id, task: packTask(task) };
    let response = await this.send(slot, request);
    if (!response.ok && response.code === DATASET_MISSING) response = await this.send(slot, { ...request, dataset });
    if (response.ok) return unpackResult(response.result);
    if (response.code === DATASET_MISSING) throw new SrError('WORKER_FAILED', response.message);
    throw srErrorFromPlain({ code: response.code, message: response.message });
  }

  async run(tasks: readonly IslandTask[]): Promise<IslandTaskResult[]> {
    if (!this.dataset) throw new SrError('WORKER_FAILED', 'WebWorkerRunner: setDataset first');
    const want = Math.max(1, Math.min(this.options.workers ?? (navigator.hardwareConcurrency || 2), tasks.length));
    this.start(want);
    const queue = [...tasks];
    const results: IslandTaskResult[] = [];
    await Promise.all(this.slots.slice(0, want).map(async (slot) => {
      for (let task = queue.shift(); task; task = queue.shift()) {
        const result = await this.runOn(slot, task);
        results.push(result);
        this.onIslandResult?.(result);
      }
    }));
    return results;
  }

  async close(): Promise<void> {
    for (const s of this.slots) s.worker.terminate();
    this.slots.length = 0;
  }
}
