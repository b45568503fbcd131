/**
 * The page's side of the energy fit: one Web Worker per fit (energy-fit.worker.ts), handed the compiled kernel and
 * the job; progress lines arrive while it runs, the page's thread stays free, and Stop ends the worker at once.
 * A worker's { code, message } becomes an error with that code again.
 */
import type { EnergyFitJob, EnergyFitResult, FromEnergyWorker, ToEnergyWorker } from './energy-fit-protocol.js';

export interface RunningFit {
  result: Promise<EnergyFitResult>;
  /** ends the worker; `result` then rejects with code STOPPED */
  stop(): void;
}

const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });

export function startEnergyFit(module: WebAssembly.Module, job: EnergyFitJob, onProgress: (text: string) => void): RunningFit {
  const worker = new Worker(new URL('./energy-fit.worker.ts', import.meta.url), { type: 'module', name: 'energy-fit' });
  let settle: { resolve: (r: EnergyFitResult) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<EnergyFitResult>((resolve, reject) => { settle = { resolve, reject }; });
  const end = (): void => { worker.terminate(); settle = undefined; };
  worker.onmessage = (e: MessageEvent<FromEnergyWorker>) => {
    const msg = e.data;
    if (msg.type === 'progress') { if (settle) onProgress(msg.text); return; }
    const s = settle;
    end();
    if (msg.type === 'done') s?.resolve(msg.result);
    else s?.reject(coded(msg.code, msg.message));
  };
  worker.onerror = (e) => {
    const s = settle;
    end();
    s?.reject(coded('WORKER_FAILED', `energy fit worker: ${e.message}`));
  };
  worker.postMessage({ type: 'kernel', module } satisfies ToEnergyWorker);
  worker.postMessage({ type: 'fit', job } satisfies ToEnergyWorker);
  return {
    result,
    stop() {
      const s = settle;
      end();
      s?.reject(coded('STOPPED', 'the fit was stopped'));
    },
  };
}
