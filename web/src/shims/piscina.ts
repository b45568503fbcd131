/** The page runs islands in Web Workers (web/src/web-worker-runner.ts), never in a piscina pool. */
export class Piscina {
  constructor() {
    throw new Error('energylens: piscina (worker threads) is not available in the browser; use WebWorkerRunner');
  }
}
export default Piscina;
