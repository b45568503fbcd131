/** node:worker_threads inside a Web Worker: island-worker.ts reads only its thread id and the (absent) start data. */
export const threadId = 0;
export const workerData = null;
export const isMainThread = false;
