/**
 * node:module in the island workers: nothing to load. The engine reaches createRequire only for mathjs, when
 * `simplifyDuringSearch` is on, which the page never sets; leaving mathjs out of the worker bundle halves what
 * each worker parses before its first island.
 */
export function createRequire(_url: string | URL): (name: string) => unknown {
  return (name: string) => {
    throw new Error(`energylens: ${name} is not bundled in the browser's island workers (simplifyDuringSearch is not available there)`);
  };
}
