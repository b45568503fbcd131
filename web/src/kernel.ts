/**
 * The WASM kernel in the page: build/release.wasm (emitted by Vite as an asset, fetched once), compiled once and
 * handed to the engine (setKernelModule) so every WasmEvaluator of this thread instantiates it without files.
 * The same compiled module is posted to the island workers.
 */
import wasmUrl from '../../build/release.wasm?url';
import { setKernelModule } from '../../src/sr/index.js';

let compiled: Promise<WebAssembly.Module> | undefined;

/** Fetches and compiles the kernel once per page; the engine's evaluators use it from then on. */
export function loadKernel(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const response = await fetch(wasmUrl);
    if (!response.ok) throw new Error(`energylens: the WASM kernel ${wasmUrl} could not be fetched (HTTP ${response.status})`);
    const module = await WebAssembly.compileStreaming(response);
    setKernelModule(module);
    return module;
  })();
  return compiled;
}
