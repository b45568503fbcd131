/**
 * A Web Worker that runs island cycles: the very entry the piscina pool runs in Node (runIsland in
 * src/sr/workers/island-worker.ts, the same protocol, dataset cache and error answers), fed by postMessage.
 * The first message hands over the compiled kernel; every later one is { id, request } and is answered
 * { id, response }.
 */
import { setKernelModule } from '../../src/sr/eval/wasm-kernel.js';
import { runIsland } from '../../src/sr/workers/island-worker.js';
import type { IslandRequest } from '../../src/sr/workers/protocol.js';

export type ToIslandWorker = { type: 'kernel'; module: WebAssembly.Module } | { type: 'task'; id: number; request: IslandRequest };

self.onmessage = (event: MessageEvent<ToIslandWorker>) => {
  const msg = event.data;
  if (msg.type === 'kernel') {
    setKernelModule(msg.module);
    return;
  }
  self.postMessage({ id: msg.id, response: runIsland(msg.request) });
};
